{#- Plays of videos per UTC day by one dimension (raw statistics, retired for new projects). One row per day, dimension, value and media filter. -#}
{%- set source_relation = source('apivideo', 'video_plays') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'day', 'date') }} as activity_date,
        cast('{{ var("apivideo_project", none) or var("apivideo_schema") }}' as {{ dbt.type_string() }}) as project_id,
        {{ typed(columns, 'dimension', 'text') }} as dimension,
        {{ typed(columns, 'value', 'text') }} as dimension_value,
        {{ typed(columns, 'plays', 'bigint') }} as plays,
        {{ typed(columns, 'mediaId', 'text') }} as media_filter,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['activity_date', 'dimension', 'dimension_value', 'media_filter'], []) }}
)

select
    activity_date,
    project_id,
    dimension,
    dimension_value,
    plays,
    media_filter,
    _loaded_at
from versions
where _version_rank = 1
