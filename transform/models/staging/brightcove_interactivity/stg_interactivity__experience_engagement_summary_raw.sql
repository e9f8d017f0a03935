{#- Interactivity experience engagement: one row per experience and report window. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'experience_engagement_summary_raw'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['report_start', 'date', 'report_start_date'],
        ['report_end', 'date', 'report_end_date'],
        ['experience', 'text', 'experience_name'],
        ['loads', 'bigint', 'loads'],
        ['plays', 'bigint', 'plays'],
        ['play_rate', 'double', 'play_rate'],
        ['interaction_rate', 'double', 'interaction_rate'],
        ['total_view_time', 'seconds', 'total_view_seconds'],
        ['audience', 'bigint', 'audience'],
        ['percent_viewed', 'double', 'percent_viewed']
    ],
    keys=['row_key', 'account_id', 'report_start_date', 'report_end_date']
) }}
