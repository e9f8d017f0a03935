{#- Interactivity project engagement: one row per interactive project and report window (a day with summary_grain=day). -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'project_engagement_summary_raw'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['report_start', 'date', 'report_start_date'],
        ['report_end', 'date', 'report_end_date'],
        ['project_id', 'text', 'project_id'],
        ['project_title', 'text', 'project_title'],
        ['player_id', 'text', 'player_id', false],
        ['loads', 'bigint', 'loads'],
        ['plays', 'bigint', 'plays'],
        ['play_rate', 'double', 'play_rate'],
        ['plays_with_interactions', 'bigint', 'plays_with_interactions'],
        ['interaction_rate', 'double', 'interaction_rate'],
        ['total_view_time', 'seconds', 'total_view_seconds'],
        ['widgets', 'bigint', 'widgets'],
        ['links', 'bigint', 'links'],
        ['navigation', 'bigint', 'navigation'],
        ['audience', 'bigint', 'audience'],
        ['active_audience', 'bigint', 'active_audience'],
        ['percent_viewed_active', 'double', 'percent_viewed_active'],
        ['percent_viewed_passive', 'double', 'percent_viewed_passive']
    ],
    keys=['row_key', 'account_id', 'report_start_date', 'report_end_date']
) }}
