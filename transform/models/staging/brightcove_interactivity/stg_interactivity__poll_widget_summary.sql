{#- Interactivity poll widgets: one row per poll widget, response and report window. -#}
{%- set source_relation = source('brightcove_interactivity', 'poll_widget_summary') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'report_start', 'date') }} as report_start_date,
        {{ typed(columns, 'report_end', 'date') }} as report_end_date,
        {{ typed(columns, 'annotation_id', 'text') }} as annotation_id,
        {{ typed(columns, 'poll_type', 'text') }} as poll_type,
        {{ typed(columns, 'prompt', 'text') }} as prompt,
        {{ typed(columns, 'response', 'text') }} as response,
        {{ typed(columns, 'answers_received', 'bigint') }} as answers_received,
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
    annotation_id,
    poll_type,
    prompt,
    response,
    answers_received,
    _loaded_at
from versions
where _version_rank = 1
