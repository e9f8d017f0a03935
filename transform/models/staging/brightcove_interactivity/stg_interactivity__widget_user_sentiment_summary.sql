{#- Interactivity rating widgets: one row per project, video and report window. -#}
{%- set source_relation = source('brightcove_interactivity', 'widget_user_sentiment_summary') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'report_start', 'date') }} as report_start_date,
        {{ typed(columns, 'report_end', 'date') }} as report_end_date,
        {{ typed(columns, 'project', 'text') }} as project_title,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'video_source_id', 'text') }} as video_source_id,
        {{ typed(columns, 'plays_with_rating', 'bigint') }} as plays_with_rating,
        {{ typed(columns, 'median_rating', 'double') }} as median_rating,
        {{ typed(columns, 'plays_with_max_rating', 'bigint') }} as plays_with_max_rating,
        {{ typed(columns, 'plays_with_min_rating', 'bigint') }} as plays_with_min_rating,
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
    project_title,
    project_id,
    video_source_id,
    plays_with_rating,
    median_rating,
    plays_with_max_rating,
    plays_with_min_rating,
    _loaded_at
from versions
where _version_rank = 1
