{#- Interactivity viewer activity: one row per action of a viewer. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'user_stream_raw'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['user', 'text', 'viewer_id'],
        ['when', 'timestamptz', 'occurred_at'],
        ['action', 'text', 'action'],
        ['details', 'text', 'details'],
        ['project_id', 'text', 'project_id'],
        ['project_title', 'text', 'project_title'],
        ['annotation_id', 'text', 'annotation_id'],
        ['player_id', 'text', 'player_id', false],
        ['rating', 'text', 'rating'],
        ['rating_value', 'bigint', 'rating_value'],
        ['video_time', 'double', 'video_position_seconds']
    ],
    keys=['row_key']
) }}
