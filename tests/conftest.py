"""Shared test setup: a fast hypothesis profile for CI, paths to the repo's plan and rule files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None)
# A long search for rare timelines: HYPOTHESIS_PROFILE=deep .venv/bin/pytest tests/properties
# Mutation runs (make mutate, tools/planted_bugs.py): few examples (a surviving mutant runs the whole suite,
# about 12 s), the same ones every run, so that a score can be compared between runs.
settings.register_profile(
    "mutate", max_examples=6, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
settings.register_profile("deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session")
def library():  # type: ignore[no-untyped-def]
    from billingcore.catalog.loader import load

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return load(["plans", "rules"])
    finally:
        os.chdir(cwd)
