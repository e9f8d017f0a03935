{#- api.video /data metrics: one number per UTC day, metric, aggregation and media filter. -#}
{%- set source_relation = source('apivideo', 'metrics') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'day', 'date') }} as metric_date,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'metric', 'text') }} as metric,
        {{ typed(columns, 'aggregation', 'text') }} as aggregation,
        {{ typed(columns, 'mediaId', 'text') }} as media_filter,
        {{ typed(columns, 'metricValue', 'double') }} as metric_value,
        {{ typed(columns, 'from', 'timestamptz') }} as timeframe_from,
        {{ typed(columns, 'to', 'timestamptz') }} as timeframe_to,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['project_id', 'metric_date', 'metric', 'aggregation', 'media_filter'], []) }}
)

select
    metric_date,
    project_id,
    metric,
    aggregation,
    media_filter,
    metric_value,
    timeframe_from,
    timeframe_to,
    _loaded_at
from versions
where _version_rank = 1
