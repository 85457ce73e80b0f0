"""The folder `borrowed-time run` writes: checked before the model runs, filled whole or not at all.

A run's folder holds the four tables (Parquet and CSV, each with a `seed` column first), `chart.png`,
an ensemble's `summary.csv`, and the marker file naming the `run` command (`experiments/outfolder.py`). A new folder is created and an existing empty one is
filled; a folder an earlier run wrote is replaced only with `--force`; anything else is refused
with a one-line error before anything is written. Files are staged in a temporary folder and moved
into place; the marker is written last, so a folder with a marker is complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from experiments.outfolder import MARKER, check_output_folder, marker_kind, write_marker
from model.parameters import ParameterError

RUN = "run"
TABLES = ("model", "registries", "events", "worms")
#: Every file a run writes; `--force` replaces a folder only if it holds nothing else.
RUN_FILES = frozenset(
    {*(f"{table}.{ext}" for table in TABLES for ext in ("parquet", "csv")), "chart.png", "summary.csv", MARKER}
)


def check_run_folder(out: Path, force: bool) -> bool:
    """Check that `run` may write `out`; return True when it would replace an earlier run's folder."""
    if not check_output_folder(out, RUN):
        return False
    shown = str(out)
    if not force:
        raise ParameterError(
            f"--out {shown!r} holds an earlier run's results; pass --force to replace them (nothing was changed)"
        )
    if out.is_symlink():
        raise ParameterError(f"--out {shown!r} is a symbolic link; give the folder it points to")
    foreign = sorted(entry.name for entry in out.iterdir() if entry.name not in RUN_FILES or entry.is_dir())
    if foreign:
        raise ParameterError(
            f"--out {shown!r} also holds {foreign[0]!r}, which `borrowed-time run` does not write; "
            "move it out or choose another folder (nothing was changed)"
        )
    here = Path.cwd().resolve()
    if out.resolve() in (here, *here.parents):
        raise ParameterError(f"--out {shown!r} is or holds the working folder; replace it from another folder")
    return True


def write_run_folder(result, out: Path, force: bool = False, summary: pd.DataFrame | None = None) -> None:
    """Write a run's or an ensemble's tables, chart, `summary` (if given) and marker to `out`, all or nothing."""
    replace = check_run_folder(out, force)  # again: the folder may have changed while the model ran
    made = _missing_folders(out.parent)
    staging: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fill = out.is_dir() and not replace  # an existing empty folder: stage inside it
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name or 'out'}-", dir=out if fill else out.parent))
        _write_files(result, staging, summary)
        if replace:
            _swap_in(staging, out)
        elif fill:
            _move_files_into(staging, out)
        else:
            os.chmod(staging, 0o777 & ~_umask())
            os.rename(staging, out)
    except OSError as exc:
        _clean_up(staging, made)
        raise ParameterError(f"--out {str(out)!r}: cannot write ({exc.strerror or exc}); nothing was changed") from None
    except BaseException:
        _clean_up(staging, made)
        raise


def _write_files(result, folder: Path, summary: pd.DataFrame | None) -> None:
    """The tables as Parquet and CSV (a `seed` column first), the summary, the chart, then the marker."""
    from experiments.charts import save_run_chart

    for name in TABLES:
        frame = getattr(result, name)
        if "seed" not in frame.columns:  # one run: its seed, so every run folder has the same columns
            frame = frame.assign(seed=result.seed)[["seed", *frame.columns]]
        frame.to_parquet(folder / f"{name}.parquet", index=False)
        frame.to_csv(folder / f"{name}.csv", index=False)
    if summary is not None:
        summary.to_csv(folder / "summary.csv", index=False)
    save_run_chart(result, folder / "chart.png")
    write_marker(folder, RUN)


def _swap_in(staging: Path, out: Path) -> None:
    """Put the new results in place of an earlier run's, then remove the earlier ones (ours by their marker)."""
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}-replaced-", dir=out.parent))
    os.rename(out, aside)  # onto the empty folder just made
    try:
        os.chmod(staging, 0o777 & ~_umask())
        os.rename(staging, out)
    except BaseException:
        os.rename(aside, out)
        raise
    if marker_kind(aside) == RUN:
        shutil.rmtree(aside)


def _move_files_into(staging: Path, out: Path) -> None:
    """Move the staged files into the existing empty folder `out`, the marker last; on failure take them back."""
    moved: list[Path] = []
    try:
        for entry in sorted(staging.iterdir(), key=lambda entry: entry.name == MARKER):
            os.rename(entry, out / entry.name)
            moved.append(out / entry.name)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        raise
    staging.rmdir()


def _clean_up(staging: Path | None, made: list[Path]) -> None:
    """Remove the staging folder and the parent folders this run created (if still empty)."""
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    for folder in made:
        try:
            folder.rmdir()
        except OSError:
            break


def _missing_folders(folder: Path) -> list[Path]:
    """`folder` and its parents that do not exist yet, deepest first."""
    return [path for path in (folder, *folder.parents) if not path.exists()]


def _umask() -> int:
    """The process's file-mode creation mask."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
