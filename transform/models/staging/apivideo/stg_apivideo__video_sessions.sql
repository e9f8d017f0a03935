{#- api.video video player sessions (raw statistics; retired for new projects): one row per session. -#}
{%- set source_relation = source('apivideo', 'video_sessions') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'sessionId', 'text') }} as session_id,
        cast('{{ var("apivideo_project", none) or var("apivideo_schema") }}' as {{ dbt.type_string() }}) as project_id,
        {{ typed(columns, 'videoId', 'text') }} as video_id,
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
{{ latest_per_key('typed', ['session_id'], ['loaded_at']) }}
)

select
    session_id,
    project_id,
    video_id,
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
