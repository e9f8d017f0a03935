{#- Interactivity sign-ins: one row per sign-in. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'signin_widget_detail'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['session_start_time', 'timestamptz', 'session_started_at'],
        ['play_session', 'text', 'play_session_id'],
        ['username', 'text', 'username'],
        ['email', 'text', 'email'],
        ['first_name', 'text', 'first_name'],
        ['last_name', 'text', 'last_name'],
        ['custom_field', 'text', 'custom_field'],
        ['prompt_title', 'text', 'prompt_title'],
        ['prompt_text', 'text', 'prompt_text'],
        ['auto_sign_in', 'boolean', 'is_auto_sign_in']
    ],
    keys=['row_key']
) }}
