{#-
  Loaders spell the API's field names differently: target-duckdb lower-cases
  them (createdAt -> createdat), target-postgres keeps them quoted
  ("createdAt"), and a reserved word (from, to, when, user, day) needs quotes
  everywhere. Staging models therefore name each column as the API does and
  these macros find the loaded column by its name folded to lower case
  without underscores, quoted, with the loaded type, so one model reads both
  warehouses.
-#}

{% macro source_columns(relation) %}
  {#-
    {folded name: {"sql": quoted column, "type": loaded type in lower case}};
    {"__absent__": true} when the table does not exist (its tap has not run
    here yet), so `meltano run tap-ibm-video target-duckdb dbt-duckdb:build`
    works before the other taps ever loaded: their staging models are empty.
  -#}
  {%- set found = {} -%}
  {%- if execute and load_relation(relation) is none -%}
    {{ log("staging: " ~ relation ~ " is not loaded yet; its staging model is empty", info=true) }}
    {{ return({'__absent__': true}) }}
  {%- endif -%}
  {%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
      {%- do found.update({
        column.name | lower | replace('_', ''): {
          'sql': adapter.quote(column.name),
          'type': column.data_type | lower,
        }
      }) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(found) }}
{% endmacro %}


{% macro loaded_column(columns, name, required=true) %}
  {#- The loaded column for the API's ``name``; none when it is missing and optional. -#}
  {%- set key = name | lower | replace('_', '') -%}
  {%- if '__absent__' in columns -%}
    {{ return(none) }}
  {%- elif key in columns -%}
    {{ return(columns[key]) }}
  {%- elif not execute -%}
    {{ return({'sql': adapter.quote(name), 'type': 'text'}) }}
  {%- elif required and name in ('account_id', 'project_id') -%}
    {{ exceptions.raise_compiler_error(
      "column '" ~ name ~ "' was not found in the loaded table: it was loaded by a release "
      ~ "of the taps before every row carried its account or project. Label the rows once "
      ~ "as the README says (\"Upgrading a warehouse loaded before account_id and "
      ~ "project_id\"), then load again."
    ) }}
  {%- elif required -%}
    {{ exceptions.raise_compiler_error(
      "column '" ~ name ~ "' was not found in the loaded table (columns: "
      ~ (columns.keys() | list | join(', ')) ~ "); was the stream loaded by this project's taps?"
    ) }}
  {%- else -%}
    {{ return(none) }}
  {%- endif -%}
{% endmacro %}


{% macro sql_type(kind) %}
  {%- set types = {
    'text': dbt.type_string(),
    'bigint': 'bigint',
    'double': 'double precision',
    'boolean': 'boolean',
    'timestamptz': 'timestamp with time zone',
    'date': 'date',
    'seconds': 'bigint',
  } -%}
  {{ return(types[kind]) }}
{% endmacro %}


{% macro typed(columns, name, kind, required=true) %}
  {#-
    The API's field ``name`` as ``kind``: text, bigint, double, boolean,
    timestamptz (UTC), date, or seconds (an [h]h:mm:ss text as integer seconds).
    An optional column the loaded table lacks is a typed NULL.
  -#}
  {%- set column = loaded_column(columns, name, required) -%}
  {%- if column is none -%}
    {{ return('cast(null as ' ~ sql_type(kind) ~ ')') }}
  {%- elif kind == 'timestamptz' -%}
    {{ return(as_utc_timestamp(column.sql, column.type)) }}
  {%- elif kind == 'seconds' -%}
    {{ return(hms_to_seconds(column.sql)) }}
  {%- else -%}
    {{ return('cast(' ~ column.sql ~ ' as ' ~ sql_type(kind) ~ ')') }}
  {%- endif -%}
{% endmacro %}


{% macro as_utc_timestamp(expression, loaded_type) %}
  {#-
    Both loaders write UTC instants into TIMESTAMP (without time zone)
    columns; read them as UTC, whatever the session's time zone. A text value
    is ISO 8601 with its offset; a zoned one is already right.
  -#}
  {%- if 'with time zone' in loaded_type or loaded_type == 'timestamptz' -%}
    {{ return(expression) }}
  {%- elif loaded_type.startswith('timestamp') -%}
    {{ return('(' ~ expression ~ " at time zone 'UTC')") }}
  {%- else -%}
    {{ return('cast(' ~ expression ~ ' as timestamp with time zone)') }}
  {%- endif -%}
{% endmacro %}


{% macro hms_to_seconds(expression) %}
  {#-
    Brightcove Interactivity reports durations as [h]h:mm:ss text, with hours
    beyond 24 (136:21:00 is 490,860 s). Parsed here rather than read from a
    loader's column, so the models depend only on the text the API sends.
    Fractions of a second are dropped; an empty text is NULL.
  -#}
  {%- set text = 'nullif(trim(' ~ expression ~ "), '')" -%}
  {{ return(
    '(cast(split_part(' ~ text ~ ", ':', 1) as bigint) * 3600"
    ~ ' + cast(split_part(' ~ text ~ ", ':', 2) as bigint) * 60"
    ~ ' + cast(floor(cast(split_part(' ~ text ~ ", ':', 3) as numeric)) as bigint))"
  ) }}
{% endmacro %}


{% macro loaded_at(columns) %}
  {#- When the loader wrote the row: target-postgres's _sdc_batched_at; NULL where not recorded. -#}
  {%- set column = loaded_column(columns, '_sdc_batched_at', required=false) -%}
  {%- if column is none -%}
    {{ return('cast(null as timestamp with time zone)') }}
  {%- else -%}
    {{ return(as_utc_timestamp(column.sql, column.type)) }}
  {%- endif -%}
{% endmacro %}


{% macro json_text(columns, name, path, required=true) %}
  {#- One text field inside a JSON object column, ``path`` a list of keys. -#}
  {%- set column = loaded_column(columns, name, required) -%}
  {%- if column is none -%}
    {{ return('cast(null as ' ~ dbt.type_string() ~ ')') }}
  {%- endif -%}
  {{ return(adapter.dispatch('json_text', 'video_analytics')(column.sql, path)) }}
{% endmacro %}

{% macro default__json_text(expression, path) %}
  {{- return('(cast(' ~ expression ~ " as jsonb) #>> '{" ~ (path | join(',')) ~ "}')") -}}
{% endmacro %}

{% macro duckdb__json_text(expression, path) %}
  {{- return('json_extract_string(' ~ expression ~ ", '$." ~ (path | join('.')) ~ "')") -}}
{% endmacro %}


{% macro whole_seconds_between(started, ended) %}
  {#- Whole seconds from ``started`` to ``ended`` (both timestamps); NULL while either is. -#}
  {{- return(
    'cast(floor(extract(epoch from ' ~ ended ~ ') - extract(epoch from ' ~ started ~ ')) as bigint)'
  ) -}}
{% endmacro %}


{% macro latest_per_key(relation, keys, newest_first=[]) %}
  {#-
    One row per primary key even if a loader appended a row twice: the newest
    version by ``newest_first`` (the API's own version columns), then by when
    the loader wrote it. Adds _version_rank, which the caller leaves out.
  -#}
    select
        *,
        row_number() over (
            partition by {{ keys | join(', ') }}
            order by
            {%- for column in newest_first %}
                {{ column }} desc nulls last,
            {%- endfor %}
                _loaded_at desc nulls last
        ) as _version_rank
    from {{ relation }}
{% endmacro %}


{% macro source_rows(relation, columns) %}
  {#- The FROM of a staging model: the loaded table, or no rows when it is absent. -#}
  {%- if '__absent__' in columns -%}
    {{ return('(select 1 as no_rows where 1 = 0) as absent_source') }}
  {%- endif -%}
  {{ return(relation) }}
{% endmacro %}


{% macro latest_typed_rows(source_relation, fields, keys, newest_first=[]) %}
  {#-
    The whole query of a staging model that only types the API's fields and
    keeps one row per key: ``fields`` lists [API name, kind, column] (and
    ``false`` fourth for an optional field the loaded table may lack); the
    rows are typed (``typed``), one version per ``keys`` kept
    (``latest_per_key``), and the columns returned in that order, then
    ``_loaded_at``.
  -#}
  {%- set columns = source_columns(source_relation) -%}
with typed as (

    select
    {%- for field in fields %}
        {{ typed(columns, field[0], field[1], required=(field[3] if field | length > 3 else true)) }} as {{ field[2] }},
    {%- endfor %}
        {{ loaded_at(columns) }} as _loaded_at
    from {{ source_rows(source_relation, columns) }}

),

versions as (
{{ latest_per_key('typed', keys, newest_first) }}
)

select
{%- for field in fields %}
    {{ field[2] }},
{%- endfor %}
    _loaded_at
from versions
where _version_rank = 1
{% endmacro %}
