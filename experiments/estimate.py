"""How long a sweep will take, from a pilot of the spec's own runs in the same kind of pool.

`--dry-run` starts the pool the sweep would use (local processes or the Dask cluster) and runs
the plan's own runs at their full horizon, one per worker at a time, drawn from the plan
stratified by policy (every policy before any twice, points at random). The first round is timed
as a whole, as the sweep's first round: it holds what a fresh worker pays once (starting the
process, imports, caches filled by a first run). Later rounds, on warm workers, give the mean run
time (wall and CPU, measured in the worker), until that mean is known to 10% (its standard error)
or the pilot has run a tenth of the plan. The pilot writes and reads its results as the runner
does, and scales: this process's start + pool start + the first round + later rounds of runs +
writing and merging every run's parts. The pilot's results are thrown away.

The wall time holds for the machine's load during the pilot; the runs' CPU time moves far less
with it, so the dry run prints both, with the load average and the share of a core each worker got.
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from concurrent import futures
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from experiments.store import PartStore

if TYPE_CHECKING:
    from experiments.sweep import Plan, RunTask

MIN_WARM_ROUNDS = 1  # rounds of runs on warm workers the pilot always times, after the first round
TARGET_RELATIVE_ERROR = 0.10  # the pilot stops once the mean run time's standard error is this share of the mean
MAX_PILOT_SHARE = 0.10  # ... or once it has run this share of the plan's runs (at least MIN_WARM_ROUNDS rounds)


@dataclass(frozen=True)
class Estimate:
    """A sweep's time: process and pool start, a first round on fresh workers, later rounds, per-run file work."""

    runs: int
    slots: int
    startup_s: float  # making the pool (its workers start during the first round, as in the sweep)
    first_round_s: float  # wall time of the first round of runs, on fresh workers
    first_round_runs: int
    run_s: float  # a run's mean wall time on a warm worker in the pilot, with every worker busy
    dispatch_s: float  # sending a run to a worker and its result back (later rounds)
    io_s_per_run: float
    program_s: float
    pilot_runs: int
    first_round_cpu_s: float = 0.0  # CPU time of the first round's runs, summed over its workers
    cpu_s_per_run: float = 0.0  # a run's mean CPU time on a warm worker
    load_average: tuple[float, float] = (float("nan"), float("nan"))  # 1-minute load average before and after
    cores: int = 1

    @property
    def later_rounds(self) -> int:
        """Rounds of `slots` concurrent runs after the first round."""
        return math.ceil(max(0, self.runs - self.first_round_runs) / self.slots)

    @property
    def total_s(self) -> float:
        """The whole sweep's estimated wall time, at the load the pilot ran under."""
        runs_s = self.first_round_s + self.later_rounds * (self.run_s + self.dispatch_s)
        return self.program_s + self.startup_s + runs_s + self.runs * self.io_s_per_run

    @property
    def cpu_s(self) -> float:
        """The sweep's runs' estimated CPU time, summed over workers (it moves far less with the load than wall time)."""
        return self.first_round_cpu_s + max(0, self.runs - self.first_round_runs) * self.cpu_s_per_run

    @property
    def core_share(self) -> float:
        """The share of a core each warm worker got in the pilot (CPU over wall time; nan without warm runs)."""
        return self.cpu_s_per_run / self.run_s if self.run_s > 0 else float("nan")


def timed_run(task: RunTask) -> dict[str, Any]:
    """Run on a worker: a planned run as the sweep runs it, with its CPU time in this process."""
    from experiments.sweep import execute_run

    started = time.process_time()
    result = execute_run(task)
    result["cpu_s"] = time.process_time() - started
    return result


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
    """Whether the pilot has timed enough warm runs: all of them, or enough rounds and a precise or capped mean.

    `durations_s` are the warm runs timed so far, `runs_planned` the plan's runs after the first round.
    """
    timed = len(durations_s)
    if timed >= runs_planned:
        return True
    if timed < max(2, MIN_WARM_ROUNDS * slots):
        return False
    if timed >= MAX_PILOT_SHARE * runs_planned:
        return True
    mean = float(np.mean(durations_s))
    standard_error = float(np.std(durations_s, ddof=1)) / math.sqrt(timed)
    return mean <= 0 or standard_error <= TARGET_RELATIVE_ERROR * mean


def timed_round(executor: futures.Executor, tasks: list[RunTask]) -> tuple[float, list[dict[str, Any]]]:
    """Run `tasks` at once on the pool; return the wall time and the results."""
    started = time.perf_counter()
    results = [future.result() for future in [executor.submit(timed_run, task) for task in tasks]]
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


def load_average() -> float:
    """This machine's 1-minute load average; nan where it cannot be read."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def scale_pilot(
    plan_runs: int,
    slots: int,
    rounds: list[tuple[float, list[dict[str, Any]]]],
    startup_s: float,
    io_s_per_run: float,
    program_s: float,
) -> Estimate:
    """The estimate from the pilot's rounds: the first as the sweep's first round, the others for the mean run."""
    (first_s, first), later = rounds[0], rounds[1:]
    warm = [result for _, batch in later for result in batch]
    durations = [[result["run"]["duration_s"] for result in batch] for _, batch in later]
    dispatch = [max(0.0, seconds - max(batch)) for (seconds, _), batch in zip(later, durations)]
    return Estimate(
        runs=plan_runs,
        slots=slots,
        startup_s=startup_s,
        first_round_s=first_s,
        first_round_runs=len(first),
        run_s=float(np.mean([result["run"]["duration_s"] for result in warm])) if warm else 0.0,
        dispatch_s=float(np.mean(dispatch)) if dispatch else 0.0,
        io_s_per_run=io_s_per_run,
        program_s=program_s,
        pilot_runs=len(first) + len(warm),
        first_round_cpu_s=float(sum(result["cpu_s"] for result in first)),
        cpu_s_per_run=float(np.mean([result["cpu_s"] for result in warm])) if warm else 0.0,
    )


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
    load_before = load_average()
    started = time.perf_counter()
    pool = start_workers(workers, scheduler, code_version(), worker_timeout_s, allow_code_change)
    startup_s = time.perf_counter() - started
    order = pilot_order(plan)
    try:
        rounds = [timed_round(pool.executor, order[: pool.slots])]
        warm: list[float] = []
        later_runs = len(plan.tasks) - len(rounds[0][1])
        while not pilot_settled(warm, pool.slots, later_runs):
            start = len(rounds[0][1]) + len(warm)
            rounds.append(timed_round(pool.executor, order[start : start + pool.slots]))
            warm += [result["run"]["duration_s"] for result in rounds[-1][1]]
    finally:
        pool.close()
    results = [result for _, batch in rounds for result in batch]
    estimate = scale_pilot(len(plan.tasks), pool.slots, rounds, startup_s, io_seconds(plan, results), program_s)
    return replace(estimate, load_average=(load_before, load_average()), cores=os.cpu_count() or 1)
