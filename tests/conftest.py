"""Shared helpers: cached model runs, so several tests can compare the same runs."""

from __future__ import annotations

from functools import lru_cache

import pytest

from model import RunResult, run


@lru_cache(maxsize=256)
def _cached(scenario: str, years: float, seed: int, overrides: tuple) -> RunResult:
    """Run once per distinct argument set in this test session."""
    return run(scenario, years=years, seed=seed, **dict(overrides))


def cached_run(scenario: str = "status-quo", years: float = 10, seed: int = 0, **overrides) -> RunResult:
    """A model run shared across tests; treat the result as read-only."""
    return _cached(scenario, years, seed, tuple(sorted(overrides.items())))


@pytest.fixture
def runs():
    """The cached-run helper as a fixture."""
    return cached_run
