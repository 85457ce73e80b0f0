"""Helpers for the browser tests: skip-or-fail, a free port, and a Solara server in a child process.

The fixtures that use them live in `tests/conftest.py` (shared by `tests/e2e/` and
`tests/workshop/`). Without chromium, Playwright or npm the browser tests are skipped, unless
`BORROWED_TIME_REQUIRE_BROWSER=1` (set by `.ci/run`) makes that a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
OUTPUT_ROOT = REPOSITORY / "tests" / "output"
SERVER_START_TIMEOUT_S = 90


def unavailable(reason: str) -> None:
    """Skip, or fail when the environment requires the browser tests to run."""
    if os.environ.get("BORROWED_TIME_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """A `borrowed-time` server command on a fixed free loopback port; can be stopped and started again."""

    def __init__(self, command: list[str], log_path: Path, cache: Path) -> None:
        """Remember the command (without --host/--port), where its output goes and the asset cache; pick a port."""
        self.command, self.log_path, self.cache = command, log_path, cache
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        log_path.write_text("")

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> ServerProcess:
        """Start the server (its own process group) and wait until its page answers."""
        env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(self.cache)}
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [*self.command, "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                cwd=REPOSITORY,
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the server did not answer within {SERVER_START_TIMEOUT_S} s; see {self.log_path}")

    def stop(self) -> None:
        """Stop the server and the Solara process it started (its whole process group)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop and start again on the same port (a mid-session restart)."""
        self.stop()
        self.start()

    def log(self) -> str:
        """Everything the server has written so far."""
        return self.log_path.read_text(errors="replace")


#: Elements reaching past the viewport's right edge, other than inside a box of the page's own content that
#: scrolls sideways on its own (a wide table); the layout's outer boxes do not count, they would scroll the page.
_OVERFLOW_SCRIPT = """() => {
    const width = document.documentElement.clientWidth;
    const inScrollBox = (el) => {
        for (let box = el.parentElement; box && !box.matches('.bt-page, .bt-handout, body'); box = box.parentElement) {
            const style = getComputedStyle(box);
            if (['auto', 'scroll'].includes(style.overflowX) && box.getBoundingClientRect().right <= width + 1) {
                return true;
            }
        }
        return false;
    };
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
        const rect = el.getBoundingClientRect();
        if (rect.width > 0 && rect.right > width + 1 && !inScrollBox(el)) {
            out.push(`${el.tagName.toLowerCase()}.${String(el.className).slice(0, 40)} ends at ${Math.round(rect.right)} px`);
        }
    }
    return out.slice(0, 5);
}"""
#: Let the page scroll as a whole so a full-page screenshot holds all of it (Solara's layout scrolls an inner box).
_EXPAND_SCRIPT = """() => {
    for (const el of document.querySelectorAll('*')) {
        const style = getComputedStyle(el);
        if (el !== document.documentElement && el.scrollHeight > el.clientHeight + 5 && ['auto', 'scroll'].includes(style.overflowY)) {
            for (let box = el; box && box !== document.documentElement; box = box.parentElement) {
                box.style.overflowY = 'visible';
                box.style.height = 'auto';
                box.style.maxHeight = 'none';
            }
        }
    }
}"""


def overflowing(page) -> list[str]:
    """What reaches past the right edge of the page's viewport (a phone would scroll sideways); empty if nothing."""
    return page.evaluate(_OVERFLOW_SCRIPT)


def full_screenshot(page, path: Path) -> Path:
    """A screenshot of the whole page, however long, saved at `path`."""
    page.evaluate(_EXPAND_SCRIPT)
    page.screenshot(path=str(path), full_page=True)
    return path
