{#- Audience leads: one row per lead captured by a player. -#}
{%- set source_relation = source('brightcove_audience', 'leads') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'lead_key', 'text') }} as lead_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'created_at', 'timestamptz') }} as created_at,
        {{ typed(columns, 'email_address', 'text') }} as email_address,
        {{ typed(columns, 'first_name', 'text') }} as first_name,
        {{ typed(columns, 'last_name', 'text') }} as last_name,
        {{ typed(columns, 'business_phone', 'text') }} as business_phone,
        {{ typed(columns, 'country', 'text') }} as country,
        {{ typed(columns, 'company_name', 'text') }} as company_name,
        {{ typed(columns, 'industry', 'text') }} as industry,
        {{ typed(columns, 'page_url', 'text') }} as page_url,
        {{ typed(columns, 'player_id', 'text') }} as player_id,
        {{ typed(columns, 'video_id', 'text') }} as video_id,
        {{ typed(columns, 'video_name', 'text') }} as video_name,
        {{ typed(columns, 'external_id', 'text') }} as external_id,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['lead_key'], ['created_at']) }}
)

select
    lead_key,
    account_id,
    created_at,
    email_address,
    first_name,
    last_name,
    business_phone,
    country,
    company_name,
    industry,
    page_url,
    player_id,
    video_id,
    video_name,
    external_id,
    _loaded_at
from versions
where _version_rank = 1
