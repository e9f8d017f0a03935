{#- Interactivity chapters: one row per chapter and report window. -#}
{{ latest_typed_rows(
    source('brightcove_interactivity', 'chapter_summary'),
    [
        ['row_key', 'text', 'row_key'],
        ['account_id', 'text', 'account_id'],
        ['report_start', 'date', 'report_start_date'],
        ['report_end', 'date', 'report_end_date'],
        ['project', 'text', 'project_title'],
        ['id', 'text', 'chapter_id'],
        ['chapter_title', 'text', 'chapter_title'],
        ['chapter_time', 'seconds', 'chapter_start_seconds'],
        ['views', 'bigint', 'views'],
        ['clicks', 'bigint', 'clicks']
    ],
    keys=['row_key', 'account_id', 'report_start_date', 'report_end_date']
) }}
