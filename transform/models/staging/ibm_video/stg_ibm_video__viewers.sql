{#- IBM viewers: one row per viewer and listing scope (all, live, recorded). Their segments are the views model. -#}
{%- set source_relation = source('ibm_video', 'viewers') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'viewer_identifier', 'text') }} as viewer_id,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'viewers_scope', 'text') }} as viewers_scope,
        {{ typed(columns, 'videos_watched', 'bigint') }} as videos_watched,
        {{ typed(columns, 'last_activity', 'timestamptz') }} as last_activity_at,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['account_id', 'viewer_id', 'viewers_scope'], ['last_activity_at']) }}
)

select
    viewer_id,
    account_id,
    viewers_scope,
    videos_watched,
    last_activity_at,
    _loaded_at
from versions
where _version_rank = 1
