"""Shared helpers for the test-suite: a real throwaway PostgreSQL server
(:mod:`tests.support.postgres`) and wrappers around the real meltano CLI plus
destination readers (:mod:`tests.support.meltano`).

Import them as ``tests.support.…``: the repository root must be on sys.path,
which ``python -m pytest`` run from the root provides.
"""
