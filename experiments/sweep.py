"""The sweep runner: plan runs from a spec, run them on any `concurrent.futures.Executor`, keep results.

Each run gets its seed from the spec's root seed through `numpy.random.SeedSequence`, keyed by
its replication (and, with `seed_policy = "independent"`, its point), never by the order in which
runs finish, so results do not depend on the number of workers. Policies share their seeds
(common random numbers). Results are written as runs finish (see `experiments/store.py`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.design import Design, make_design
from experiments.metrics import final_value, yearly_series
from experiments.spec import BASELINE, LoadedSpec, SpecError
from experiments.store import DESIGN_FILE, MANIFEST_FILE, PartStore, atomic_write_json, atomic_write_parquet
from model.parameters import ParameterError
from model.scenarios import Scenario

PACKAGES = ("borrowed-time", "mesa", "numpy", "pandas", "pyarrow", "SALib", "scipy", "dask", "distributed")


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs to make one run; picklable."""

    run_id: int
    point_id: int
    replication: int
    policy: str
    point: dict[str, Any]  # varied parameters at this point
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


@dataclass
class Plan:
    """The runs of a sweep, in run-id order, and the design they come from."""

    loaded: LoadedSpec
    design: Design
    tasks: list[RunTask]


def plan_sweep(loaded: LoadedSpec) -> Plan:
    """Expand the spec into runs: every point x replication x policy, with its seed."""
    spec = loaded.spec
    design = make_design(spec)
    policies = spec.policy_names
    tasks = []
    names = list(spec.parameters)
    for row in design.points.itertuples(index=False):
        point = {name: _plain(getattr(row, name)) for name in names}
        for replication in range(spec.replications):
            key = (replication,) if spec.seed_policy == "common" else (row.point_id * spec.replications + replication,)
            for policy in policies:
                extra = {} if policy == BASELINE else spec.policies[policy]
                tasks.append(
                    RunTask(
                        run_id=len(tasks),
                        point_id=int(row.point_id),
                        replication=replication,
                        policy=policy,
                        point=point,
                        overrides={**spec.fixed, **point, **extra},
                        seed_entropy=spec.seed,
                        spawn_key=key,
                        scenario=loaded.scenario,
                        years=spec.years,
                        final=tuple(spec.outcomes.final),
                        yearly=tuple(spec.outcomes.yearly),
                    )
                )
    return Plan(loaded, design, tasks)


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
        "status": "ok",
        "error": "",
        **task.point,
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
        "run_id": "int64",
        "point_id": "int64",
        "replication": "int64",
        "policy": "object",
        "seed_entropy": "int64",
        "seed_spawn_key": "object",
        "status": "object",
        "error": "object",
        "duration_s": "float64",
    }
    for name in plan.loaded.spec.parameters:
        dtypes[name] = plan.design.points[name].dtype
    for name in plan.loaded.spec.outcomes.final:
        dtypes[name] = "float64"
    return dtypes


# --- Provenance --------------------------------------------------------------------------------


def git_state() -> dict[str, Any]:
    """The git commit of the code and whether the work tree had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str | None:
        """Run a git command in the project folder; None when git or the repository is missing."""
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def package_versions() -> dict[str, str | None]:
    """Versions of Python and the packages results depend on."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def now() -> str:
    """The current UTC time in ISO format."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_manifest(plan: Plan) -> dict[str, Any]:
    """The manifest written when a sweep starts."""
    loaded = plan.loaded
    spec = loaded.spec
    canonical = loaded.canonical()
    packages = package_versions()
    return {
        "name": spec.name,
        "spec_file": loaded.origin,
        "spec": canonical["spec"],
        "scenario_overrides": canonical["scenario_overrides"],
        "spec_hash": loaded.spec_hash(),
        "version": packages["borrowed-time"],
        "git": git_state(),
        "packages": packages,
        "seeds": {
            "root": spec.seed,
            "policy": spec.seed_policy,
            "rule": "run seed = numpy.random.SeedSequence(root, spawn_key=(k,)); k = replication (common) "
            "or point_id * replications + replication (independent); policies share seeds",
        },
        "design": {"kind": spec.design.kind, "points": len(plan.design.points), "salib_problem": plan.design.problem},
        "parameters": list(spec.parameters),
        "outcomes": {"final": spec.outcomes.final, "yearly": spec.outcomes.yearly},
        "policies": spec.policy_names,
        "runs_planned": len(plan.tasks),
        "status": "running",
        "sessions": [],
        "started": now(),
        "ended": None,
    }


# --- Running -----------------------------------------------------------------------------------


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


def prepare_output(plan: Plan, out: Path, resume: bool) -> dict[str, Any]:
    """Create or reopen the output folder; refuse to mix sweeps; return the manifest."""
    manifest_path = out / MANIFEST_FILE
    if resume:
        if not manifest_path.is_file():
            raise SpecError(f"--resume: {str(out)!r} holds no sweep manifest; run without --resume to start one")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("spec_hash") != plan.loaded.spec_hash():
            raise SpecError(
                f"--resume: the spec differs from the one {str(out)!r} was started with "
                "(spec hash mismatch); use another --out"
            )
        return manifest
    if out.exists() and any(out.iterdir()):
        raise SpecError(
            f"--out {str(out)!r} is not empty; pass --resume to continue its sweep or choose another folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    manifest = new_manifest(plan)
    points = plan.design.points.copy()
    if plan.design.samples is not None:
        for j, name in enumerate(plan.loaded.spec.parameters):
            points[f"sample.{name}"] = plan.design.samples[:, j]
    atomic_write_parquet(points, out / DESIGN_FILE)
    atomic_write_json(manifest, manifest_path)
    return manifest


def _in_flight_limit(workers: int) -> int:
    """How many runs to keep submitted at once: enough to keep every worker busy."""
    return max(4, 3 * workers)


def iterate_results(executor: futures.Executor, tasks: list[RunTask], limit: int) -> Iterator[dict[str, Any]]:
    """Submit tasks with at most `limit` in flight and yield each result as it finishes."""
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
            done, pending = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()


def make_executor(workers: int, scheduler: str | None) -> tuple[futures.Executor, int, Any]:
    """A process pool, or a Dask cluster's executor; returns it, its worker count and a closer."""
    if scheduler:
        from dask.distributed import Client

        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise SpecError(f"--scheduler {scheduler!r}: cannot connect ({exc.__class__.__name__})") from None
        slots = max(1, sum(client.nthreads().values()))

        def close() -> None:
            """Close the client (the cluster keeps running)."""
            client.close()

        return client.get_executor(), slots, close
    import multiprocessing

    pool = futures.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
    return pool, workers, lambda: pool.shutdown(wait=True, cancel_futures=True)


def run_sweep(
    plan: Plan,
    out: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
) -> SweepOutcome:
    """Run (or resume) a planned sweep into `out`, writing each run as it finishes; return the merged tables."""
    from tqdm import tqdm

    workers = workers or os.cpu_count() or 1
    executor, slots, close = make_executor(workers, scheduler)  # before writing anything: a bad address fails cleanly
    try:
        manifest = prepare_output(plan, out, resume)
    except BaseException:
        close()
        raise
    store = PartStore(out)
    finished = store.finished_ids()
    todo = [task for task in plan.tasks if task.run_id not in finished]
    session = {
        "started": now(),
        "ended": None,
        "workers": None if scheduler else workers,
        "scheduler": scheduler,
        "runs_done_before": len(finished),
        "runs_done": 0,
    }
    manifest["sessions"].append(session)
    manifest["status"] = "running"
    atomic_write_json(manifest, out / MANIFEST_FILE)
    dtypes = run_dtypes(plan)
    failures_before = 0
    if finished:
        failures_before = int((store.read_runs()["status"] == "failed").sum())
    failures = 0
    aborted: str | None = None
    if not todo:
        close()
    else:
        bar = tqdm(
            total=len(plan.tasks),
            initial=len(finished),
            unit="run",
            desc=plan.loaded.spec.name,
            disable=not progress,
            dynamic_ncols=True,
        )
        bar.set_postfix(failed=failures_before)
        try:
            for result in iterate_results(executor, todo, _in_flight_limit(slots)):
                store.write(result["run"], result["series"], dtypes)
                session["runs_done"] += 1
                failures += result["run"]["status"] == "failed"
                bar.update(1)
                bar.set_postfix(failed=failures_before + failures, refresh=False)
        except Exception as exc:
            aborted = f"{exc.__class__.__name__}: {exc}".replace("\n", " ")[:300]
        finally:
            bar.close()
            close()
    runs, series = store.consolidate()
    session["ended"] = now()
    manifest["ended"] = session["ended"]
    manifest["status"] = "complete" if len(runs) == len(plan.tasks) else "incomplete"
    manifest["runs_finished"] = len(runs)
    manifest["runs_failed"] = int((runs["status"] == "failed").sum()) if len(runs) else 0
    manifest["run_durations_s"] = {int(r): round(float(d), 4) for r, d in zip(runs["run_id"], runs["duration_s"])}
    manifest["failures"] = (
        [
            {"run_id": int(row.run_id), "policy": row.policy, "point_id": int(row.point_id), "error": row.error}
            for row in runs[runs["status"] == "failed"].itertuples()
        ]
        if len(runs)
        else []
    )
    if aborted:
        manifest["status"] = "aborted"
        session["error"] = aborted
    atomic_write_json(manifest, out / MANIFEST_FILE)
    if aborted:
        raise SweepAborted(
            f"the sweep stopped after {len(runs)} of {len(plan.tasks)} runs on an error outside the model "
            f"runs ({aborted}); finished runs are kept; rerun with --resume to carry on"
        )
    return SweepOutcome(
        out, len(plan.tasks), len(finished), session["runs_done"], manifest["runs_failed"], runs, series
    )


def estimate_seconds_per_run(loaded: LoadedSpec) -> tuple[float, float]:
    """Time two short pilot runs of the base scenario (with the fixed overrides); scale it to the horizon."""
    from model.runner import run

    pilot_years = min(1.0, loaded.spec.years)
    timings = []
    for _ in range(2):  # the first run in a process pays one-off set-up costs; keep the faster
        started = time.perf_counter()
        run(loaded.scenario, years=pilot_years, seed=np.random.SeedSequence(loaded.spec.seed), **loaded.spec.fixed)
        timings.append(time.perf_counter() - started)
    return min(timings) * loaded.spec.years / pilot_years, pilot_years
