{#- Interactivity chapters: one row per chapter and report window. -#}
{%- set source_relation = source('brightcove_interactivity', 'chapter_summary') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'report_start', 'date') }} as report_start_date,
        {{ typed(columns, 'report_end', 'date') }} as report_end_date,
        {{ typed(columns, 'project', 'text') }} as project_title,
        {{ typed(columns, 'id', 'text') }} as chapter_id,
        {{ typed(columns, 'chapter_title', 'text') }} as chapter_title,
        {{ typed(columns, 'chapter_time', 'seconds') }} as chapter_start_seconds,
        {{ typed(columns, 'views', 'bigint') }} as views,
        {{ typed(columns, 'clicks', 'bigint') }} as clicks,
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
    chapter_id,
    chapter_title,
    chapter_start_seconds,
    views,
    clicks,
    _loaded_at
from versions
where _version_rank = 1
