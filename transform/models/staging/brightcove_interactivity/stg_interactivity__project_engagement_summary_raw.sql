{#- Interactivity project engagement: one row per interactive project and report window (a day with summary_grain=day). -#}
{%- set source_relation = source('brightcove_interactivity', 'project_engagement_summary_raw') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'report_start', 'date') }} as report_start_date,
        {{ typed(columns, 'report_end', 'date') }} as report_end_date,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'project_title', 'text') }} as project_title,
        {{ typed(columns, 'player_id', 'text', required=false) }} as player_id,
        {{ typed(columns, 'loads', 'bigint') }} as loads,
        {{ typed(columns, 'plays', 'bigint') }} as plays,
        {{ typed(columns, 'play_rate', 'double') }} as play_rate,
        {{ typed(columns, 'plays_with_interactions', 'bigint') }} as plays_with_interactions,
        {{ typed(columns, 'interaction_rate', 'double') }} as interaction_rate,
        {{ typed(columns, 'total_view_time', 'seconds') }} as total_view_seconds,
        {{ typed(columns, 'widgets', 'bigint') }} as widgets,
        {{ typed(columns, 'links', 'bigint') }} as links,
        {{ typed(columns, 'navigation', 'bigint') }} as navigation,
        {{ typed(columns, 'audience', 'bigint') }} as audience,
        {{ typed(columns, 'active_audience', 'bigint') }} as active_audience,
        {{ typed(columns, 'percent_viewed_active', 'double') }} as percent_viewed_active,
        {{ typed(columns, 'percent_viewed_passive', 'double') }} as percent_viewed_passive,
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
    project_id,
    project_title,
    player_id,
    loads,
    plays,
    play_rate,
    plays_with_interactions,
    interaction_rate,
    total_view_seconds,
    widgets,
    links,
    navigation,
    audience,
    active_audience,
    percent_viewed_active,
    percent_viewed_passive,
    _loaded_at
from versions
where _version_rank = 1
