{#- api.video /data timeseries: one value per metric, hour and media filter. -#}
{%- set source_relation = source('apivideo', 'timeseries') -%}
{%- set columns = source_columns(source_relation) -%}

with typed as (

    select
        {{ typed(columns, 'day', 'date') }} as metric_date,
        {{ typed(columns, 'project_id', 'text') }} as project_id,
        {{ typed(columns, 'metric', 'text') }} as metric,
        {{ typed(columns, 'mediaId', 'text') }} as media_filter,
        {{ typed(columns, 'emittedAt', 'timestamptz') }} as hour_started_at,
        {{ typed(columns, 'metricValue', 'double') }} as metric_value,
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', ['project_id', 'metric', 'hour_started_at', 'media_filter'], []) }}
)

select
    metric_date,
    project_id,
    metric,
    media_filter,
    hour_started_at,
    metric_value,
    _loaded_at
from versions
where _version_rank = 1
