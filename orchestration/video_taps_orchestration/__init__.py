"""Dagster orchestration of this repository's meltano project (see README, "Running at scale")."""
