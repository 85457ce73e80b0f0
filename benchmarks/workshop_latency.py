"""Benchmark: submission-to-update latency with 40 simulated workshop clients in one room.

Each client is what one participant's page does: a watcher thread that waits for the room to
change (`wait_for_change`, as the page's background thread does) and then re-reads what the
page shows (snapshot, decisions in force, results, scoreboard), and an actor thread that submits
its team's decision at random intervals. The 40 clients share the nine roles, as people share
teams. For every submission we time how long each of the other 39 clients takes to have seen
it and re-read the room: the submission-to-update latency. The facilitator advances one year
twice during the run; those updates (which include simulating a model year) are timed apart.
It also times one headless render of the team dashboard (the server-side page work) for scale.

Usage: python benchmarks/workshop_latency.py [--clients 40] [--submissions 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from viz.workshop.roles import ROLE_BOOK
from viz.workshop.room import RoomManager


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile of a list."""
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def table_row(label: str, values: list[float], scale: float = 1.0, digits: int = 1) -> str:
    """One Markdown table row: the label, n, and the median, p95 and max of `values` times `scale`.

    Shared with `workshop_browser_latency.py`.
    """
    median, p95, top = (scale * x for x in (statistics.median(values), percentile(values, 95), max(values)))
    return f"| {label} | {len(values)} | {median:.{digits}f} | {p95:.{digits}f} | {top:.{digits}f} |"


def run(clients: int, submissions: int, seed: int = 0) -> dict:
    """Play the scripted load; return latency lists in milliseconds."""
    manager = RoomManager.open(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    room, key = manager.create_room("benchmark", seed=seed, rounds_total=8)
    tokens = {role: room.join(role, f"team {role}") for role in ROLE_BOOK.roles}
    sent: dict[int, tuple[float, int]] = {}  # version -> (time of the change, client who made it)
    advances: set[int] = set()
    sent_lock = threading.Lock()
    latencies: list[float] = []
    advance_latencies: list[float] = []
    submit_calls: list[float] = []
    stop = threading.Event()
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    pauses = rng.uniform(0.1, 0.6, size=(clients, submissions))

    def watcher(client: int) -> None:
        """Wait for changes like a page does; re-read the room; note how long each change took to arrive."""
        seen = room.version
        while not stop.is_set():
            now_version = room.wait_for_change(seen, timeout_s=0.5)
            if now_version == seen:
                continue
            room.snapshot()
            room.decisions_in_force(room.current_round + 1)
            room.results()
            room.scoreboard()
            arrived = time.perf_counter()
            with sent_lock:
                for version in range(seen + 1, now_version + 1):
                    if version in sent and sent[version][1] != client:
                        delay_ms = 1000 * (arrived - sent[version][0])
                        (advance_latencies if version in advances else latencies).append(delay_ms)
            seen = now_version

    def actor(client: int) -> None:
        """Submit this client's team decision a few times, pausing between."""
        role = ROLE_BOOK.roles[client % len(ROLE_BOOK.roles)]
        for index in range(submissions):
            time.sleep(pauses[client, index])
            decision = {"statement": f"client {client} #{index}"} if role == "developers" else {}
            started = time.perf_counter()
            with room._lock:  # note the version this submission makes, atomically with making it
                room.submit(tokens[role], role, decision)
                with sent_lock:
                    sent[room.version] = (started, client)
            submit_calls.append(1000 * (time.perf_counter() - started))

    watchers = [threading.Thread(target=watcher, args=(c,), daemon=True) for c in range(clients)]
    actors = [threading.Thread(target=actor, args=(c,), daemon=True) for c in range(clients)]
    for thread in watchers + actors:
        thread.start()
    for _ in range(2):  # the facilitator advances twice while teams submit
        time.sleep(0.8)
        started = time.perf_counter()
        with room._lock:
            room.advance(key)
            with sent_lock:
                sent[room.version] = (started, -1)
                advances.add(room.version)
        print(f"advanced to round {room.current_round + 1}", file=sys.stderr)
    for thread in actors:
        thread.join()
    time.sleep(1.0)
    stop.set()
    for thread in watchers:
        thread.join()
    manager.close()
    return {"latencies": latencies, "advance": advance_latencies, "submit_calls": submit_calls}


def render_cost_ms(repeats: int = 5) -> float:
    """Median milliseconds for one headless render of a team dashboard after one played year."""
    import solara
    from solara.server import kernel_context

    from viz.workshop import app, live

    threads_before = set(threading.enumerate())
    manager = RoomManager.open(Path(tempfile.mkdtemp()) / "render.sqlite3")
    app._manager, live.LIVE_UPDATES = manager, False
    room, key = manager.create_room(seed=1, rounds_total=3)
    token = room.join("pypi", "Snakes")
    room.advance(key)
    times = []
    for index in range(repeats):
        context = kernel_context.VirtualKernelContext(
            id=f"bench-{index}", kernel=kernel_context.Kernel(), session_id=str(index)
        )
        with context:
            started = time.perf_counter()
            _, render_context = solara.render(app.TeamView(room, token, "pypi", router=None), handle_error=False)
            times.append(1000 * (time.perf_counter() - started))
            render_context.close()
    close_after_pages(manager, threads_before)
    return statistics.median(times)


def close_after_pages(manager: RoomManager, threads_before: set) -> None:
    """Wait for the pages' background threads to stop, then close the database they read."""
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(timeout=10)
    manager.close()


def _texts(widget) -> str:
    """All text in a widget tree (Markdown sources, alert texts)."""
    import ipywidgets

    parts = [
        str(getattr(widget, name, ""))
        for name in ("md", "value", "v_model")
        if isinstance(getattr(widget, name, None), str)
    ]
    children = getattr(widget, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            parts.append(_texts(child) if isinstance(child, ipywidgets.Widget) else str(child))
    return " ".join(parts)


def rerender_latency_ms(repeats: int = 10) -> list[float]:
    """Milliseconds from a developer statement being submitted to a live team page showing it (server side)."""
    import solara
    from solara.server import kernel_context

    from viz.workshop import app, live

    threads_before = set(threading.enumerate())
    manager = RoomManager.open(Path(tempfile.mkdtemp()) / "live.sqlite3")
    app._manager, live.LIVE_UPDATES = manager, True
    room, key = manager.create_room(seed=1, rounds_total=3)
    token = room.join("pypi", "Snakes")
    speaker = room.join("developers", "Devs")
    room.advance(key)
    delays = []
    context = kernel_context.VirtualKernelContext(id="live", kernel=kernel_context.Kernel(), session_id="live")
    with context:
        box, render_context = solara.render(app.TeamView(room, token, "pypi", router=None), handle_error=False)
        time.sleep(0.5)
        for index in range(repeats):
            statement = f"please no fees {index}"
            started = time.perf_counter()
            room.submit(speaker, "developers", {"statement": statement})
            while statement not in _texts(box):
                if time.perf_counter() - started > 10:
                    raise RuntimeError("the live page never showed the statement")
                time.sleep(0.002)
            delays.append(1000 * (time.perf_counter() - started))
        render_context.close()
    live.LIVE_UPDATES = False
    close_after_pages(manager, threads_before)
    return delays


def main() -> int:
    """Run the benchmark and write the Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--submissions", type=int, default=5, help="submissions per client")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown report to this file")
    args = parser.parse_args()
    print(f"{args.clients} clients, {args.submissions} submissions each ...", file=sys.stderr)
    result = run(args.clients, args.submissions)
    lat, adv, calls = result["latencies"], result["advance"], result["submit_calls"]
    render_ms = render_cost_ms()
    live = rerender_latency_ms()
    rows = [
        ("Submission to update, each other client (ms)", lat),
        ("Advance one year to update, each client (ms)", adv),
        ("Submit call itself, incl. SQLite write (ms)", calls),
        ("Submission to a live Solara team page showing it (ms, 1 page)", live),
    ]
    lines = [
        "# Workshop latency benchmark",
        "",
        f"`python benchmarks/workshop_latency.py --clients {args.clients} --submissions {args.submissions}` on "
        f"{platform.machine()} with {platform.python_implementation()} {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. Clients are threads in one process calling the room API the way the pages do "
        "(wait for a change, then re-read snapshot, decisions, results and scoreboard); browser rendering is not included.",
        "",
        "| Measure | n | median | p95 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [table_row(label, values) for label, values in rows]
    lines += [
        "",
        f"First render of a team dashboard (Solara, server side, with its chart): median {render_ms:.0f} ms over 5 renders. "
        "Later re-renders reuse the chart until a year is played.",
        "",
        "Submissions that arrive while the facilitator is advancing wait for the model year to finish (the room's lock), "
        "which is what the p95 and max of the first and third rows show; the advance row is the model year itself plus "
        "the fan-out to every client.",
        "",
    ]
    report = "\n".join(lines)
    if args.out:
        args.out.write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
