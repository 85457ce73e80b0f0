"""Browser fixtures for the workshop's end-to-end tests: Debian chromium via Playwright, a server.

The server is the real `borrowed-time workshop` command on a free loopback port with the
offline asset cache; `workshop_server.restart()` stops and starts it on the same SQLite file.
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
from pathlib import Path

import pytest

from viz.workshop.assets import cache_is_ready, default_cache_dir, prepare_asset_cache

OUTPUT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "workshop"


def _free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def asset_cache() -> Path:
    """The offline asset cache, prepared with npm pack when missing (about 8 s, once)."""
    cache = default_cache_dir()
    if not cache_is_ready(cache):
        if shutil.which("npm") is None:
            pytest.skip("no npm to prepare the offline asset cache")
        prepare_asset_cache(cache, progress=lambda line: None)
    return cache


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's chromium (never `playwright install`)."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    """A headless chromium driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield launched
        launched.close()


class WorkshopServer:
    """The `borrowed-time workshop` command running in a child process."""

    def __init__(self, db: Path, cache: Path, log: Path) -> None:
        """Remember where the rooms and the log go; pick a port."""
        self.db, self.cache, self.log_path = db, cache, log
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        """Start the server and wait until the page answers."""
        env = dict(os.environ, SOLARA_ASSETS_PROXY_CACHE_DIR=str(self.cache))
        command = [sys.executable, "-m", "experiments.cli", "workshop", "--port", str(self.port), "--db", str(self.db)]
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                            start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(self.url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"workshop server did not start; see {self.log_path}")

    def stop(self) -> None:
        """Stop the server process group."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same database (a mid-workshop restart)."""
        self.stop()
        self.start()

    def log(self) -> str:
        """Everything the server printed."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def workshop_output_dir() -> Path:
    """Where the workshop's browser tests save screenshots and the server log (test-output/workshop)."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="module")
def workshop_server(tmp_path_factory, asset_cache):
    """A workshop server on a fresh SQLite file, stopped after the module."""
    folder = tmp_path_factory.mktemp("workshop-server")
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    server = WorkshopServer(folder / "rooms.sqlite3", asset_cache, OUTPUT_DIR / "server.log")
    server.log_path.write_text("")
    server.start()
    yield server
    server.stop()
