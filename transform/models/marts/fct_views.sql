{#-
  One row per view or player session, from every source that has that grain:
  Brightcove Audience view events, IBM view segments and api.video player
  sessions (where the project still has raw statistics). See _marts.yml.
-#}
with audience as (

    select
        'brightcove_audience' as vendor,
        account_id,
        'video' as media_type,
        video_id as media_id,
        external_id as viewer_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        created_at as started_at,
        cast(null as timestamp with time zone) as ended_at,
        seconds_watched,
        cast(null as {{ dbt.type_string() }}) as country,
        cast(null as {{ dbt.type_string() }}) as device,
        'view_events' as source_stream,
        view_event_key as source_key
    from {{ ref('stg_brightcove_audience__view_events') }}

),

ibm as (

    select
        'ibm_video' as vendor,
        account_id,
        media_type,
        cast(content_id as {{ dbt.type_string() }}) as media_id,
        viewer_id,
        view_session_id as session_id,
        started_at,
        finished_at as ended_at,
        seconds_watched,
        country,
        device_family as device,
        'views' as source_stream,
        view_id as source_key
    from {{ ref('stg_ibm_video__views') }}

),

apivideo_sessions as (

    select
        'apivideo' as vendor,
        project_id as account_id,
        'video' as media_type,
        video_id as media_id,
        cast(null as {{ dbt.type_string() }}) as viewer_id,
        session_id,
        loaded_at as started_at,
        ended_at,
        seconds_watched,
        country,
        device_type as device,
        'video_sessions' as source_stream,
        session_id as source_key
    from {{ ref('stg_apivideo__video_sessions') }}

    union all

    select
        'apivideo' as vendor,
        project_id as account_id,
        'live_stream' as media_type,
        live_stream_id as media_id,
        cast(null as {{ dbt.type_string() }}) as viewer_id,
        session_id,
        loaded_at as started_at,
        ended_at,
        seconds_watched,
        country,
        device_type as device,
        'live_stream_sessions' as source_stream,
        session_id as source_key
    from {{ ref('stg_apivideo__live_stream_sessions') }}

),

unified as (

    select * from audience
    union all
    select * from ibm
    union all
    select * from apivideo_sessions

)

select
    vendor || ':' || account_id || ':' || source_stream || ':' || source_key as view_key,
    vendor,
    account_id,
    {{ media_key('vendor', 'account_id', 'media_type', 'media_id') }} as media_key,
    media_id,
    media_type,
    viewer_id,
    session_id,
    started_at,
    ended_at,
    {{ utc_date('started_at') }} as view_date,
    seconds_watched,
    country,
    device,
    source_stream,
    source_key
from unified
