{#- Interactivity project activity: one row per action in a project. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'project_stream_raw'),
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
        ['video_time', 'double', 'video_position_seconds']
    ],
    keys=['row_key']
) }}
