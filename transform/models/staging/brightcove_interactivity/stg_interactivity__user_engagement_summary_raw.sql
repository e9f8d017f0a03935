{#- Interactivity viewer engagement: one row per viewer and report window. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'user_engagement_summary_raw'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['report_start', 'date', 'report_start_date'],
        ['report_end', 'date', 'report_end_date'],
        ['user', 'text', 'viewer_id'],
        ['last_session', 'timestamptz', 'last_session_at'],
        ['sessions', 'bigint', 'sessions'],
        ['plays', 'bigint', 'plays'],
        ['videos', 'bigint', 'videos'],
        ['widgets', 'bigint', 'widgets'],
        ['responses', 'bigint', 'responses'],
        ['links', 'bigint', 'links'],
        ['navigation', 'bigint', 'navigation'],
        ['time_watched', 'seconds', 'seconds_watched']
    ],
    keys=['row_key', 'account_id', 'report_start_date', 'report_end_date']
) }}
