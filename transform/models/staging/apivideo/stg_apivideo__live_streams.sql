{#- api.video live streams: one row per live stream of the project. The stream key, a broadcasting secret, is left out. -#}
{%- set source_relation = source('apivideo', 'live_streams') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'liveStreamId', 'text') }} as live_stream_id,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'name', 'text') }} as name,
        {{ typed(columns, 'record', 'boolean') }} as is_recorded,
        {{ typed(columns, 'public', 'boolean') }} as is_public,
        {{ typed(columns, 'playerId', 'text') }} as player_id,
        {{ typed(columns, 'broadcasting', 'boolean') }} as is_broadcasting,
        {{ typed(columns, 'createdAt', 'timestamptz') }} as created_at,
        {{ typed(columns, 'updatedAt', 'timestamptz') }} as updated_at,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['project_id', 'live_stream_id'], ['updated_at']) }}
)

select
    live_stream_id,
    project_id,
    name,
    is_recorded,
    is_public,
    player_id,
    is_broadcasting,
    created_at,
    updated_at,
    _loaded_at
from versions
where _version_rank = 1
