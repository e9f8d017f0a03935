{% macro media_key(vendor, account_id, media_type, media_id) %}
  {#- The key of a medium across vendors: vendor, account, type and the vendor's id. -#}
  {{- vendor }} || ':' || {{ account_id }} || ':' || {{ media_type }} || ':' || {{ media_id -}}
{% endmacro %}


{% macro utc_date(timestamp_expression) %}
  {#- The UTC day of a timestamp with time zone, whatever the session's time zone. -#}
  {{- 'cast((' ~ timestamp_expression ~ ") at time zone 'UTC' as date)" -}}
{% endmacro %}


{% macro vendors() %}
  {#- The sources the marts unify (accepted values of every mart's vendor column). -#}
  {{ return(['brightcove_audience', 'ibm_video', 'apivideo', 'brightcove_interactivity']) }}
{% endmacro %}


{% macro apivideo_media_type(media_id) %}
  {#- api.video ids say what they are: vi... a video, li... a live stream. -#}
  {{- "case when " ~ media_id ~ " like 'li%' then 'live_stream' else 'video' end" -}}
{% endmacro %}
