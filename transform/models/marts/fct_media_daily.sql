{#-
  Day x vendor x account x medium: views, unique viewers where the API can
  say, seconds watched. Per-view sources are aggregated from fct_views; where
  a vendor has no per-view rows for an account and day, its own daily figures
  are used (api.video /data buckets, Interactivity's summaries or activity).
  What "a view" is per vendor: _marts.yml.
-#}
with per_view as (

    select
        view_date as activity_date,
        vendor,
        account_id,
        media_type,
        media_id,
        count(*) as views,
        case when vendor = 'ibm_video' then count(distinct viewer_id) end as unique_viewers,
        sum(seconds_watched) as seconds_watched,
        'fct_views (' || min(source_stream) || case when min(source_stream) <> max(source_stream) then ', ' || max(source_stream) else '' end || ')' as figures_source
    from {{ ref('fct_views') }}
    group by view_date, vendor, account_id, media_type, media_id

),

apivideo_session_days as (

    select distinct activity_date, account_id
    from per_view
    where vendor = 'apivideo'

),

apivideo_buckets as (

    {#- /data plays by media id, for days the project has no raw sessions (retired
        for new projects): a play is a started player session, as in fct_views. -#}
    select
        b.metric_date as activity_date,
        'apivideo' as vendor,
        b.project_id as account_id,
        {{ apivideo_media_type('b.dimension_value') }} as media_type,
        b.dimension_value as media_id,
        cast(sum(b.metric_value) as bigint) as views,
        cast(null as bigint) as unique_viewers,
        cast(null as bigint) as seconds_watched,
        'stg_apivideo__buckets (play by media-id)' as figures_source
    from {{ ref('stg_apivideo__buckets') }} as b
    left join apivideo_session_days as s
        on s.activity_date = b.metric_date and s.account_id = b.project_id
    where b.metric = 'play'
        and b.breakdown = 'media-id'
        and b.media_filter = 'all'
        and b.dimension_value is not null
        and s.activity_date is null
    group by b.metric_date, b.project_id, b.dimension_value

),

interactivity_daily_summaries as (

    {#- Project engagement reports of one day (summary_grain: day). -#}
    select
        report_start_date as activity_date,
        'brightcove_interactivity' as vendor,
        account_id,
        'interactive_project' as media_type,
        project_id as media_id,
        sum(plays) as views,
        sum(audience) as unique_viewers,
        sum(total_view_seconds) as seconds_watched,
        'stg_interactivity__project_engagement_summary_raw (daily report)' as figures_source
    from {{ ref('stg_interactivity__project_engagement_summary_raw') }}
    where report_start_date = report_end_date
        and project_id is not null
    group by report_start_date, account_id, project_id

),

interactivity_summary_days as (

    select distinct activity_date, account_id
    from interactivity_daily_summaries

),

interactivity_plays as (

    {#- Days without a daily summary (summary_grain: window): the Play actions
        of the project activity stream, counted per day. -#}
    select
        {{ utc_date('p.occurred_at') }} as activity_date,
        'brightcove_interactivity' as vendor,
        p.account_id,
        'interactive_project' as media_type,
        p.project_id as media_id,
        count(*) as views,
        count(distinct p.viewer_id) as unique_viewers,
        cast(null as bigint) as seconds_watched,
        'stg_interactivity__project_stream_raw (Play actions)' as figures_source
    from {{ ref('stg_interactivity__project_stream_raw') }} as p
    left join interactivity_summary_days as d
        on d.activity_date = {{ utc_date('p.occurred_at') }} and d.account_id = p.account_id
    where p.action = 'Play'
        and p.project_id is not null
        and d.activity_date is null
    group by {{ utc_date('p.occurred_at') }}, p.account_id, p.project_id

),

unified as (

    select * from per_view
    union all
    select * from apivideo_buckets
    union all
    select * from interactivity_daily_summaries
    union all
    select * from interactivity_plays

)

select
    {{ media_key('vendor', 'account_id', 'media_type', 'media_id') }} || ':' || cast(activity_date as {{ dbt.type_string() }}) as media_day_key,
    activity_date,
    vendor,
    account_id,
    {{ media_key('vendor', 'account_id', 'media_type', 'media_id') }} as media_key,
    media_id,
    media_type,
    cast(views as bigint) as views,
    cast(unique_viewers as bigint) as unique_viewers,
    cast(seconds_watched as bigint) as seconds_watched,
    figures_source
from unified
