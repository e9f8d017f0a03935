{#- Interactivity sign-ins: one row per sign-in. -#}
{%- set source_relation = source('brightcove_interactivity', 'signin_widget_detail') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'row_key', 'text') }} as row_key,
        {{ typed(columns, 'account_id', 'text') }} as account_id,
        {{ typed(columns, 'session_start_time', 'timestamptz') }} as session_started_at,
        {{ typed(columns, 'play_session', 'text') }} as play_session_id,
        {{ typed(columns, 'username', 'text') }} as username,
        {{ typed(columns, 'email', 'text') }} as email,
        {{ typed(columns, 'first_name', 'text') }} as first_name,
        {{ typed(columns, 'last_name', 'text') }} as last_name,
        {{ typed(columns, 'custom_field', 'text') }} as custom_field,
        {{ typed(columns, 'prompt_title', 'text') }} as prompt_title,
        {{ typed(columns, 'prompt_text', 'text') }} as prompt_text,
        {{ typed(columns, 'auto_sign_in', 'boolean') }} as is_auto_sign_in,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['row_key'], []) }}
)

select
    row_key,
    account_id,
    session_started_at,
    play_session_id,
    username,
    email,
    first_name,
    last_name,
    custom_field,
    prompt_title,
    prompt_text,
    is_auto_sign_in,
    _loaded_at
from versions
where _version_rank = 1
