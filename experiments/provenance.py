"""Which code made a sweep's runs: git commit and dirty flag, a hash of the installed model sources, versions.

A sweep records `code_version()` for every session. Two sessions ran the same model when their
source hashes and the versions of the libraries the runs compute with agree (the git commit is
kept beside them for people; a commit that changes only documentation changes no result).
"""

from __future__ import annotations

import hashlib
import importlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("borrowed-time", "mesa", "numpy", "pandas", "pyarrow", "SALib", "scipy", "dask", "distributed")
MODEL_PACKAGES = ("agents", "model", "experiments")  # the code a sweep's runs execute
SOURCE_SUFFIXES = (".py", ".toml")
NOT_MODEL_CODE = ("experiments/specs/",)  # spec files are hashed per sweep (the spec hash)
RESULT_LIBRARIES = ("mesa", "numpy", "pandas", "scipy", "SALib")  # a new version may change results


def git_state() -> dict[str, Any]:
    """The git commit of the code and whether the work tree had uncommitted changes (None without git)."""
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


def sources_sha256(roots: dict[str, Path]) -> str:
    """SHA-256 over the source files (`.py`, `.toml`) under each named package folder, by relative path."""
    digest = hashlib.sha256()
    for name, root in sorted(roots.items()):
        for path in sorted(root.rglob("*")):
            relative = f"{name}/{path.relative_to(root).as_posix()}"
            if path.suffix not in SOURCE_SUFFIXES or "__pycache__" in path.parts or relative.startswith(NOT_MODEL_CODE):
                continue
            digest.update(relative.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def model_package_folders() -> dict[str, Path]:
    """Where the installed model packages live."""
    return {name: Path(importlib.import_module(name).__file__).parent for name in MODEL_PACKAGES}


def code_version() -> dict[str, Any]:
    """This process's code: git commit and dirty flag, the model sources' hash, library versions."""
    versions = package_versions()
    return {
        **git_state(),
        "sources_sha256": sources_sha256(model_package_folders()),
        "libraries": {name: versions[name] for name in RESULT_LIBRARIES},
    }


def code_change(before: dict[str, Any] | None, now: dict[str, Any]) -> str | None:
    """What differs between two code versions in a way that can change results, in words; None if nothing."""
    if not before or "sources_sha256" not in before:
        return "the code version of the earlier sessions is not recorded"
    changes = []
    if before["sources_sha256"] != now["sources_sha256"]:
        changes.append(f"model sources differ (commit {_short(before.get('commit'))} -> {_short(now.get('commit'))})")
    for name, version in now["libraries"].items():
        earlier = before.get("libraries", {}).get(name)
        if earlier != version:
            changes.append(f"{name} {earlier} -> {version}")
    return "; ".join(changes) or None


def _short(commit: str | None) -> str:
    """A commit id shortened for messages, or 'none' without git."""
    return commit[:10] if commit else "none"
