{#- api.video video player sessions (raw statistics; retired for new projects): one row per session. -#}
{{ stg_apivideo_sessions('video_sessions', 'videoId', 'video_id') }}
