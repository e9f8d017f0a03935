{#- Interactivity poll answers: one row per poll submission. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'poll_widget_detail'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['session_start_time', 'timestamptz', 'session_started_at'],
        ['play_session', 'text', 'play_session_id'],
        ['user', 'text', 'viewer_id'],
        ['project_id', 'text', 'project_id'],
        ['annotation_id', 'text', 'annotation_id'],
        ['poll_type', 'text', 'poll_type'],
        ['prompt', 'text', 'prompt'],
        ['response', 'text', 'response']
    ],
    keys=['row_key']
) }}
