{#- api.video's raw statistics come in pairs, one stream for videos and one for live
    streams, with the same fields but the media's id: one staging body for each pair. -#}

{% macro stg_apivideo_sessions(stream, media_field, media_column) %}
{#- Player sessions of one media kind: one row per session, its latest version. -#}
{%- set source_relation = source('apivideo', stream) -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'sessionId', 'text') }} as session_id,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, media_field, 'text') }} as {{ media_column }},
        {{ typed(columns, 'loadedAt', 'timestamptz') }} as loaded_at,
        {{ json_text(columns, 'session', ['endedAt']) }} as _ended_at_text,
        {{ json_text(columns, 'location', ['country']) }} as country,
        {{ json_text(columns, 'location', ['city']) }} as city,
        {{ json_text(columns, 'referrer', ['url']) }} as referrer_url,
        {{ json_text(columns, 'referrer', ['medium']) }} as referrer_medium,
        {{ json_text(columns, 'referrer', ['source']) }} as referrer_source,
        {{ json_text(columns, 'device', ['type']) }} as device_type,
        {{ json_text(columns, 'device', ['vendor']) }} as device_vendor,
        {{ json_text(columns, 'device', ['model']) }} as device_model,
        {{ json_text(columns, 'os', ['name']) }} as os_name,
        {{ json_text(columns, 'os', ['version']) }} as os_version,
        {{ json_text(columns, 'client', ['name']) }} as browser_name,
        {{ json_text(columns, 'client', ['type']) }} as client_type,
        {{ json_text(columns, 'client', ['version']) }} as client_version,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['project_id', 'session_id'], ['loaded_at']) }}
)

select
    session_id,
    project_id,
    {{ media_column }},
    loaded_at,
    country,
    city,
    referrer_url,
    referrer_medium,
    referrer_source,
    device_type,
    device_vendor,
    device_model,
    os_name,
    os_version,
    browser_name,
    client_type,
    client_version,
    cast(_ended_at_text as timestamp with time zone) as ended_at,
    {{ whole_seconds_between('loaded_at', 'cast(_ended_at_text as timestamp with time zone)') }} as seconds_watched,
    _loaded_at
from versions
where _version_rank = 1
{% endmacro %}


{% macro stg_apivideo_plays(stream) %}
{#- Plays of one media kind per UTC day by one dimension: one row per day, dimension,
    value and media filter. -#}
{%- set source_relation = source('apivideo', stream) -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'day', 'date') }} as activity_date,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'dimension', 'text') }} as dimension,
        {{ typed(columns, 'value', 'text') }} as dimension_value,
        {{ typed(columns, 'plays', 'bigint') }} as plays,
        {{ typed(columns, 'mediaId', 'text') }} as media_filter,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['project_id', 'activity_date', 'dimension', 'dimension_value', 'media_filter'], []) }}
)

select
    activity_date,
    project_id,
    dimension,
    dimension_value,
    plays,
    media_filter,
    _loaded_at
from versions
where _version_rank = 1
{% endmacro %}
