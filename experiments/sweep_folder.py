"""A sweep's output folder: who may write it, one writer at a time, and the manifest it starts with.

A new sweep writes only into a new or empty folder; a folder a sweep made (its marker says so) is
written again only by `--resume` with the same spec and, unless `--allow-code-change` is given,
the same model code. While a sweep writes, it holds a lock on the folder (`folder_lock`); a second
sweep is refused with a line naming the holder from the manifest's open session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from experiments.folder_lock import try_lock_folder, unlock_folder
from experiments.outfolder import check_output_folder, write_marker
from experiments.provenance import code_change, git_state, package_versions
from experiments.spec import LoadedSpec, SpecError
from experiments.store import DESIGN_FILE, MANIFEST_FILE, atomic_write_json, atomic_write_parquet, read_manifest

if TYPE_CHECKING:
    from experiments.sweep import Plan

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
    loaded: LoadedSpec, out: Path, resume: bool, code: dict[str, Any], allow_code_change: bool = False
) -> dict[str, Any] | None:
    """Check, writing nothing, that this sweep may write `out`; return the manifest to resume, or None to start."""
    ours = check_output_folder(out, SWEEP_KIND)
    started = ours and ((out / MANIFEST_FILE).exists() or (out / "parts").exists())
    if not resume:
        if started:
            raise SpecError(
                f"--out {str(out)!r} holds a sweep already; pass --resume to continue it, or choose another folder"
            )
        return None
    if not started:
        raise SpecError(f"--resume: {str(out)!r} holds no sweep; run without --resume to start one")
    manifest = read_manifest(out)
    if manifest["spec_hash"] != loaded.spec_hash():
        raise SpecError(
            f"--resume: the spec differs from the one {str(out)!r} was started with (spec hash mismatch); "
            "use another --out"
        )
    change = code_change(last_code(manifest), code)
    if change and not allow_code_change:
        raise SpecError(
            f"--resume: the code changed since the last session in {str(out)!r} ({change}); resuming would mix "
            "model versions in one table: pass --allow-code-change to resume anyway (recorded in the manifest), "
            "or start a new --out"
        )
    return manifest


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
    plan: Plan, out: Path, session: dict[str, Any], resume: bool = False, allow_code_change: bool = False
) -> tuple[int, dict[str, Any]]:
    """Lock `out` (creating it) and start or reopen its sweep with `session` added; return the lock and manifest."""
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    lock = try_lock_folder(out)
    if lock is None:
        raise SpecError(f"--out {str(out)!r} is being written by another sweep ({holder(out)}); wait for it to end")
    try:
        manifest = check_sweep_folder(plan.loaded, out, resume, session["code"], allow_code_change)  # now unrivalled
        if manifest is None:
            write_marker(out, SWEEP_KIND)
            manifest = new_manifest(plan)
            atomic_write_parquet(design_frame(plan), out / DESIGN_FILE)
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


def design_frame(plan: Plan) -> Any:
    """The design points, with SALib's sample matrix as `sample.<name>` columns for Sobol and Morris."""
    points = plan.design.points.copy()
    if plan.design.samples is not None:
        for j, name in enumerate(plan.loaded.spec.parameters):
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
