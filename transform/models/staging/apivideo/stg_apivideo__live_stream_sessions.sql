{#- api.video live stream player sessions (raw statistics; retired for new projects): one row per session. -#}
{{ stg_apivideo_sessions('live_stream_sessions', 'liveStreamId', 'live_stream_id') }}
