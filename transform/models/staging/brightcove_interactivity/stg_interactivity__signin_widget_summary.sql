{#- Interactivity sign-in widgets: one row per sign-in widget and report window. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'signin_widget_summary'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['report_start', 'date', 'report_start_date'],
        ['report_end', 'date', 'report_end_date'],
        ['annotation_id', 'text', 'annotation_id'],
        ['prompt_title', 'text', 'prompt_title'],
        ['sign_ins', 'bigint', 'sign_ins'],
        ['manual_sign_ins', 'bigint', 'manual_sign_ins'],
        ['auto_sign_ins', 'bigint', 'auto_sign_ins']
    ],
    keys=['row_key', 'account_id', 'report_start_date', 'report_end_date']
) }}
