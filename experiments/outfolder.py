"""Output folders the program may write: never a folder it did not create, never above or over a file.

Every folder a command writes (`run`, `sweep`, `analyze`) holds a marker file naming the command
that made it. An existing folder is written into only when it is empty or carries the marker of
the same command; a marked folder is replaced only when the user asks (`--force`) or resumed only
by the command that made it. Anything else is refused with a one-line `ParameterError`, before
anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from model.parameters import ParameterError

MARKER = ".borrowed-time"
COMMAND_OF_KIND = {"analysis": "analyze"}  # a kind that is not itself the name of the command that writes it


def marker_kind(folder: Path) -> str | None:
    """The command that made `folder` (from its marker file), or None if it has no readable marker."""
    try:
        data = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None


def write_marker(folder: Path, kind: str) -> None:
    """Mark `folder` as made by the `kind` command."""
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (folder / MARKER).write_text(json.dumps({"kind": kind, "created": stamp}) + "\n")


def check_output_folder(folder: Path, kind: str, option: str = "--out") -> bool:
    """Check that the `kind` command may write `folder`; return True if it exists with our marker.

    Refuses (one line, naming `option`): a path that is a file or lies below a file; a folder
    that exists, is not empty and was not made by this command; a place that cannot be
    written. A True return means the folder is this command's own: the caller decides whether
    to replace it (`--force`) or resume it, and refuses otherwise.
    """
    text = str(folder)
    if len(text) > 4096:
        raise ParameterError(f"{option}: path is too long ({len(text)} characters; at most 4096)")
    try:
        return _check_existing(folder, kind, option)
    except OSError as exc:  # a name too long for the file system, a folder that cannot be listed
        raise ParameterError(f"{option} {text!r:.200}: {exc.strerror or exc}") from None


def _check_existing(folder: Path, kind: str, option: str) -> bool:
    """The checks of `check_output_folder` on a path of allowed length."""
    text = str(folder)
    for parent in [folder, *folder.parents]:
        if parent.exists() and not parent.is_dir():
            where = "is a file" if parent == folder else f"lies below the file {str(parent)!r}"
            raise ParameterError(f"{option} {text!r} {where}; give a folder")
    ours = False
    if folder.exists():
        ours = marker_kind(folder) == kind
        if not ours and any(folder.iterdir()):
            raise ParameterError(
                f"{option} {text!r} exists and was not written by `borrowed-time {COMMAND_OF_KIND.get(kind, kind)}`; "
                "choose a new or empty folder (nothing was changed)"
            )
    nearest = next(parent for parent in [folder, *folder.parents] if parent.exists())
    if not os.access(nearest, os.W_OK | os.X_OK):
        raise ParameterError(f"{option} {text!r}: cannot write in {str(nearest)!r} (permission denied)")
    return ours
