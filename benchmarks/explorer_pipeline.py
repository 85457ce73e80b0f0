"""Benchmark: where the time goes between a lever change and the page's new chart options, on the server.

Run:  python benchmarks/explorer_pipeline.py [--changes 5] [--runs 4] [--profile]

Renders the explorer headless (Solara, one virtual kernel, as the page's tests do) with a pool of
worker processes, changes the pledge lever `--changes` times (a new scenario each, waiting for it
to finish), and times each stage: the lever's handler, the runs sent to the workers, the first run
back, and the page's update once it is back (bands, headlines, chart options, widgets; wall and CPU
time of the thread doing it), with the size of the chart options sent to the browser. What the browser does with them (websocket, ECharts
drawing) is the rest of `benchmarks/explorer_redraw.py`'s figure. Not a test; timings depend on the
machine's load (printed).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="profile the page's updates (cProfile, top 25)")
    args = parser.parse_args()

    from solara.server import kernel, kernel_context
    from test_app_components import projected, render_explorer, type_into

    import viz.projection_view
    from viz.projection import Projector

    print(f"{os.cpu_count()} cores, load average {os.getloadavg()}, {args.runs} runs per projection")
    stamps: dict[str, float] = {}
    option_ms: list[float] = []
    option_bytes: list[int] = []
    build = viz.projection_view.chart_option

    def timed_option(*a, **k):
        """Build one chart's option, timing it and measuring its JSON."""
        started = time.perf_counter()
        option = build(*a, **k)
        option_ms.append(1000 * (time.perf_counter() - started))
        option_bytes.append(len(json.dumps(option, separators=(",", ":"))))
        return option

    viz.projection_view.chart_option = timed_option
    profile = cProfile.Profile() if args.profile else None

    class Timed(Projector):
        """The shared projector, noting when runs are sent and when the page's updates start and end."""

        def _join(self, executor, todo):
            """Send the runs, noting when."""
            runs = super()._join(executor, todo)
            stamps.setdefault("sent", time.perf_counter())
            return runs

        def project(self, scenarios, on_update=None, cancel=None):
            """Project, timing each update of the page."""

            def update(projections):
                """The page's update, timed."""
                if projections[0].members and "back" not in stamps:
                    stamps["back"] = time.perf_counter()
                    option_ms.clear()
                    option_bytes.clear()
                    if profile:
                        profile.enable()
                    cpu = time.thread_time()
                    on_update(projections)
                    stamps["update_cpu"] = time.thread_time() - cpu
                    if profile:
                        profile.disable()
                    stamps["drawn"] = time.perf_counter()
                    stamps["options_ms"] = sum(option_ms)
                    stamps["options_kb"] = sum(option_bytes) / 1000
                    stamps["charts"] = len(option_ms)
                else:
                    on_update(projections)

            return super().project(scenarios, update if on_update else None, cancel)

    projector = Timed(workers=2, members=args.runs)
    context = kernel_context.VirtualKernelContext(id=f"bench-{uuid.uuid4()}", kernel=kernel.Kernel(), session_id="b")
    rows = []
    with context:
        rc, session, _ = render_explorer(projector=projector)
        deadline = time.monotonic() + 900
        while not projected(rc, session):
            assert time.monotonic() < deadline, "the status quo was not projected in 15 minutes"
            time.sleep(0.05)
        for k in range(args.changes):
            stamps.clear()
            started = time.perf_counter()
            type_into(rc, "pledge_usd_per_developer", str(2100 + 10 * k))
            handled = time.perf_counter()
            while "drawn" not in stamps or not projected(rc, session):
                time.sleep(0.01)
            row = {
                "handler": handled - started,
                "sent": stamps["sent"] - started,
                "first run back": stamps["back"] - stamps["sent"],
                "page update": stamps["drawn"] - stamps["back"],
                "page update CPU": stamps["update_cpu"],
                "options": stamps["options_ms"] / 1000,
                "options_kb": stamps["options_kb"],
                "charts": stamps["charts"],
            }
            rows.append(row)
            print(
                f"  change {k + 1}: handler {1000 * row['handler']:.0f} ms, runs sent at {1000 * row['sent']:.0f} ms, "
                f"first run back after {1000 * row['first run back']:.0f} ms, page update {1000 * row['page update']:.0f}"
                f" ms ({1000 * row['page update CPU']:.0f} ms CPU; of it {row['charts']} chart options {1000 * row['options']:.0f} ms, {row['options_kb']:.0f} kB)",
                flush=True,
            )
    for key in ("handler", "sent", "first run back", "page update", "page update CPU", "options"):
        print(f"median {key}: {1000 * statistics.median(r[key] for r in rows):.0f} ms")
    print(f"median chart options sent: {statistics.median(r['options_kb'] for r in rows):.0f} kB")
    print(f"load average at the end {os.getloadavg()}")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    projector.shutdown()


if __name__ == "__main__":
    main()
