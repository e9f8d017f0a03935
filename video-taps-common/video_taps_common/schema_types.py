"""JSON Schema types that land as ordinary columns in every target.

An integer without bounds becomes DuckDB ``HUGEINT`` (target-duckdb) and
PostgreSQL ``BIGINT`` only by default; giving counts and seconds the 64-bit
bounds makes both targets create ``BIGINT``, which every BI tool reads.
"""

from __future__ import annotations

from singer_sdk import typing as th

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def int64() -> th.IntegerType:
    """A signed 64-bit integer: ``BIGINT`` in DuckDB and PostgreSQL."""
    return th.IntegerType(minimum=INT64_MIN, maximum=INT64_MAX)
