"""Browser fixtures: the app served on a free loopback port, and Debian's chromium through Playwright.

Reusable by any browser test (explorer, workshop). Chromium is the system package (`apt-get
install chromium`), launched by path; `playwright install` is never used. Without chromium (or
npm to prepare the offline assets) the browser tests are skipped, unless
`BORROWED_TIME_REQUIRE_BROWSER=1` (set by `.ci/run`) makes that a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "output"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
SERVER_START_TIMEOUT_S = 90


def _unavailable(reason: str) -> None:
    """Skip, or fail when the environment requires the browser tests to run."""
    if os.environ.get("BORROWED_TIME_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """Where browser tests put screenshots and server logs (tests/output/, git-ignored)."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="session")
def asset_cache() -> Path:
    """The offline front-end asset cache, prepared from the npm registry if missing (test set-up)."""
    from viz.assets import AssetError, asset_cache_dir, missing_specs, prepare_offline_assets

    cache = asset_cache_dir()
    if missing_specs(cache):
        try:
            prepare_offline_assets(cache, progress=lambda line: print(line, file=sys.stderr))
        except AssetError as exc:
            _unavailable(f"offline assets cannot be prepared: {exc}")
    return cache


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppServer:
    """A running `borrowed-time app` server."""

    url: str
    log_path: Path
    process: subprocess.Popen

    def log(self) -> str:
        """Everything the server has written so far."""
        return self.log_path.read_text(errors="replace")


def start_app_server(command: list[str], log_path: Path, cache: Path) -> AppServer:
    """Start `command` (which must take --host/--port) on a free port and wait until it answers."""
    port = free_port()
    log = log_path.open("w")
    env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache), "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app server exited early; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return AppServer(url=url, log_path=log_path, process=process)
        except OSError:
            time.sleep(0.3)
    stop_app_server(process)
    raise RuntimeError(f"the app server did not answer within {SERVER_START_TIMEOUT_S} s; see {log_path}")


def stop_app_server(process: subprocess.Popen) -> None:
    """Stop the server and the Solara process it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def app_server(asset_cache, output_dir, request):
    """`borrowed-time app` on a free loopback port, one per test module."""
    log_path = output_dir / f"server-{request.module.__name__.rsplit('.', 1)[-1]}.log"
    server = start_app_server([sys.executable, "-m", "experiments.cli", "app"], log_path, asset_cache)
    print(f"\napp server at {server.url}, log {log_path}")
    yield server
    stop_app_server(server.process)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (headless, no sandbox, no GPU)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _unavailable("Debian's chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
