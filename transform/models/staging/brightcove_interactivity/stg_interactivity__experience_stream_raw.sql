{#- Interactivity experience activity: one row per action in an experience. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'experience_stream_raw'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['session', 'text', 'session_id'],
        ['experience', 'text', 'experience_name'],
        ['when', 'timestamptz', 'occurred_at'],
        ['action', 'text', 'action'],
        ['details', 'text', 'details'],
        ['player_id', 'text', 'player_id', false],
        ['video_time', 'double', 'video_position_seconds']
    ],
    keys=['row_key']
) }}
