"""Benchmark: server time for one week's step plus chart update in the explorer, at default size.

Run:  python benchmarks/app_step_latency.py [--repeats 60]

Three measurements, each a median (and 90th percentile) over repeated steps, taken from week 1 on
through the run so that later, longer series are included:
  core   ExplorerSession.step(1) + ChartBoard.update + the JPEG frame the page shows
  page   a click on "Step week" in the explorer rendered headless by Solara, its projection already
         in (the story run's step plus the re-render: every chart's ECharts option with the story
         line, tables, events, widget updates; no browser or network)
  year   the same click path for "Step year" (52 weeks and one chart update: playing a year a frame)
Target: page median under 150 ms. Not a test; timings depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_MS = 150.0


def summary(samples_s: list[float]) -> str:
    """Median and 90th percentile in milliseconds."""
    ms = sorted(1000 * s for s in samples_s)
    return f"median {statistics.median(ms):7.1f} ms   p90 {ms[int(0.9 * (len(ms) - 1))]:7.1f} ms   (n={len(ms)})"


def bench_core(repeats: int) -> tuple[list[float], list[float], list[float]]:
    """Time the model step and the chart update separately and together."""
    from viz.charts import ChartBoard
    from viz.session import ExplorerSession

    session = ExplorerSession()
    board = ChartBoard(session.params.start_year, session.horizon_weeks)
    board.update(session.history, session.baseline)
    board.frame()  # first draw builds the background
    stride = max(1, (session.horizon_weeks - repeats) // repeats)
    steps, charts, totals = [], [], []
    for _ in range(repeats):
        session.step(stride - 1)  # move through the run; not timed
        started = time.perf_counter()
        session.step(1)
        stepped = time.perf_counter()
        board.update(session.history, session.baseline)
        board.frame()
        done = time.perf_counter()
        steps.append(stepped - started)
        charts.append(done - stepped)
        totals.append(done - started)
    return steps, charts, totals


def bench_page(repeats: int, label: str, skip_weeks: int) -> list[float]:
    """Time clicks on a button of the explorer rendered headless (one virtual kernel)."""
    import ipyvuetify as v
    import solara
    from solara.server import kernel, kernel_context

    from viz.explorer import Explorer
    from viz.projection import Projector, Scenario

    projector = Projector()
    projector.project([Scenario()])  # the status quo's projection, as on a server that has served a page
    projector.shutdown()
    context = kernel_context.VirtualKernelContext(
        id=f"bench-{uuid.uuid4()}", kernel=kernel.Kernel(), session_id="bench"
    )
    samples = []
    with context:
        sessions = []
        _, rc = solara.render(
            solara.AppLayout(children=[Explorer(on_session=sessions.append, projector=projector)]), handle_error=False
        )
        session = sessions[0]
        button = next(w for w in rc.find(v.Btn).widgets if label in w.children)
        for _ in range(repeats):
            if session.week + skip_weeks + 52 >= session.horizon_weeks:
                session.reset()
            session.step(skip_weeks)  # move through the run; not timed
            started = time.perf_counter()
            button.click()
            samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    """Run the three measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60, help="timed steps per measurement (default: 60)")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    )
    from viz.history import baseline_history

    started = time.perf_counter()
    baseline_history(0, 520, 2026)
    print(f"status-quo baseline (once per seed per server): {time.perf_counter() - started:.2f} s")
    steps, charts, totals = bench_core(args.repeats)
    print(f"core  model step           {summary(steps)}")
    print(f"core  chart update + frame {summary(charts)}")
    print(f"core  step + chart         {summary(totals)}")
    page = bench_page(args.repeats, "Step week", skip_weeks=6)
    print(f"page  'Step week' click    {summary(page)}")
    year = bench_page(max(5, args.repeats // 6), "Step year", skip_weeks=0)
    print(f"page  'Step year' click    {summary(year)}")
    median_ms = 1000 * statistics.median(page)
    verdict = "meets" if median_ms < TARGET_MS else "misses"
    print(
        f"one week's step plus chart update, as the page does it: median {median_ms:.1f} ms, {verdict} the {TARGET_MS:.0f} ms target "
        f"({TARGET_MS / median_ms:.1f}x headroom)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
