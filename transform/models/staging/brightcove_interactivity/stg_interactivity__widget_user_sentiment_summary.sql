{#- Interactivity rating widgets: one row per project, video and report window. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'widget_user_sentiment_summary'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['report_start', 'date', 'report_start_date'],
        ['report_end', 'date', 'report_end_date'],
        ['project', 'text', 'project_title'],
        ['project_id', 'text', 'project_id'],
        ['video_source_id', 'text', 'video_source_id'],
        ['plays_with_rating', 'bigint', 'plays_with_rating'],
        ['median_rating', 'double', 'median_rating'],
        ['plays_with_max_rating', 'bigint', 'plays_with_max_rating'],
        ['plays_with_min_rating', 'bigint', 'plays_with_min_rating']
    ],
    keys=['row_key', 'account_id', 'report_start_date', 'report_end_date']
) }}
