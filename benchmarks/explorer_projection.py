"""Benchmark: the explorer's projection on the server, at default size (10 years, 10,000 developers).

Run:  python benchmarks/explorer_projection.py [--members 8] [--repeats 3]

  member     one member run in this process (model steps, history, chart series, headlines)
  projection a lever change's whole projection in the shared worker pool (all members of the new
             scenario; the status quo is cached), wall time; and the time to the first member
  redraw     the page's work once members are in: every chart's ECharts option and the headlines
  export     the PNG export of the projection (title, lever list, every chart)
Not a test; timings depend on the machine and its load (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_ms(samples_s: list[float]) -> str:
    """Median (and range) in milliseconds."""
    ms = sorted(1000 * s for s in samples_s)
    return f"median {statistics.median(ms):8.0f} ms   (min {ms[0]:.0f}, max {ms[-1]:.0f}, n={len(ms)})"


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from model.catalogue import REGISTRIES
    from viz.chart_options import chart_option
    from viz.charts import CHARTS
    from viz.headlines import CARDS
    from viz.projection import Projector, Scenario, run_member
    from viz.projection_view import headline_lines

    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load average {os.getloadavg()}")
    started = time.perf_counter()
    run_member(Scenario(), 0)
    print(f"member     one 10-year member in this process: {median_ms([time.perf_counter() - started])}")

    projector = Projector(members=args.members)
    base = Scenario()
    projector.project([base])  # the status quo, cached as on a server that has served one page
    walls, firsts = [], []
    for repeat in range(args.repeats):
        scenario = Scenario(overrides=(("pledge_usd_per_developer", 2100.0 + repeat),))
        first: list[float] = []
        started = time.perf_counter()
        projector.project(
            [scenario, scenario.status_quo()],
            on_update=lambda ps, t=started, f=first: f.append(time.perf_counter() - t) if ps[0].members else None,
        )
        walls.append(time.perf_counter() - started)
        firsts.append(first[0])
    print(f"projection {args.members} members, {projector.workers} workers, whole: {median_ms(walls)}")
    print(f"projection first member in:                   {median_ms(firsts)}")

    projection, status_quo = projector.project([scenario, scenario.status_quo()])
    options = []
    for _ in range(10):
        started = time.perf_counter()
        for chart in CHARTS:
            chart_option(chart, REGISTRIES, projection, status_quo, None)
        for headline in CARDS:
            headline_lines(headline, projection, status_quo)
        options.append(time.perf_counter() - started)
    print(f"redraw     every chart option and headline:   {median_ms(options)}")
    from viz.export import projection_png

    exports = []
    for _ in range(3):
        started = time.perf_counter()
        projection_png(
            "Borrowed Time: status-quo (modified)", ["Pledge per developer: 2102 *"], REGISTRIES, projection, status_quo
        )
        exports.append(time.perf_counter() - started)
    print(f"export     PNG of the projection:             {median_ms(exports)}")
    projector.shutdown()


if __name__ == "__main__":
    main()
