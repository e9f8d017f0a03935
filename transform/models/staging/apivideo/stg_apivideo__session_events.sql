{#- api.video player events of each session: one row per session and event position. -#}
{%- set source_relation = source('apivideo', 'session_events') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'sessionId', 'text') }} as session_id,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'position', 'bigint') }} as event_position,
        {{ typed(columns, 'type', 'text') }} as event_type,
        {{ typed(columns, 'emittedAt', 'timestamptz') }} as emitted_at,
        {{ typed(columns, 'at', 'bigint') }} as at_position_seconds,
        {{ typed(columns, 'from', 'bigint') }} as seek_from_seconds,
        {{ typed(columns, 'to', 'bigint') }} as seek_to_seconds,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['project_id', 'session_id', 'event_position'], ['emitted_at']) }}
)

select
    session_id,
    project_id,
    event_position,
    event_type,
    emitted_at,
    at_position_seconds,
    seek_from_seconds,
    seek_to_seconds,
    _loaded_at
from versions
where _version_rank = 1
