"""Durable sweep output: one small Parquet part per finished run, written atomically, merged at the end.

A run counts as finished once its `parts/runs-<run id>.parquet` exists (run ids name the point,
replication and policy: `<point_id>-<replication>-<policy>`). Each part is written to a
temporary name, flushed to disk and renamed into place, so a killed sweep leaves either a whole
part or none; its series part is written first, so a finished run always has its series. A part
damaged later (a truncated copy, a bad disk) is found on resume and its run is run again.
Reading a damaged file or manifest is a one-line `SpecError` naming the file.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.spec import SpecError

RUN_PART = re.compile(r"^runs-(\d+-\d+-[A-Za-z0-9][A-Za-z0-9._-]*)\.parquet$")
RUNS_FILE = "runs.parquet"
SERIES_FILE = "series.parquet"
MANIFEST_FILE = "manifest.json"
DESIGN_FILE = "design.parquet"
POLICIES_FILE = "policies.parquet"
SERIES_COLUMNS = ["run_id", "policy", "point_id", "replication", "metric", "year", "value"]
MANIFEST_KEYS = (
    "name",
    "spec_hash",
    "seeds",
    "design",
    "outcomes",
    "policies",
    "runs_planned",
    "sessions",
)
PLAN_ORDER = ["point_id", "replication", "policy"]  # runs are listed in the order the plan makes them


def read_manifest(out: Path) -> dict[str, Any]:
    """A sweep folder's manifest; a one-line SpecError when it is missing, corrupt or not a sweep's."""
    path = out / MANIFEST_FILE
    if not path.is_file():
        raise SpecError(f"{str(out)!r} holds no sweep manifest ({MANIFEST_FILE})")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SpecError(f"{str(path)!r} is corrupt and cannot be read ({exc.__class__.__name__})") from None
    missing = [key for key in MANIFEST_KEYS if key not in manifest] if isinstance(manifest, dict) else ["name"]
    if not missing and "uncertainties" not in manifest and "parameters" not in manifest:
        missing = ["uncertainties"]
    if missing:
        raise SpecError(f"{str(path)!r} is not a sweep manifest (no {missing[0]!r})")
    return manifest


def read_parquet(path: Path, hint: str) -> pd.DataFrame:
    """Read a Parquet file; a damaged one is a one-line SpecError naming it, followed by `hint`."""
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise SpecError(f"{str(path)!r} is damaged and cannot be read ({exc.__class__.__name__}); {hint}") from None


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside `path`, flush to disk, and rename it into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def atomic_write_parquet(frame: pd.DataFrame, path: Path, units: dict[str, Any] | None = None) -> None:
    """Write a frame as Parquet atomically; `units` (from `experiments.catalogue.column_units`) go into its schema."""
    temporary = path.with_name(f".{path.name}.tmp")
    if units is None:
        frame.to_parquet(temporary, index=False)
    else:
        pq.write_table(with_units(pa.Table.from_pandas(frame, preserve_index=False), units), temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def atomic_write_json(data: dict[str, Any], path: Path) -> None:
    """Write JSON atomically, indented for people to read."""
    atomic_write_bytes(path, (json.dumps(data, indent=2, default=str) + "\n").encode())


class PartStore:
    """The folder of per-run part files of one sweep."""

    def __init__(self, out: Path, writing: bool = True, policy_order: list[str] | None = None) -> None:
        """Use `out/parts`; to write, create it and clear temporary files a killed sweep left behind."""
        self.out = out
        self.parts = out / "parts"
        self.policy_order = policy_order or []
        if writing:
            self.parts.mkdir(parents=True, exist_ok=True)
            for leftover in self.parts.glob(".*.tmp"):
                leftover.unlink()

    def finished_ids(self) -> set[str]:
        """Run ids whose run part exists (finished, successfully or not)."""
        names = os.listdir(self.parts) if self.parts.is_dir() else []
        return {match.group(1) for name in names if (match := RUN_PART.match(name))}

    def write(self, run_row: dict[str, Any], series_rows: list[dict[str, Any]], dtypes: dict[str, Any]) -> None:
        """Write one finished run: its series part first, then its run part (which marks it finished)."""
        run_id = str(run_row["run_id"])
        series = pd.DataFrame(series_rows, columns=SERIES_COLUMNS).astype(
            {
                "run_id": "object",
                "point_id": "int64",
                "replication": "int64",
                "year": "int64",
                "value": "float64",
                "policy": "object",
                "metric": "object",
            }
        )
        run_part, series_part = self.part_paths(run_id)
        atomic_write_parquet(series, series_part)
        frame = pd.DataFrame([run_row])
        frame = frame.astype({column: dtype for column, dtype in dtypes.items() if column in frame})
        atomic_write_parquet(frame, run_part)

    def part_paths(self, run_id: str) -> tuple[Path, Path]:
        """A run's run part and series part."""
        return self.parts / f"runs-{run_id}.parquet", self.parts / f"series-{run_id}.parquet"

    def is_readable(self, run_id: str) -> bool:
        """Whether both parts of a finished run can be read back whole."""
        try:
            runs, series = (pd.read_parquet(path) for path in self.part_paths(run_id))
        except (OSError, ValueError, pa.ArrowException):
            return False
        return len(runs) == 1 and str(runs["run_id"].iloc[0]) == run_id and list(series.columns) == SERIES_COLUMNS

    def drop_unreadable(self) -> list[str]:
        """Delete the parts of finished runs that cannot be read back (so they run again); return their ids."""
        damaged = sorted(run_id for run_id in self.finished_ids() if not self.is_readable(run_id))
        for run_id in damaged:
            for path in self.part_paths(run_id):
                path.unlink(missing_ok=True)
        return damaged

    def read_runs(self, hint: str = "rerun the sweep with --resume to run it again") -> pd.DataFrame:
        """All finished runs, in plan order (point, replication, policy)."""
        ids = sorted(self.finished_ids())
        frames = [read_parquet(self.part_paths(run_id)[0], hint) for run_id in ids]
        if not frames:
            return pd.DataFrame()
        return self.in_plan_order(pd.concat(frames, ignore_index=True), PLAN_ORDER)

    def read_series(self, hint: str = "rerun the sweep with --resume to run it again") -> pd.DataFrame:
        """The yearly series of all finished runs, in plan order, then by metric and year."""
        ids = sorted(self.finished_ids())
        frames = [read_parquet(self.part_paths(run_id)[1], hint) for run_id in ids]
        frames = [frame for frame in frames if len(frame)]
        if not frames:
            return pd.DataFrame(columns=SERIES_COLUMNS)
        return self.in_plan_order(pd.concat(frames, ignore_index=True), [*PLAN_ORDER, "metric", "year"])

    def in_plan_order(self, frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        """Rows sorted by `keys`, policies in the plan's order (baseline, named, drawn), others by name."""
        rank = {name: i for i, name in enumerate(self.policy_order)}

        def order(column: pd.Series) -> pd.Series:
            """Policies by their rank in the plan; other columns as they are."""
            return column.map(lambda name: (rank.get(name, len(rank)), name)) if column.name == "policy" else column

        return frame.sort_values(keys, key=order, kind="stable").reset_index(drop=True)

    def consolidate(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Merge the parts into `runs.parquet` and `series.parquet` (atomically, units in their schemas); return both."""
        from experiments.catalogue import column_units, series_units

        runs, series = self.read_runs(), self.read_series()
        atomic_write_parquet(series, self.out / SERIES_FILE, series_units(series))
        atomic_write_parquet(runs, self.out / RUNS_FILE, column_units(list(runs.columns)))
        return runs, series


UNITS_KEY = b"borrowed_time.units"  # schema metadata: JSON of column (or metric) -> unit


def with_units(table: pa.Table, units: dict[str, Any]) -> pa.Table:
    """A table whose fields carry `unit` and `description` metadata, and whose schema holds the units as JSON."""
    fields = []
    for field in table.schema:
        entry = units.get("columns", {}).get(field.name)
        fields.append(
            field.with_metadata({"unit": entry["unit"], "description": entry["description"]}) if entry else field
        )
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}), UNITS_KEY: json.dumps(units).encode()})
    return table.cast(schema)


def read_units(path: Path) -> dict[str, Any]:
    """The units a runs or series table was written with: {'columns': {name: {unit, description}}, 'metrics': ...}."""
    metadata = pq.read_schema(path).metadata or {}
    return json.loads(metadata[UNITS_KEY]) if UNITS_KEY in metadata else {}
