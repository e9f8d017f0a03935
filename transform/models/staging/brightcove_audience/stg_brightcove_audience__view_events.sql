{#- Audience view events: one row per view of a video by a player on a page, latest version (updated_at) per key. -#}
{%- set source_relation = source('brightcove_audience', 'view_events') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'view_event_key', 'text') }} as view_event_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'created_at', 'timestamptz') }} as created_at,
        {{ typed(columns, 'updated_at', 'timestamptz') }} as updated_at,
        {{ typed(columns, 'video_id', 'text') }} as video_id,
        {{ typed(columns, 'video_name', 'text') }} as video_name,
        {{ typed(columns, 'player_id', 'text') }} as player_id,
        {{ typed(columns, 'page_url', 'text') }} as page_url,
        {{ typed(columns, 'watched', 'bigint') }} as percent_watched,
        {{ typed(columns, 'time_watched', 'bigint') }} as seconds_watched,
        {{ typed(columns, 'tracking_id', 'text') }} as tracking_id,
        {{ typed(columns, 'external_id', 'text') }} as external_id,
        {{ typed(columns, 'is_synced', 'boolean') }} as is_synced,
        {{ typed(columns, 'event_1', 'text') }} as custom_event_1,
        {{ typed(columns, 'event_2', 'text') }} as custom_event_2,
        {{ typed(columns, 'event_3', 'text') }} as custom_event_3,
        {{ typed(columns, 'metric_1', 'double') }} as custom_metric_1,
        {{ typed(columns, 'metric_2', 'double') }} as custom_metric_2,
        {{ typed(columns, 'metric_3', 'double') }} as custom_metric_3,
        {{ typed(columns, 'utm_source', 'text') }} as utm_source,
        {{ typed(columns, 'utm_medium', 'text') }} as utm_medium,
        {{ typed(columns, 'utm_campaign', 'text') }} as utm_campaign,
        {{ typed(columns, 'utm_term', 'text') }} as utm_term,
        {{ typed(columns, 'utm_content', 'text') }} as utm_content,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['view_event_key'], ['updated_at']) }}
)

select
    view_event_key,
    account_id,
    created_at,
    updated_at,
    video_id,
    video_name,
    player_id,
    page_url,
    percent_watched,
    seconds_watched,
    tracking_id,
    external_id,
    is_synced,
    custom_event_1,
    custom_event_2,
    custom_event_3,
    custom_metric_1,
    custom_metric_2,
    custom_metric_3,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_term,
    utm_content,
    _loaded_at
from versions
where _version_rank = 1
