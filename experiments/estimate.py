"""How long a sweep will take, from a pilot of the spec's own runs in the same kind of pool.

`--dry-run` starts the pool the sweep would use (local processes or the Dask cluster), times its
start-up, then runs rounds of planned runs at once (one per worker) at their full horizon, drawn
from the plan stratified by policy (every policy before any twice, points at random), until the
mean run time is known to 10% (its standard error) or the pilot has run a tenth of the plan, and
at least two rounds. It writes and reads their results as the runner does, and scales: start-up +
rounds of runs + writing and merging every run's parts + the time this process took to start.
The pilot's results are thrown away.
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

MIN_PILOT_ROUNDS = 2  # rounds of concurrent runs the pilot always times
TARGET_RELATIVE_ERROR = 0.10  # the pilot stops once the mean run time's standard error is this share of the mean
MAX_PILOT_SHARE = 0.10  # ... or once it has run this share of the plan's runs (at least MIN_PILOT_ROUNDS rounds)


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


def pilot_order(plan: Plan) -> list[RunTask]:
    """The plan's runs in the order the pilot takes them: policies in turn, each policy's runs shuffled.

    Run time depends on the policy (a fee can open alternative registries) and on the point (demand
    growth, populations), so the pilot takes every policy before any twice, and each policy's points
    at random (seeded by the spec's seed: the same plan gives the same pilot).
    """
    rng = np.random.default_rng(plan.loaded.spec.seed)
    by_policy: dict[str, list[RunTask]] = {}
    for task in plan.tasks:
        by_policy.setdefault(task.policy, []).append(task)
    shuffled = [[tasks[i] for i in rng.permutation(len(tasks))] for tasks in by_policy.values()]
    longest = max((len(tasks) for tasks in shuffled), default=0)
    return [tasks[i] for i in range(longest) for tasks in shuffled if i < len(tasks)]


def pilot_settled(durations_s: list[float], slots: int, runs_planned: int) -> bool:
    """Whether the pilot has timed enough runs: the whole plan, or enough rounds and a precise or capped mean."""
    timed = len(durations_s)
    if timed >= runs_planned:
        return True
    if timed < MIN_PILOT_ROUNDS * slots:
        return False
    if timed >= MAX_PILOT_SHARE * runs_planned:
        return True
    mean = float(np.mean(durations_s))
    standard_error = float(np.std(durations_s, ddof=1)) / math.sqrt(timed)
    return mean <= 0 or standard_error <= TARGET_RELATIVE_ERROR * mean


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
        order = pilot_order(plan)
        rounds: list[tuple[float, list[dict[str, Any]]]] = []
        timed: list[float] = []
        while not pilot_settled(timed, pool.slots, len(plan.tasks)):
            batch = order[len(timed) : len(timed) + pool.slots]
            rounds.append(timed_round(pool.executor, batch))
            timed += [result["run"]["duration_s"] for result in rounds[-1][1]]
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
