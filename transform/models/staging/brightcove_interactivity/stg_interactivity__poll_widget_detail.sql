{#- Interactivity poll answers: one row per poll submission. -#}
{%- set source_relation = source('brightcove_interactivity', 'poll_widget_detail') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'session_start_time', 'timestamptz') }} as session_started_at,
        {{ typed(columns, 'play_session', 'text') }} as play_session_id,
        {{ typed(columns, 'user', 'text') }} as viewer_id,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'annotation_id', 'text') }} as annotation_id,
        {{ typed(columns, 'poll_type', 'text') }} as poll_type,
        {{ typed(columns, 'prompt', 'text') }} as prompt,
        {{ typed(columns, 'response', 'text') }} as response,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['row_key'], []) }}
)

select
    row_key,
    account_id,
    session_started_at,
    play_session_id,
    viewer_id,
    project_id,
    annotation_id,
    poll_type,
    prompt,
    response,
    _loaded_at
from versions
where _version_rank = 1
