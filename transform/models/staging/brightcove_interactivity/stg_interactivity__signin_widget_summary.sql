{#- Interactivity sign-in widgets: one row per sign-in widget and report window. -#}
{%- set source_relation = source('brightcove_interactivity', 'signin_widget_summary') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'report_start', 'date') }} as report_start_date,
        {{ typed(columns, 'report_end', 'date') }} as report_end_date,
        {{ typed(columns, 'annotation_id', 'text') }} as annotation_id,
        {{ typed(columns, 'prompt_title', 'text') }} as prompt_title,
        {{ typed(columns, 'sign_ins', 'bigint') }} as sign_ins,
        {{ typed(columns, 'manual_sign_ins', 'bigint') }} as manual_sign_ins,
        {{ typed(columns, 'auto_sign_ins', 'bigint') }} as auto_sign_ins,
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
    prompt_title,
    sign_ins,
    manual_sign_ins,
    auto_sign_ins,
    _loaded_at
from versions
where _version_rank = 1
