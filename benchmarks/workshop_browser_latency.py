"""Benchmark: from the facilitator's click on Advance to each team page showing the new round, in real chromium pages.

A `borrowed-time workshop` server runs on a fresh SQLite file. One chromium (Debian's, driven by
Playwright, as in the browser tests) opens the facilitator's page, the projector view and
`--pages` team pages, each in its own browser context (its own tab storage, as on separate
devices). Nine teams join through the landing page, one per role; the other pages open those
teams' links, as people share a team. Before each Advance every page gets a MutationObserver
that notes the moment (`Date.now()`) its text first reads "Round N of" for the coming round;
the facilitator's page notes the moment its Advance click is confirmed. The latency of a page
is the difference (one clock: every page runs on this machine); the time its charts were all
replaced is noted too (charts are drawn once per room after the text has gone out). Rounds are played one after
another, with a pause between them; the report gives median, p95 and max over every page and
round, and the same for the projector.

With `--baseline TREE` (a checkout of an earlier commit, e.g. a detached worktree) the server is
started from that tree and from this one in turn, `--repeats` times each, in the same window of
time, so that a shared machine's load falls on both alike; the report gives both and their ratio.
The server runs with `BORROWED_TIME_WORKSHOP_TIMING=1`: where the tree writes timestamps
(`viz.workshop.timing`), the report breaks the latency down into the server's steps.

Usage: python benchmarks/workshop_browser_latency.py [--pages 40] [--rounds 3] [--baseline TREE]
       [--repeats 1] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from workshop_latency import table_row  # this folder is on the path when the benchmark runs as a script

from viz.assets import CACHE_ENV, asset_cache_dir
from viz.workshop.roles import ROLE_BOOK
from viz.workshop.timing import TIMING_ENV

REPOSITORY = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 120_000
SECRETS_STORAGE = "borrowed-time-workshop-secrets"
WATCH_SCRIPT = """([target, charts]) => {
    window.__roundSeen = null;
    window.__chartsSeen = null;
    const before = new Set(Array.from(document.querySelectorAll('img.bt-picture')).map(img => img.src));
    const seen = () => document.body.textContent.includes(target);
    const drawn = () => Array.from(document.querySelectorAll('img.bt-picture')).filter(img => !before.has(img.src)).length >= charts;
    const check = () => {
        const now = Date.now();
        if (window.__roundSeen === null && seen()) { window.__roundSeen = now; }
        if (window.__chartsSeen === null && drawn()) { window.__chartsSeen = now; }
        if (window.__roundSeen !== null && window.__chartsSeen !== null) { observer.disconnect(); }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['src']});
}"""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`borrowed-time workshop` from `tree` on a fresh database and a free loopback port (its own process group)."""

    def __init__(self, log_path: Path, tree: Path = REPOSITORY) -> None:
        """Start the server and wait until its page answers."""
        self.port = free_port()
        self.db = Path(tempfile.mkdtemp()) / "rooms.sqlite3"
        env = {**os.environ, CACHE_ENV: str(asset_cache_dir()), TIMING_ENV: "1", "PYTHONPATH": str(tree)}
        command = [sys.executable, "-m", "model.cli", "workshop", "--db", str(self.db)]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tree, start_new_session=True
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the workshop server did not start; see {log_path}")

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        """Stop the server's process group."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def _room_code(page) -> str:
    """The join code in a page's address."""
    return parse_qs(urlparse(page.url).query)["room"][0]


def _token(page, code: str) -> str:
    """The team token a page keeps in its tab's session storage."""
    return page.evaluate(f"JSON.parse(sessionStorage.getItem('{SECRETS_STORAGE}'))['{code}']['team']")


def _new_page(browser, width: int = 1280, height: int = 900):
    """A page in a fresh browser context."""
    return browser.new_context(viewport={"width": width, "height": height}).new_page()


def _join(browser, url: str, code: str, role: str):
    """Join the room as a new team holding `role`; return its page on the dashboard."""
    page = _new_page(browser)
    page.goto(f"{url}?room={code}")
    page.get_by_label("Team name").fill(f"Team {role}", timeout=TIMEOUT_MS)
    page.locator(".v-select", has=page.get_by_text("Role", exact=True)).click()
    page.locator(".menuable__content__active .v-list-item").get_by_text(ROLE_BOOK.labels[role], exact=True).click()
    page.get_by_role("button", name="Join", exact=True).click()
    page.get_by_text("Your goal").first.wait_for(timeout=TIMEOUT_MS)
    return page


def _advance(facilitator) -> float:
    """Press Advance and confirm; return the browser time (ms) of the confirming click."""
    facilitator.evaluate(
        "() => { window.__clicked = null; document.addEventListener('click', () => "
        "{ if (window.__clicked === null) window.__clicked = Date.now(); }, {capture: true, once: true}); }"
    )
    facilitator.get_by_role("button", name="Advance one year").click()
    confirm = facilitator.get_by_role("button", name="Yes, play the year")
    confirm.wait_for(timeout=TIMEOUT_MS)
    facilitator.evaluate(
        "() => { window.__clicked = null; document.addEventListener('click', () => "
        "{ if (window.__clicked === null) window.__clicked = Date.now(); }, {capture: true, once: true}); }"
    )
    confirm.click()
    return facilitator.evaluate("window.__clicked")


def run(pages: int, rounds: int, out_dir: Path, tree: Path = REPOSITORY) -> dict[str, list[float]]:
    """Open the pages, play `rounds` rounds; return latencies in ms: round shown and charts redrawn, per kind of page.

    Also returned: the click times (`clicks`, Unix ms) and the server's timestamps relative to each click (`steps`).
    """
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("Debian's chromium is needed (apt-get install -y chromium)")
    log_path = out_dir / "browser-latency-server.log"
    server = Server(log_path, tree)
    found: dict[str, list[float]] = {
        "team": [],
        "team charts": [],
        "projector": [],
        "projector charts": [],
        "played": [],
        "clicks": [],
    }
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            facilitator = _new_page(browser)
            facilitator.goto(server.url)
            facilitator.get_by_role("button", name="Create room").click(timeout=TIMEOUT_MS)
            facilitator.get_by_text("Facilitator console").first.wait_for(timeout=TIMEOUT_MS)
            code = _room_code(facilitator)
            projector = _new_page(browser, 1920, 1080)
            projector.goto(f"{server.url}?room={code}&view=screen")
            team_pages = []
            tokens = {}
            for index in range(pages):
                role = ROLE_BOOK.roles[index % len(ROLE_BOOK.roles)]
                if role not in tokens:
                    page = _join(browser, server.url, code, role)
                    tokens[role] = _token(page, code)
                else:
                    page = _new_page(browser)
                    page.goto(f"{server.url}?room={code}&team={tokens[role]}")
                team_pages.append(page)
                print(f"page {index + 1} of {pages} open ({role})", file=sys.stderr)
            for page in team_pages:
                page.get_by_text("Round 1 of").first.wait_for(timeout=TIMEOUT_MS)
            for played in range(1, rounds + 1):
                target = f"Round {played + 1} of "
                for page in team_pages:
                    page.evaluate(WATCH_SCRIPT, [target, 2])
                projector.evaluate(WATCH_SCRIPT, [target, 3])
                facilitator.evaluate(WATCH_SCRIPT, [f"Played {2025 + played}", 0])
                clicked = _advance(facilitator)
                found["clicks"].append(clicked)
                for page in [*team_pages, projector]:
                    page.wait_for_function(
                        "window.__roundSeen !== null && window.__chartsSeen !== null", timeout=TIMEOUT_MS
                    )
                facilitator.wait_for_function("window.__roundSeen !== null", timeout=TIMEOUT_MS)
                seen = [page.evaluate("window.__roundSeen") - clicked for page in team_pages]
                found["team"] += seen
                found["team charts"] += [page.evaluate("window.__chartsSeen") - clicked for page in team_pages]
                found["projector"].append(projector.evaluate("window.__roundSeen") - clicked)
                found["projector charts"].append(projector.evaluate("window.__chartsSeen") - clicked)
                found["played"].append(facilitator.evaluate("window.__roundSeen") - clicked)
                print(
                    f"round {played}: team pages median {statistics.median(seen):.0f} ms, max {max(seen):.0f} ms",
                    file=sys.stderr,
                )
                time.sleep(2)
            team_pages[0].screenshot(path=str(out_dir / "browser-latency-team.png"))
            projector.screenshot(path=str(out_dir / "browser-latency-projector.png"))
            browser.close()
    finally:
        server.stop()
    found["steps"] = server_steps(log_path, found["clicks"])
    return found


def server_steps(log_path: Path, clicks: list[float]) -> dict[str, list[float]]:
    """The server's timestamps (`timing` lines) after each click, in ms from that click, by step.

    A step marked once per round (the model year, the write) gives one value per round; a step
    marked per page (woken, rendered) gives one per page and round.
    """
    marks = []
    for line in log_path.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "timing":
            marks.append((float(parts[1]), parts[2]))
    steps: dict[str, list[float]] = {}
    for index, clicked in enumerate(clicks):
        until = clicks[index + 1] if index + 1 < len(clicks) else float("inf")
        for when, step in marks:
            if clicked - 1000 <= when < until:  # a click noted in the browser can trail the server a little
                steps.setdefault(step, []).append(when - clicked)
    return steps


def _row(label: str, values: list[float]) -> str:
    """One Markdown table row: n, median, p95, max in seconds (from milliseconds)."""
    return table_row(label, values, scale=0.001, digits=2)


#: The server's steps in the order they happen, with what they mean (see `viz.workshop.timing`).
STEPS = {
    "advance-asked": "the server starts the Advance (the click has arrived)",
    "advance-locked": "... holds the room's lock",
    "year-taken-from-ahead": "... has the year played ahead in the background (when its inputs are unchanged)",
    "teams-year-played": "... has played the teams' year (when it was not played ahead)",
    "status-quo-year-played": "... and the status quo's year",
    "round-stored": "... has committed the round to the database",
    "pages-notified": "... has woken the pages",
    "page-woke": "a page's watcher woke (each page)",
    "page-rendered": "a page's server-side re-render was done (each page)",
}


def tables(label: str, result: dict[str, list[float]], pages: int) -> list[str]:
    """The latency table of one run, and its breakdown by the server's steps where the tree writes them."""
    lines = [
        f"**{label}**",
        "",
        "| From the click to | n | median (s) | p95 (s) | max (s) |",
        "|---|---:|---:|---:|---:|",
        _row("the facilitator's page saying the year was played", result["played"]),
        _row(f"each of {pages} team pages showing the new round", result["team"]),
        _row("... and showing its new charts", result["team charts"]),
        _row("the projector showing the new round", result["projector"]),
        _row("... and its new charts", result["projector charts"]),
        "",
    ]
    steps = result.get("steps", {})
    if steps:
        lines += ["| Server step after the click | n | median (s) | p95 (s) | max (s) |", "|---|---:|---:|---:|---:|"]
        lines += [_row(text, steps[step]) for step, text in STEPS.items() if steps.get(step)]
        lines.append("")
    return lines


def main() -> int:
    """Run the benchmark (alternating with a baseline tree if given) and print (and optionally write) the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40, help="team pages (default 40)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds to advance (default 3)")
    parser.add_argument("--baseline", type=Path, default=None, help="a checkout to compare with, run alternately")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each tree (default 1)")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown report to this file")
    args = parser.parse_args()
    if args.baseline is not None and not (args.baseline / "viz" / "workshop" / "app.py").is_file():
        print(f"error: --baseline: {str(args.baseline)!r} is not a checkout of this repository", file=sys.stderr)
        return 2
    trees = {"this tree": REPOSITORY} if args.baseline is None else {"baseline": args.baseline, "this tree": REPOSITORY}
    loads = [os.getloadavg()[0]]
    merged: dict[str, dict[str, list[float]]] = {name: {} for name in trees}
    out_dirs = []
    for repeat in range(args.repeats):
        for name, tree in trees.items():
            out_dir = Path(tempfile.mkdtemp(prefix="workshop-browser-latency-"))
            out_dirs.append(out_dir)
            print(f"run {repeat + 1} of {args.repeats}: {name} ({tree})", file=sys.stderr)
            result = run(args.pages, args.rounds, out_dir, tree)
            for key, values in [*result.items(), *(("step " + k, v) for k, v in result["steps"].items())]:
                if key != "steps":
                    merged[name].setdefault(key, []).extend(values)
            loads.append(os.getloadavg()[0])
    lines = [
        "# Workshop latency in the browser",
        "",
        f"`python benchmarks/workshop_browser_latency.py --pages {args.pages} --rounds {args.rounds}"
        + (f" --baseline {args.baseline} --repeats {args.repeats}" if args.baseline else "")
        + f"` on {platform.machine()} ({os.cpu_count()} cores; load average {loads[0]:.1f} at the start, "
        f"{', '.join(f'{x:.1f}' for x in loads[1:])} after each run), {time.strftime('%Y-%m-%d %H:%M')}: one "
        f"headless Debian chromium, {args.pages} team pages and a projector page in their own contexts, the server "
        "on the same machine. Seconds from the facilitator's confirming click on Advance.",
        "",
    ]
    for name, values in merged.items():
        steps = {key[5:]: v for key, v in values.items() if key.startswith("step ")}
        lines += tables(f"{name} ({trees[name]})", {**values, "steps": steps}, args.pages)
    if args.baseline is not None:
        ratio = statistics.median(merged["this tree"]["team"]) / statistics.median(merged["baseline"]["team"])
        lines += [f"Team pages' median, this tree against the baseline: {ratio:.2f}", ""]
    lines += [f"Screenshots and server logs: {', '.join(str(d) for d in out_dirs)}", ""]
    report = "\n".join(lines)
    if args.out:
        args.out.write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
