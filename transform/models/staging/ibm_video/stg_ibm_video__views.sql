{#- IBM view segments: one row per view, the finished version over a still-running one. -#}
{%- set source_relation = source('ibm_video', 'views') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'view_id', 'text') }} as view_id,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'viewer_identifier', 'text') }} as viewer_id,
        {{ typed(columns, 'content_type', 'text') }} as content_type,
        {{ typed(columns, 'content_id', 'bigint') }} as content_id,
        {{ typed(columns, 'started_at', 'timestamptz') }} as started_at,
        {{ typed(columns, 'finished_at', 'timestamptz') }} as finished_at,
        {{ typed(columns, 'from', 'bigint') }} as from_position_seconds,
        {{ typed(columns, 'to', 'bigint') }} as to_position_seconds,
        {{ typed(columns, 'country', 'text') }} as country,
        {{ typed(columns, 'city', 'text') }} as city,
        {{ typed(columns, 'is_mobile_view', 'boolean') }} as is_mobile_view,
        {{ typed(columns, 'view_type', 'text') }} as view_type,
        {{ typed(columns, 'client_id', 'text') }} as client_id,
        {{ typed(columns, 'view_session_id', 'text') }} as view_session_id,
        {{ json_text(columns, 'device_info', ['device', 'family']) }} as device_family,
        {{ json_text(columns, 'device_info', ['browser', 'family']) }} as browser_family,
        {{ json_text(columns, 'device_info', ['os', 'family']) }} as os_family,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['account_id', 'view_id'], ['finished_at']) }}
)

select
    view_id,
    account_id,
    viewer_id,
    content_type,
    content_id,
    started_at,
    finished_at,
    from_position_seconds,
    to_position_seconds,
    country,
    city,
    is_mobile_view,
    view_type,
    client_id,
    view_session_id,
    device_family,
    browser_family,
    os_family,
    case content_type when 'live' then 'live_stream' when 'recorded' then 'video' end as media_type,
    {{ whole_seconds_between('started_at', 'finished_at') }} as seconds_watched,
    _loaded_at
from versions
where _version_rank = 1
