{#- Plays of live streams per UTC day by one dimension (raw statistics, retired for new projects). One row per day, dimension, value and media filter. -#}
{{ stg_apivideo_plays('live_stream_plays') }}
