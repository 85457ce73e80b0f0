"""Durable sweep output: one small Parquet part per finished run, written atomically, merged at the end.

A run counts as finished once its `parts/runs-<id>.parquet` exists. Each part is written to a
temporary name, flushed to disk and renamed into place, so a killed sweep leaves either a whole
part or none; its series part is written first, so a finished run always has its series.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

RUN_PART = re.compile(r"^runs-(\d+)\.parquet$")
RUNS_FILE = "runs.parquet"
SERIES_FILE = "series.parquet"
MANIFEST_FILE = "manifest.json"
DESIGN_FILE = "design.parquet"
SERIES_COLUMNS = ["run_id", "policy", "point_id", "replication", "metric", "year", "value"]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside `path`, flush to disk, and rename it into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def atomic_write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as Parquet atomically."""
    temporary = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(temporary, index=False)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def atomic_write_json(data: dict[str, Any], path: Path) -> None:
    """Write JSON atomically, indented for people to read."""
    atomic_write_bytes(path, (json.dumps(data, indent=2, default=str) + "\n").encode())


class PartStore:
    """The folder of per-run part files of one sweep."""

    def __init__(self, out: Path) -> None:
        """Use `out/parts`, creating it, and clear temporary files a killed sweep left behind."""
        self.out = out
        self.parts = out / "parts"
        self.parts.mkdir(parents=True, exist_ok=True)
        for leftover in self.parts.glob(".*.tmp"):
            leftover.unlink()

    def finished_ids(self) -> set[int]:
        """Run ids whose run part exists (finished, successfully or not)."""
        return {int(match.group(1)) for name in os.listdir(self.parts) if (match := RUN_PART.match(name))}

    def write(self, run_row: dict[str, Any], series_rows: list[dict[str, Any]], dtypes: dict[str, Any]) -> None:
        """Write one finished run: its series part first, then its run part (which marks it finished)."""
        run_id = int(run_row["run_id"])
        series = pd.DataFrame(series_rows, columns=SERIES_COLUMNS).astype(
            {
                "run_id": "int64",
                "point_id": "int64",
                "replication": "int64",
                "year": "int64",
                "value": "float64",
                "policy": "object",
                "metric": "object",
            }
        )
        atomic_write_parquet(series, self.parts / f"series-{run_id:07d}.parquet")
        frame = pd.DataFrame([run_row])
        frame = frame.astype({column: dtype for column, dtype in dtypes.items() if column in frame})
        atomic_write_parquet(frame, self.parts / f"runs-{run_id:07d}.parquet")

    def read_runs(self) -> pd.DataFrame:
        """All finished runs, ordered by run id."""
        ids = sorted(self.finished_ids())
        frames = [pd.read_parquet(self.parts / f"runs-{run_id:07d}.parquet") for run_id in ids]
        if not frames:
            return pd.DataFrame()
        return pd.concat(frames, ignore_index=True).sort_values("run_id").reset_index(drop=True)

    def read_series(self) -> pd.DataFrame:
        """The yearly series of all finished runs, ordered by run id, metric and year."""
        ids = sorted(self.finished_ids())
        frames = [pd.read_parquet(self.parts / f"series-{run_id:07d}.parquet") for run_id in ids]
        frames = [frame for frame in frames if len(frame)]
        if not frames:
            return pd.DataFrame(columns=SERIES_COLUMNS)
        series = pd.concat(frames, ignore_index=True)
        return series.sort_values(["run_id", "metric", "year"]).reset_index(drop=True)

    def consolidate(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Merge the parts into `runs.parquet` and `series.parquet` (atomically); return both."""
        runs, series = self.read_runs(), self.read_series()
        atomic_write_parquet(series, self.out / SERIES_FILE)
        atomic_write_parquet(runs, self.out / RUNS_FILE)
        return runs, series
