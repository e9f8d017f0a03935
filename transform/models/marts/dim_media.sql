{#-
  Every video, live stream or interactive project any source mentions, with
  its name where an API gives one (the media lists first, then the name on
  view rows or reports).
-#}
with mentioned as (

    select 'brightcove_audience' as vendor, account_id, 'video' as media_type, video_id as media_id,
        video_name as media_name, 2 as name_rank
    from {{ ref('stg_brightcove_audience__view_events') }}
    union all
    select 'brightcove_audience', account_id, 'video', video_id, video_name, 2
    from {{ ref('stg_brightcove_audience__leads') }}
    union all
    select 'ibm_video', account_id, media_type, cast(content_id as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}), 9
    from {{ ref('stg_ibm_video__views') }}
    union all
    select 'apivideo', project_id, 'video', video_id, title, 1
    from {{ ref('stg_apivideo__videos') }}
    union all
    select 'apivideo', project_id, 'live_stream', live_stream_id, name, 1
    from {{ ref('stg_apivideo__live_streams') }}
    union all
    select 'apivideo', project_id, 'video', video_id, cast(null as {{ dbt.type_string() }}), 9
    from {{ ref('stg_apivideo__video_sessions') }}
    union all
    select 'apivideo', project_id, 'live_stream', live_stream_id, cast(null as {{ dbt.type_string() }}), 9
    from {{ ref('stg_apivideo__live_stream_sessions') }}
    union all
    select 'apivideo', project_id, {{ apivideo_media_type('dimension_value') }}, dimension_value,
        cast(null as {{ dbt.type_string() }}), 9
    from {{ ref('stg_apivideo__buckets') }}
    where breakdown = 'media-id'
    union all
    select 'brightcove_interactivity', account_id, 'interactive_project', project_id, project_title, 2
    from {{ ref('stg_interactivity__project_engagement_summary_raw') }}
    union all
    select 'brightcove_interactivity', account_id, 'interactive_project', project_id, project_title, 3
    from {{ ref('stg_interactivity__project_stream_raw') }}
    union all
    select 'brightcove_interactivity', account_id, 'interactive_project', project_id, project_title, 3
    from {{ ref('stg_interactivity__user_stream_raw') }}

),

named as (

    select
        *,
        row_number() over (
            partition by vendor, account_id, media_type, media_id
            order by case when media_name is null then 1 else 0 end, name_rank, media_name
        ) as name_choice
    from mentioned
    where media_id is not null

)

select
    {{ media_key('vendor', 'account_id', 'media_type', 'media_id') }} as media_key,
    vendor,
    account_id,
    media_type,
    media_id,
    media_name
from named
where name_choice = 1
