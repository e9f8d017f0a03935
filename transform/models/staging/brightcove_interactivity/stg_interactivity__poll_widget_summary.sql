{#- Interactivity poll widgets: one row per poll widget, response and report window. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'poll_widget_summary'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['report_start', 'date', 'report_start_date'],
        ['report_end', 'date', 'report_end_date'],
        ['annotation_id', 'text', 'annotation_id'],
        ['poll_type', 'text', 'poll_type'],
        ['prompt', 'text', 'prompt'],
        ['response', 'text', 'response'],
        ['answers_received', 'bigint', 'answers_received']
    ],
    keys=['row_key', 'account_id', 'report_start_date', 'report_end_date']
) }}
