{#- Plays of videos per UTC day by one dimension (raw statistics, retired for new projects). One row per day, dimension, value and media filter. -#}
{{ stg_apivideo_plays('video_plays') }}
