"""How long a sweep will take, from a pilot of the spec's own runs in the same kind of pool.

`--dry-run` starts the pool the sweep would use (local processes or the Dask cluster), times its
start-up, then runs one round of planned runs at once (one per worker, spread over the plan; a
second round when the first was short) at their full horizon, writes and reads their results as
the runner does, and scales: start-up + rounds of runs + writing and merging every run's parts +
the time this process took to start. The pilot's results are thrown away.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.store import PartStore

if TYPE_CHECKING:
    from experiments.sweep import Plan, RunTask

SECOND_ROUND_BELOW_S = 3.0  # a first round shorter than this is followed by a second one (less noise)


@dataclass(frozen=True)
class Estimate:
    """A sweep's time: pool start-up, rounds of concurrent runs, per-run file work, this process's start."""

    runs: int
    slots: int
    startup_s: float
    run_s: float  # a run's mean duration in the pilot, with every worker busy
    dispatch_s: float  # sending a run to a worker and its result back
    io_s_per_run: float
    program_s: float
    pilot_runs: int

    @property
    def rounds(self) -> int:
        """Rounds of `slots` concurrent runs the sweep needs."""
        return math.ceil(self.runs / self.slots)

    @property
    def total_s(self) -> float:
        """The whole sweep's estimated wall time."""
        runs_s = self.rounds * (self.run_s + self.dispatch_s)
        return self.program_s + self.startup_s + runs_s + self.runs * self.io_s_per_run


WARM_UP_YEARS = 1 / 52  # one week: enough to import and touch everything a run uses


def warm_up(task: RunTask) -> int:
    """Run on a worker: a one-week run of a planned run's settings (imports, caches); return the worker's pid."""
    from model.runner import run

    run(task.scenario, years=WARM_UP_YEARS, seed=task.seed(), **task.overrides)
    return os.getpid()


def pilot_tasks(plan: Plan, count: int) -> list[RunTask]:
    """`count` planned runs spread evenly over the plan (its first and last included)."""
    count = max(1, min(count, len(plan.tasks)))
    picks = np.unique(np.linspace(0, len(plan.tasks) - 1, count).round().astype(int))
    return [plan.tasks[i] for i in picks]


def timed_round(executor: futures.Executor, tasks: list[RunTask]) -> tuple[float, list[dict[str, Any]]]:
    """Run `tasks` at once on the pool; return the wall time and the results."""
    from experiments.sweep import execute_run

    started = time.perf_counter()
    results = [future.result() for future in [executor.submit(execute_run, task) for task in tasks]]
    return time.perf_counter() - started, results


def io_seconds(plan: Plan, results: list[dict[str, Any]]) -> float:
    """Time to write one run's parts (as the runner does) and to read it back when merging, per run."""
    from experiments.sweep import run_dtypes

    dtypes = run_dtypes(plan)
    with tempfile.TemporaryDirectory() as folder:
        store = PartStore(Path(folder), policy_order=plan.policy_names)
        started = time.perf_counter()
        for result in results:
            store.write(result["run"], result["series"], dtypes)
        store.consolidate()
        return (time.perf_counter() - started) / max(1, len(results))


def program_seconds() -> float:
    """How long ago this process started (interpreter and imports), from /proc; 0 where it cannot be read."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime_s = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime_s - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def estimate_sweep(
    plan: Plan,
    workers: int,
    scheduler: str | None = None,
    worker_timeout_s: float = 60.0,
    allow_code_change: bool = False,
) -> Estimate:
    """Start the pool the sweep would use, time a pilot of its own runs, and scale to the whole plan."""
    from experiments.provenance import code_version
    from experiments.sweep import start_workers

    program_s = program_seconds()
    started = time.perf_counter()
    pool = start_workers(workers, scheduler, code_version(), worker_timeout_s, allow_code_change)
    try:
        for future in [pool.executor.submit(warm_up, plan.tasks[0]) for _ in range(pool.slots)]:
            future.result()
        startup_s = time.perf_counter() - started
        tasks = pilot_tasks(plan, 2 * pool.slots)
        first, second = tasks[::2][: pool.slots], tasks[1::2][: pool.slots]
        rounds = [timed_round(pool.executor, first)]
        if rounds[0][0] < SECOND_ROUND_BELOW_S and second:
            rounds.append(timed_round(pool.executor, second))
    finally:
        pool.close()
    results = [result for _, batch in rounds for result in batch]
    durations = [[result["run"]["duration_s"] for result in batch] for _, batch in rounds]
    dispatch_s = float(np.mean([max(0.0, seconds - max(batch)) for (seconds, _), batch in zip(rounds, durations)]))
    return Estimate(
        runs=len(plan.tasks),
        slots=pool.slots,
        startup_s=startup_s,
        run_s=float(np.mean([d for batch in durations for d in batch])),
        dispatch_s=dispatch_s,
        io_s_per_run=io_seconds(plan, results),
        program_s=program_s,
        pilot_runs=len(results),
    )
