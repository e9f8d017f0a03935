{#- Interactivity viewer engagement: one row per viewer and report window. -#}
{%- set source_relation = source('brightcove_interactivity', 'user_engagement_summary_raw') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'report_start', 'date') }} as report_start_date,
        {{ typed(columns, 'report_end', 'date') }} as report_end_date,
        {{ typed(columns, 'user', 'text') }} as viewer_id,
        {{ typed(columns, 'last_session', 'timestamptz') }} as last_session_at,
        {{ typed(columns, 'sessions', 'bigint') }} as sessions,
        {{ typed(columns, 'plays', 'bigint') }} as plays,
        {{ typed(columns, 'videos', 'bigint') }} as videos,
        {{ typed(columns, 'widgets', 'bigint') }} as widgets,
        {{ typed(columns, 'responses', 'bigint') }} as responses,
        {{ typed(columns, 'links', 'bigint') }} as links,
        {{ typed(columns, 'navigation', 'bigint') }} as navigation,
        {{ typed(columns, 'time_watched', 'seconds') }} as seconds_watched,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['row_key', 'account_id', 'report_start_date', 'report_end_date'], []) }}
)

select
    row_key,
    account_id,
    report_start_date,
    report_end_date,
    viewer_id,
    last_session_at,
    sessions,
    plays,
    videos,
    widgets,
    responses,
    links,
    navigation,
    seconds_watched,
    _loaded_at
from versions
where _version_rank = 1
