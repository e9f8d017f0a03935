{#- api.video videos: one row per video of the project. -#}
{%- set source_relation = source('apivideo', 'videos') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'videoId', 'text') }} as video_id,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'title', 'text') }} as title,
        {{ typed(columns, 'description', 'text') }} as description,
        {{ typed(columns, 'createdAt', 'timestamptz') }} as created_at,
        {{ typed(columns, 'publishedAt', 'timestamptz') }} as published_at,
        {{ typed(columns, 'updatedAt', 'timestamptz') }} as updated_at,
        {{ typed(columns, 'discardedAt', 'timestamptz') }} as discarded_at,
        {{ typed(columns, 'deletesAt', 'timestamptz') }} as deletes_at,
        {{ typed(columns, 'discarded', 'boolean') }} as is_discarded,
        {{ typed(columns, 'language', 'text') }} as language,
        {{ typed(columns, 'languageOrigin', 'text') }} as language_origin,
        {{ typed(columns, 'playerId', 'text') }} as player_id,
        {{ typed(columns, 'public', 'boolean') }} as is_public,
        {{ typed(columns, 'panoramic', 'boolean') }} as is_panoramic,
        {{ typed(columns, 'mp4Support', 'boolean') }} as has_mp4_support,
        {{ json_text(columns, 'source', ['uri']) }} as source_uri,
        {{ json_text(columns, 'source', ['liveStream', 'liveStreamId']) }} as source_live_stream_id,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['project_id', 'video_id'], ['updated_at']) }}
)

select
    video_id,
    project_id,
    title,
    description,
    created_at,
    published_at,
    updated_at,
    discarded_at,
    deletes_at,
    is_discarded,
    language,
    language_origin,
    player_id,
    is_public,
    is_panoramic,
    has_mp4_support,
    source_uri,
    source_live_stream_id,
    _loaded_at
from versions
where _version_rank = 1
