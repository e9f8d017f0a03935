{#- api.video /data buckets: one value per UTC day, metric, breakdown value and media filter. -#}
{%- set source_relation = source('apivideo', 'buckets') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'bucketKey', 'text') }} as bucket_key,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'day', 'date') }} as metric_date,
        {{ typed(columns, 'metric', 'text') }} as metric,
        {{ typed(columns, 'breakdown', 'text') }} as breakdown,
        {{ typed(columns, 'mediaId', 'text') }} as media_filter,
        {{ typed(columns, 'dimensionValue', 'text') }} as dimension_value,
        {{ typed(columns, 'metricValue', 'double') }} as metric_value,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['project_id', 'bucket_key'], []) }}
)

select
    bucket_key,
    project_id,
    metric_date,
    metric,
    breakdown,
    media_filter,
    dimension_value,
    metric_value,
    _loaded_at
from versions
where _version_rank = 1
