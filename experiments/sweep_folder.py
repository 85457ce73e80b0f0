"""A sweep's output folder: who may write it, one writer at a time, and the manifest it starts with.

A new sweep writes only into a new or empty folder; a folder a sweep made (its marker says so) is
written again only by `--resume` with the same spec, or by `--extend` with a spec that keeps every
finished run as it is (more replications, points appended to the design, more policies), and,
unless `--allow-code-change` is given, the same model code. While a sweep writes, it holds a lock on the folder (`folder_lock`); a second
sweep is refused with a line naming the holder from the manifest's open session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from experiments.folder_lock import try_lock_folder, unlock_folder
from experiments.outfolder import check_output_folder, write_marker
from experiments.provenance import code_change, git_state, package_versions
from experiments.spec import LoadedSpec, SpecError
from experiments.store import (
    DESIGN_FILE,
    MANIFEST_FILE,
    POLICIES_FILE,
    PartStore,
    atomic_write_json,
    atomic_write_parquet,
    read_manifest,
    read_parquet,
)

if TYPE_CHECKING:
    from experiments.sweep import Plan

RUN_ID_RULE = "<point_id>-<replication>-<policy>"
SEED_RULE = (
    "run seed = numpy.random.SeedSequence(root, spawn_key=key); key = (replication,) (common) or "
    "(point_id, replication) (independent); policies share seeds"
)

SWEEP_KIND = "sweep"


def now() -> str:
    """The current UTC time in ISO format."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_session(code: dict[str, Any], workers: int | None = None, scheduler: str | None = None) -> dict[str, Any]:
    """This process's session record: when, which process on which host, what workers, which code."""
    return {
        "started": now(),
        "ended": None,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "workers": workers,
        "scheduler": scheduler,
        "code": code,
        "runs_done_before": 0,
        "runs_done": 0,
    }


def last_code(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The code version the latest session recorded, or None if none did."""
    return next((s["code"] for s in reversed(manifest["sessions"]) if isinstance(s, dict) and s.get("code")), None)


def check_sweep_folder(
    loaded: LoadedSpec,
    out: Path,
    resume: bool,
    code: dict[str, Any],
    allow_code_change: bool = False,
    extend: bool = False,
) -> dict[str, Any] | None:
    """Check, writing nothing, that this sweep may write `out`; return the manifest to carry on, or None to start."""
    ours = check_output_folder(out, SWEEP_KIND)
    started = ours and ((out / MANIFEST_FILE).exists() or (out / "parts").exists())
    option = "--extend" if extend else "--resume"
    if not (resume or extend):
        if started:
            raise SpecError(
                f"--out {str(out)!r} holds a sweep already; pass --resume to continue it, --extend to grow it with a "
                "spec that adds replications, points or policies, or choose another folder"
            )
        return None
    if not started:
        raise SpecError(f"{option}: {str(out)!r} holds no sweep; run without {option} to start one")
    manifest = read_manifest(out)
    if manifest.get("run_ids") != RUN_ID_RULE or manifest["seeds"].get("rule") != SEED_RULE:
        raise SpecError(
            f"{option}: {str(out)!r} was made by an earlier version of borrowed-time (other run ids or seed rule); "
            "finish it with that version, or start a new --out"
        )
    if not extend and manifest["spec_hash"] != loaded.spec_hash():
        raise SpecError(
            f"--resume: the spec differs from the one {str(out)!r} was started with (spec hash mismatch); "
            "use --extend if it only adds replications, points or policies, or use another --out"
        )
    change = code_change(last_code(manifest), code)
    if change and not allow_code_change:
        raise SpecError(
            f"{option}: the code changed since the last session in {str(out)!r} ({change}); carrying on would mix "
            "model versions in one table: pass --allow-code-change to carry on anyway (recorded in the manifest), "
            "or start a new --out"
        )
    return manifest


def check_extension(plan: Plan, out: Path) -> int:
    """Refuse (one line) an extension that would change or drop a finished run or move a point; return runs to add."""
    store = PartStore(out, writing=False)
    finished = store.finished_ids()
    planned = {task.run_id: task for task in plan.tasks}
    earlier = read_parquet(out / DESIGN_FILE, "the sweep must be run again in a new folder")
    names = [name for name in earlier.columns if name != "point_id" and not name.startswith("sample.")]
    now = plan.design.points
    if len(now) < len(earlier) or list(now.columns[: len(names) + 1]) != ["point_id", *names]:
        raise SpecError(
            f"--extend: the design of {str(out)!r} has {len(earlier)} points over {names}; the new spec's design "
            "must keep them and may only add points after them"
        )
    if not now.head(len(earlier))[names].reset_index(drop=True).equals(earlier[names].reset_index(drop=True)):
        raise SpecError(
            "--extend: the new spec's design changes or moves points the sweep already has; add points only after "
            "them (for example rows appended to a design file)"
        )
    runs = store.read_runs() if finished else pd.DataFrame(columns=["run_id", "run_hash"])
    for run_id, run_hash in zip(runs["run_id"], runs["run_hash"]):
        task = planned.get(run_id)
        if task is None or task.run_hash() != run_hash:
            what = "drops" if task is None else "changes"
            raise SpecError(
                f"--extend: the new spec {what} run {run_id} that {str(out)!r} already holds (an extension may add "
                "replications, points or policies; it may not change the scenario, years, seed, fixed values, "
                "outcomes or a policy); use another --out"
            )
    return len(plan.tasks) - len(finished & set(planned))


def holder(out: Path) -> str:
    """Who holds a sweep folder, from the open session of its manifest."""
    try:
        session = read_manifest(out)["sessions"][-1]
    except (SpecError, IndexError, TypeError):
        session = {}
    if isinstance(session, dict) and session.get("ended") is None and "pid" in session:
        return f"pid {session['pid']} on host {session.get('host')}, started {session.get('started')}"
    return "a sweep that is just starting"


def open_sweep_folder(
    plan: Plan,
    out: Path,
    session: dict[str, Any],
    resume: bool = False,
    allow_code_change: bool = False,
    extend: bool = False,
) -> tuple[int, dict[str, Any]]:
    """Lock `out` (creating it) and start, reopen or extend its sweep with `session` added; return lock and manifest."""
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    lock = try_lock_folder(out)
    if lock is None:
        raise SpecError(f"--out {str(out)!r} is being written by another sweep ({holder(out)}); wait for it to end")
    try:
        manifest = check_sweep_folder(plan.loaded, out, resume, session["code"], allow_code_change, extend)
        if manifest is None:
            write_marker(out, SWEEP_KIND)
            manifest = new_manifest(plan)
            write_plan_tables(plan, out)
        elif extend and manifest["spec_hash"] != plan.loaded.spec_hash():
            added = check_extension(plan, out)  # now unrivalled
            manifest = extended_manifest(manifest, plan, added)
            write_plan_tables(plan, out)
        change = code_change(last_code(manifest), session["code"]) if manifest["sessions"] else None
        if change:
            session["code_change_allowed"] = change
            manifest["code_changed"] = True
        manifest["sessions"].append(session)
        manifest["status"] = "running"
        atomic_write_json(manifest, out / MANIFEST_FILE)
    except BaseException:
        unlock_folder(lock)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty
        raise
    return lock, manifest


def write_plan_tables(plan: Plan, out: Path) -> None:
    """Write the design (scenarios) and the policies of a plan."""
    atomic_write_parquet(design_frame(plan), out / DESIGN_FILE)
    atomic_write_parquet(plan.policies, out / POLICIES_FILE)


def extended_manifest(manifest: dict[str, Any], plan: Plan, added: int) -> dict[str, Any]:
    """The manifest of a sweep grown by a new spec: the new spec and plan, and a record of the extension."""
    fresh = new_manifest(plan)
    record = {"time": now(), "from_spec_hash": manifest["spec_hash"], "to_spec_hash": fresh["spec_hash"]}
    record["runs_added"] = added
    keep = {key: manifest[key] for key in ("sessions", "started", "code_changed") if key in manifest}
    return {**fresh, **keep, "extensions": [*manifest.get("extensions", []), record]}


def design_frame(plan: Plan) -> Any:
    """The design points, with SALib's sample matrix as `sample.<name>` columns for Sobol and Morris."""
    points = plan.design.points.copy()
    if plan.design.samples is not None:
        for j, name in enumerate(plan.loaded.spec.uncertainty_names):
            points[f"sample.{name}"] = plan.design.samples[:, j]
    return points


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
        "seeds": {"root": spec.seed, "policy": spec.seed_policy, "rule": SEED_RULE},
        "run_ids": RUN_ID_RULE,
        "design": {"kind": spec.design.kind, "points": len(plan.design.points), "salib_problem": plan.design.problem},
        "uncertainties": spec.uncertainty_names,
        "levers": spec.lever_names,
        "outcomes": {"final": spec.outcomes.final, "yearly": spec.outcomes.yearly},
        "goals": {name: goal.model_dump() for name, goal in spec.goals.items()},
        "policies": plan.policy_names,
        "runs_planned": len(plan.tasks),
        "status": "running",
        "sessions": [],
        "started": now(),
        "ended": None,
    }
