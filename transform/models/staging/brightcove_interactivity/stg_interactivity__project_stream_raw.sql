{#- Interactivity project activity: one row per action in a project. -#}
{%- set source_relation = source('brightcove_interactivity', 'project_stream_raw') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'user', 'text') }} as viewer_id,
        {{ typed(columns, 'when', 'timestamptz') }} as occurred_at,
        {{ typed(columns, 'action', 'text') }} as action,
        {{ typed(columns, 'details', 'text') }} as details,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'project_title', 'text') }} as project_title,
        {{ typed(columns, 'annotation_id', 'text') }} as annotation_id,
        {{ typed(columns, 'player_id', 'text', required=false) }} as player_id,
        {{ typed(columns, 'video_time', 'double') }} as video_position_seconds,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['row_key'], []) }}
)

select
    row_key,
    account_id,
    viewer_id,
    occurred_at,
    action,
    details,
    project_id,
    project_title,
    annotation_id,
    player_id,
    video_position_seconds,
    _loaded_at
from versions
where _version_rank = 1
