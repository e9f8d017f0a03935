{#- Interactivity experience engagement: one row per experience and report window. -#}
{%- set source_relation = source('brightcove_interactivity', 'experience_engagement_summary_raw') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'report_start', 'date') }} as report_start_date,
        {{ typed(columns, 'report_end', 'date') }} as report_end_date,
        {{ typed(columns, 'experience', 'text') }} as experience_name,
        {{ typed(columns, 'loads', 'bigint') }} as loads,
        {{ typed(columns, 'plays', 'bigint') }} as plays,
        {{ typed(columns, 'play_rate', 'double') }} as play_rate,
        {{ typed(columns, 'interaction_rate', 'double') }} as interaction_rate,
        {{ typed(columns, 'total_view_time', 'seconds') }} as total_view_seconds,
        {{ typed(columns, 'audience', 'bigint') }} as audience,
        {{ typed(columns, 'percent_viewed', 'double') }} as percent_viewed,
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
    experience_name,
    loads,
    plays,
    play_rate,
    interaction_rate,
    total_view_seconds,
    audience,
    percent_viewed,
    _loaded_at
from versions
where _version_rank = 1
