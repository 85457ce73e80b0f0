"""Shared fixtures: cached model runs, and the browser tests' chromium, asset cache, servers and output folder."""

from __future__ import annotations

import shutil
import sys
from functools import lru_cache
from pathlib import Path

import pytest
from browser_support import OUTPUT_ROOT, ServerProcess, unavailable

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


# ----- browser tests (tests/e2e/, tests/workshop/): Debian chromium through Playwright ------------

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


@pytest.fixture(scope="module")
def output_dir(request) -> Path:
    """Where a browser test module puts screenshots and server logs: tests/output/<its folder>/ (git-ignored)."""
    folder = OUTPUT_ROOT / Path(request.module.__file__).parent.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def asset_cache() -> Path:
    """The offline front-end asset cache, prepared from the npm registry if missing (test set-up)."""
    from viz.assets import AssetError, asset_cache_dir, missing_specs, prepare_offline_assets

    cache = asset_cache_dir()
    if missing_specs(cache):
        try:
            prepare_offline_assets(cache, progress=lambda line: print(line, file=sys.stderr))
        except AssetError as exc:
            unavailable(f"offline assets cannot be prepared: {exc}")
    return cache


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (headless, no sandbox, no GPU); never `playwright install`."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        unavailable("Debian's chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def start_server(asset_cache, output_dir, request):
    """Start a `borrowed-time` server subcommand (args after `borrowed-time`) for this module; stopped afterwards."""
    started: list[ServerProcess] = []

    def start(*args: str) -> ServerProcess:
        """Start `borrowed-time ARGS --host 127.0.0.1 --port FREE`, log to the output folder, print where."""
        name = request.module.__name__.rsplit(".", 1)[-1]
        log_path = output_dir / f"server-{name}-{len(started)}.log" if started else output_dir / f"server-{name}.log"
        server = ServerProcess([sys.executable, "-m", "model.cli", *args], log_path, asset_cache)
        started.append(server)
        server.start()
        print(f"\n{args[0]} server at {server.url}, log {log_path}")
        return server

    yield start
    for server in started:
        server.stop()
