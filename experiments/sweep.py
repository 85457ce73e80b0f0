"""The sweep runner: plan runs from a spec, run them on any `concurrent.futures.Executor`, keep results.

Each run gets its seed from the spec's root seed through `numpy.random.SeedSequence`, keyed by
its replication (and, with `seed_policy = "independent"`, its point), never by the order in which
runs finish, so results do not depend on the number of workers. Policies share their seeds
(common random numbers). A run's id names its point, its replication and its policy
(`<point_id>-<replication>-<policy>`), so a finished sweep can grow (`--extend`) with more
replications, more points appended to its design, or more policies, and no run is made twice. Results are written as runs finish (see `experiments/store.py`) into a
folder a sweep may write and holds alone (`experiments/sweep_folder.py`); the runs go to a local
pool or a checked Dask cluster (`experiments/executors.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import Design, count_lever_points, count_points, make_design, make_lever_points
from experiments.executors import DEFAULT_WORKER_TIMEOUT_S, Workers, dask_cluster, local_pool
from experiments.folder_lock import unlock_folder
from experiments.metrics import final_value, yearly_series
from experiments.provenance import code_version
from experiments.spec import BASELINE, ExperimentSpec, LoadedSpec, SpecError
from experiments.store import MANIFEST_FILE, PartStore, atomic_write_json
from experiments.sweep_folder import check_sweep_folder, new_session, now, open_sweep_folder
from model.parameters import ModelParameters, ParameterError
from model.scenarios import Scenario

DEFAULT_MAX_RUNS = 100_000  # runs a sweep may plan unless --max-runs raises it (its plan is held in memory)


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to make one run; picklable."""

    run_id: str
    point_id: int
    replication: int
    policy: str
    point: dict[str, Any]  # uncertainties at this point
    levers: dict[str, Any]  # the policy's value of every lever of the lever design
    overrides: dict[str, Any]  # fixed + point + policy overrides passed to `run`
    seed_entropy: int
    spawn_key: tuple[int, ...]
    scenario: Scenario
    years: float
    final: tuple[str, ...]
    yearly: tuple[str, ...]

    def seed(self) -> np.random.SeedSequence:
        """The run's SeedSequence: the root's child with this spawn key."""
        return np.random.SeedSequence(self.seed_entropy, spawn_key=self.spawn_key)

    def run_hash(self) -> str:
        """What the run computes (scenario, horizon, overrides, seed, outcomes), hashed: equal hashes, equal runs."""
        identity = {
            "scenario": self.scenario.overrides,
            "years": self.years,
            "overrides": self.overrides,
            "seed": [self.seed_entropy, list(self.spawn_key)],
            "outcomes": [list(self.final), list(self.yearly)],
        }
        text = json.dumps(identity, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Plan:
    """The runs of a sweep, in plan order, the scenarios they come from and the policies they compare."""

    loaded: LoadedSpec
    design: Design
    tasks: list[RunTask]
    policies: pd.DataFrame = field(default_factory=pd.DataFrame)  # policy, kind, one column per lever

    @property
    def policy_names(self) -> list[str]:
        """Baseline first, then the named policies, then those drawn from the levers."""
        return list(self.policies["policy"])


def count_runs(spec: ExperimentSpec) -> int:
    """The number of runs a spec plans (points x replications x policies), without drawing its design."""
    return count_points(spec) * spec.replications * count_policies(spec)


def count_policies(spec: ExperimentSpec) -> int:
    """Baseline, named policies and the lever design's policies."""
    return len(spec.named_policies) + count_lever_points(spec)


def check_run_count(spec: ExperimentSpec, max_runs: int = DEFAULT_MAX_RUNS) -> int:
    """The spec's run count, or a one-line error if it is above `max_runs`."""
    runs = count_runs(spec)
    if runs > max_runs:
        raise SpecError(
            f"spec {spec.name!r} plans {runs:,} runs, above the limit of {max_runs:,}; make the design smaller, "
            f"or raise the limit with --max-runs {runs}"
        )
    return runs


def policy_table(loaded: LoadedSpec) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Every policy (baseline, named, drawn from the levers) with its lever values, and each one's overrides."""
    spec = loaded.spec
    drawn = make_lever_points(spec)
    levers = spec.lever_names
    overrides: dict[str, dict[str, Any]] = {BASELINE: {}, **spec.policies}
    kinds = {BASELINE: "baseline", **dict.fromkeys(spec.policies, "named")}
    for row in drawn.to_dict("records"):
        name = row.pop("policy")
        overrides[name] = {lever: _plain(row[lever]) for lever in levers}
        kinds[name] = "levers"
    base = loaded.scenario.overrides
    defaults = {name: ModelParameters.model_fields[name].get_default(call_default_factory=True) for name in levers}
    rows = []
    for name, extra in overrides.items():
        values = {lever: extra.get(lever, spec.fixed.get(lever, base.get(lever, defaults[lever]))) for lever in levers}
        rows.append({"policy": name, "kind": kinds[name], **values})
    table = pd.DataFrame(rows, columns=["policy", "kind", *levers])
    for lever in levers:
        if not drawn.empty:
            table[lever] = table[lever].astype(drawn[lever].dtype, errors="ignore")
    return table, overrides


def plan_sweep(loaded: LoadedSpec, max_runs: int = DEFAULT_MAX_RUNS) -> Plan:
    """Expand the spec into runs: every point x replication x policy, with its seed (refused above `max_runs`)."""
    spec = loaded.spec
    check_run_count(spec, max_runs)
    design = make_design(spec)
    policies, overrides = policy_table(loaded)
    lever_values = policies.set_index("policy")[spec.lever_names].to_dict("index")
    tasks = []
    names = spec.uncertainty_names
    for row in design.points.itertuples(index=False):
        point = {name: _plain(getattr(row, name)) for name in names}
        point_id = int(row.point_id)
        for replication in range(spec.replications):
            key = (replication,) if spec.seed_policy == "common" else (point_id, replication)
            for policy, extra in overrides.items():
                tasks.append(
                    RunTask(
                        run_id=f"{point_id}-{replication}-{policy}",
                        point_id=point_id,
                        replication=replication,
                        policy=policy,
                        point=point,
                        levers={lever: _plain(value) for lever, value in lever_values[policy].items()},
                        overrides={**spec.fixed, **point, **extra},
                        seed_entropy=spec.seed,
                        spawn_key=key,
                        scenario=loaded.scenario,
                        years=spec.years,
                        final=tuple(spec.outcomes.final),
                        yearly=tuple(spec.outcomes.yearly),
                    )
                )
    return Plan(loaded, design, tasks, policies)


def runs_breaking_rules(plan: Plan) -> list[tuple[RunTask, str]]:
    """Runs whose parameters pass one by one but break a rule between parameters, with the message.

    Such runs are not dropped: they run and are recorded as failed, like any run that raises. This
    check only tells the user before the sweep starts.
    """
    verdicts: dict[str, str] = {}
    broken = []
    for task in plan.tasks:
        key = repr(sorted(task.overrides.items()))
        if key not in verdicts:
            try:
                task.scenario.parameters(**task.overrides)
                verdicts[key] = ""
            except ParameterError as exc:
                verdicts[key] = str(exc)
        if verdicts[key]:
            broken.append((task, verdicts[key]))
    return broken


def _plain(value: Any) -> Any:
    """A numpy scalar as the matching Python scalar (so parameters validate and pickle simply)."""
    return value.item() if isinstance(value, np.generic) else value


def execute_run(task: RunTask) -> dict[str, Any]:
    """Run one task in a worker; a model error is caught and returned as a failed run, never raised."""
    from model.runner import run

    started = time.perf_counter()
    row: dict[str, Any] = {
        "run_id": task.run_id,
        "point_id": task.point_id,
        "replication": task.replication,
        "policy": task.policy,
        "seed_entropy": task.seed_entropy,
        "seed_spawn_key": ".".join(map(str, task.spawn_key)),
        "run_hash": task.run_hash(),
        "status": "ok",
        "error": "",
        **task.point,
        **task.levers,
    }
    series: list[dict[str, Any]] = []
    try:
        result = run(task.scenario, years=task.years, seed=task.seed(), **task.overrides)
        for name in task.final:
            row[name] = final_value(name, result)
        for name in task.yearly:
            for year, value in yearly_series(name, result).items():
                series.append(
                    {
                        "run_id": task.run_id,
                        "policy": task.policy,
                        "point_id": task.point_id,
                        "replication": task.replication,
                        "metric": name,
                        "year": int(year),
                        "value": float(value),
                    }
                )
    except Exception as exc:
        row["status"] = "failed"
        row["error"] = f"{exc.__class__.__name__}: {exc}".replace("\n", " ")[:1000]
        series = []
        for name in task.final:
            row[name] = float("nan")
    row["duration_s"] = time.perf_counter() - started
    return {"run": row, "series": series}


def run_dtypes(plan: Plan) -> dict[str, Any]:
    """Column types of the runs table, so every part file has the same schema."""
    dtypes: dict[str, Any] = {
        "run_id": "object",
        "point_id": "int64",
        "replication": "int64",
        "policy": "object",
        "seed_entropy": "int64",
        "seed_spawn_key": "object",
        "run_hash": "object",
        "status": "object",
        "error": "object",
        "duration_s": "float64",
    }
    for name in plan.loaded.spec.uncertainty_names:
        dtypes[name] = plan.design.points[name].dtype
    for name in plan.loaded.spec.lever_names:
        dtypes[name] = plan.policies[name].dtype
    for name in plan.loaded.spec.outcomes.final:
        dtypes[name] = "float64"
    return dtypes


# --- Running -----------------------------------------------------------------------------------

RESULT_WAIT_S = 1.0  # how often to look at the workers while waiting for results


class SweepAborted(RuntimeError):
    """The sweep stopped on an error outside the model runs (a dead worker, a lost cluster); finished runs are kept."""


@dataclass
class SweepOutcome:
    """What a sweep session did."""

    out: Path
    runs_planned: int
    runs_done_before: int
    runs_done_now: int
    failures: int
    runs: pd.DataFrame
    series: pd.DataFrame
    runs_rerun_damaged: list[str] = field(default_factory=list)


def _in_flight_limit(workers: int) -> int:
    """How many runs to keep submitted at once: enough to keep every worker busy."""
    return max(4, 3 * workers)


def iterate_results(
    executor: futures.Executor, tasks: list[RunTask], limit: int, check: Callable[[], None] = lambda: None
) -> Iterator[dict[str, Any]]:
    """Submit tasks with at most `limit` in flight and yield each result as it finishes; `check` runs while waiting."""
    queue = iter(tasks)
    pending: set[futures.Future] = set()
    try:
        while True:
            while len(pending) < limit:
                task = next(queue, None)
                if task is None:
                    break
                pending.add(executor.submit(execute_run, task))
            if not pending:
                return
            done, pending = futures.wait(pending, timeout=RESULT_WAIT_S, return_when=futures.FIRST_COMPLETED)
            for future in done:
                yield future.result()
            if not done:
                check()
    finally:
        for future in pending:
            future.cancel()


def start_workers(
    workers: int, scheduler: str | None, code: dict[str, Any], worker_timeout_s: float, allow_code_change: bool
) -> Workers:
    """A local process pool, or the Dask cluster at `scheduler` once its workers passed their checks."""
    if scheduler:
        return dask_cluster(scheduler, code, worker_timeout_s, allow_code_change)
    return local_pool(workers)


def given_executor(executor: futures.Executor, slots: int | None = None) -> Workers:
    """A caller's own executor: used as it is and left open (the caller shuts it down)."""
    slots = slots or getattr(executor, "_max_workers", None) or os.cpu_count() or 1
    return Workers(executor, int(slots), lambda: None)


def run_sweep(
    plan: Plan,
    out: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    allow_code_change: bool = False,
    worker_timeout_s: float = DEFAULT_WORKER_TIMEOUT_S,
    extend: bool = False,
    executor: futures.Executor | None = None,
) -> SweepOutcome:
    """Run, resume or extend a planned sweep into `out`, writing each run as it finishes; return the merged tables.

    The runs go to `executor` if given (any `concurrent.futures.Executor`, left open), else to the Dask
    cluster at `scheduler`, else to a pool of `workers` processes on this machine.
    """
    workers = workers or os.cpu_count() or 1
    code = code_version()
    check_sweep_folder(plan.loaded, out, resume, code, allow_code_change, extend)  # before anything is written
    if executor is not None:
        pool = given_executor(executor)
    else:
        pool = start_workers(workers, scheduler, code, worker_timeout_s, allow_code_change)
    session = new_session(code, None if scheduler or executor else workers, scheduler)
    try:
        lock, manifest = open_sweep_folder(plan, out, session, resume, allow_code_change, extend)
    except BaseException:
        pool.close()
        raise
    try:
        return _run_session(plan, out, pool, manifest, session, resume or extend, progress)
    finally:
        pool.close()
        unlock_folder(lock)


def _run_session(
    plan: Plan,
    out: Path,
    pool: Workers,
    manifest: dict[str, Any],
    session: dict[str, Any],
    resume: bool,
    progress: bool,
) -> SweepOutcome:
    """Run the runs not finished yet in a locked folder, then merge the parts and close the session."""
    store = PartStore(out, policy_order=plan.policy_names)
    damaged = store.drop_unreadable() if resume else []
    if damaged:
        session["runs_rerun_damaged"] = damaged
        print(
            f"borrowed-time: warning: {len(damaged)} finished runs had damaged part files and run again "
            f"(run {', '.join(map(str, damaged[:5]))}{', ...' if len(damaged) > 5 else ''})",
            file=sys.stderr,
        )
    finished = store.finished_ids()
    todo = [task for task in plan.tasks if task.run_id not in finished]
    session["runs_done_before"] = len(finished)
    atomic_write_json(manifest, out / MANIFEST_FILE)
    failures_before = int((store.read_runs()["status"] == "failed").sum()) if finished else 0
    aborted = _run_tasks(plan, store, pool, todo, session, failures_before, progress)
    runs, series = store.consolidate()
    _close_session(plan, out, manifest, session, runs, aborted)
    if aborted:
        raise SweepAborted(
            f"the sweep stopped after {len(runs)} of {len(plan.tasks)} runs on an error outside the model "
            f"runs ({aborted}); finished runs are kept; rerun with --resume to carry on"
        )
    return SweepOutcome(
        out, len(plan.tasks), len(finished), session["runs_done"], manifest["runs_failed"], runs, series, damaged
    )


def _run_tasks(
    plan: Plan,
    store: PartStore,
    pool: Workers,
    todo: list[RunTask],
    session: dict[str, Any],
    failures_before: int,
    progress: bool,
) -> str | None:
    """Run `todo` on the pool, writing each result as it comes; return why the session stopped early, if it did."""
    from tqdm import tqdm

    if not todo:
        return None
    dtypes = run_dtypes(plan)
    failures = 0
    bar = tqdm(
        total=len(plan.tasks),
        initial=len(plan.tasks) - len(todo),
        unit="run",
        desc=plan.loaded.spec.name,
        disable=not progress,
        dynamic_ncols=True,
    )
    bar.set_postfix(failed=failures_before)
    try:
        for result in iterate_results(pool.executor, todo, _in_flight_limit(pool.slots), pool.check):
            store.write(result["run"], result["series"], dtypes)
            session["runs_done"] += 1
            failures += result["run"]["status"] == "failed"
            bar.update(1)
            bar.set_postfix(failed=failures_before + failures, refresh=False)
    except Exception as exc:
        return f"{exc.__class__.__name__}: {exc}".replace("\n", " ")[:300]
    finally:
        bar.close()
        pool.close()  # before the parts are merged: no worker is left running
    return None


def _close_session(
    plan: Plan, out: Path, manifest: dict[str, Any], session: dict[str, Any], runs: pd.DataFrame, aborted: str | None
) -> None:
    """Write the manifest's final state: status, counts, durations, failures, and how to carry on."""
    session["ended"] = now()
    manifest["ended"] = session["ended"]
    manifest["status"] = "complete" if len(runs) == len(plan.tasks) else "incomplete"
    manifest["runs_finished"] = len(runs)
    manifest["runs_failed"] = int((runs["status"] == "failed").sum()) if len(runs) else 0
    manifest["run_durations_s"] = {str(r): round(float(d), 4) for r, d in zip(runs["run_id"], runs["duration_s"])}
    manifest["failures"] = (
        [
            {"run_id": str(row.run_id), "policy": row.policy, "point_id": int(row.point_id), "error": row.error}
            for row in runs[runs["status"] == "failed"].itertuples()
        ]
        if len(runs)
        else []
    )
    manifest.pop("resume_with", None)
    if aborted:
        manifest["status"] = "aborted"
        session["error"] = aborted
    if manifest["status"] != "complete":
        manifest["resume_with"] = f"borrowed-time sweep {plan.loaded.origin} --out {out} --resume"
    atomic_write_json(manifest, out / MANIFEST_FILE)
