"""Open designs: a sample from a CSV or Parquet file runs through the durable runner and resumes; a finished sweep
grows with more seeds, points or policies without repeating a run; levers drawn by a lever design become policies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import run
from model.cli import main

HEAD = """
name = "open"
years = 1
replications = {replications}
seed = 8
[fixed]
n_developers = 100
n_corporations = 40
worm_waves_per_year = 0.0
[design]
kind = "file"
file = "{file}"
[outcomes]
final = ["share_developers_on_alternatives", "total_cash_usd"]
yearly = ["total_cash_usd"]
[policies.opex]
opex_budget_share = 0.9
"""
POINTS = pd.DataFrame({"per_package_fee_usd": [0.0, 30.0, 10.0], "worm_packages_per_token": [10, 40, 25]})


def write(folder: Path, points: pd.DataFrame, replications: int = 2, suffix: str = "csv") -> Path:
    """A design file of `points` and a spec that runs it; return the spec's path."""
    design = folder / f"design.{suffix}"
    if suffix == "csv":
        points.to_csv(design, index=False)
    else:
        points.to_parquet(design, index=False)
    spec = folder / "spec.toml"
    spec.write_text(HEAD.format(replications=replications, file=design.name))
    return spec


def sweep(spec: Path, out: Path, *extra: str) -> int:
    """Run `borrowed-time sweep` in this process."""
    return main(["sweep", str(spec), "--out", str(out), "--no-progress", "--workers", "2", *extra])


def tables(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs (without wall-clock durations) and series tables of a sweep folder."""
    return pd.read_parquet(out / "runs.parquet").drop(columns="duration_s"), pd.read_parquet(out / "series.parquet")


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """A file design (3 points x 2 seeds x 2 policies) swept to the end."""
    folder = tmp_path_factory.mktemp("open")
    spec = write(folder, POINTS)
    assert sweep(spec, folder / "out") == 0
    return spec, folder / "out"


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_file_design_runs_its_rows_with_reproducible_seeds(tmp_path, suffix):
    """Every row of the file is a point, in file order; a run equals `run()` with its recorded seed."""
    spec = write(tmp_path, POINTS, suffix=suffix)
    assert sweep(spec, tmp_path / "out") == 0
    runs, _series = tables(tmp_path / "out")
    assert len(runs) == 3 * 2 * 2 and runs["run_id"].is_unique and (runs["status"] == "ok").all()
    design = pd.read_parquet(tmp_path / "out" / "design.parquet")
    pd.testing.assert_frame_equal(design.drop(columns="point_id"), POINTS, check_dtype=False)
    assert runs["worm_packages_per_token"].dtype == np.int64
    row = runs[(runs["point_id"] == 1) & (runs["replication"] == 1) & (runs["policy"] == "opex")].iloc[0]
    assert row["run_id"] == "1-1-opex"
    seed = np.random.SeedSequence(8, spawn_key=(1,))
    direct = run(
        "status-quo",
        years=1,
        seed=seed,
        n_developers=100,
        n_corporations=40,
        worm_waves_per_year=0.0,
        per_package_fee_usd=30.0,
        worm_packages_per_token=40,
        opex_budget_share=0.9,
    )
    assert row["total_cash_usd"] == direct.model["total_cash_usd"].iloc[-1]


def test_a_file_design_resumes_after_an_interruption(finished, tmp_path):
    """Runs missing from an interrupted file-design sweep are made on --resume; the tables equal the whole sweep's."""
    spec, out = finished
    copy = Path(shutil.copytree(out, tmp_path / "copy"))
    for run_id in ("0-1-baseline", "2-0-opex", "2-1-baseline"):
        (copy / "parts" / f"runs-{run_id}.parquet").unlink()  # as if killed before these finished
    (copy / "runs.parquet").unlink()
    (copy / "series.parquet").unlink()
    assert sweep(spec, copy, "--resume") == 0
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["sessions"][-1]["runs_done_before"] == 9 and manifest["sessions"][-1]["runs_done"] == 3
    for mine, reference in zip(tables(copy), tables(out)):
        pd.testing.assert_frame_equal(mine, reference)


def test_extending_a_sweep_with_more_seeds_and_points_adds_runs_without_repeating_any(finished, tmp_path):
    """--extend with a third seed and a fourth point runs only the new runs; the result equals a fresh sweep."""
    _spec, out = finished
    grown = Path(shutil.copytree(out, tmp_path / "grown"))
    before = {path.name: path.read_bytes() for path in (grown / "parts").iterdir()}
    more = pd.concat([POINTS, pd.DataFrame({"per_package_fee_usd": [20.0], "worm_packages_per_token": [5]})])
    bigger = write(tmp_path, more, replications=3)
    assert sweep(bigger, grown) == 2  # without --extend the folder is refused
    assert sweep(bigger, grown, "--extend") == 0
    manifest = json.loads((grown / "manifest.json").read_text())
    added = 4 * 3 * 2 - 3 * 2 * 2
    assert manifest["sessions"][-1]["runs_done"] == added and manifest["extensions"][-1]["runs_added"] == added
    assert manifest["runs_planned"] == 24 and manifest["status"] == "complete"
    assert all((grown / "parts" / name).read_bytes() == data for name, data in before.items())  # none made again
    runs, series = tables(grown)
    assert len(runs) == 24 and runs["run_id"].is_unique
    fresh = tmp_path / "fresh"
    assert sweep(bigger, fresh) == 0
    for mine, reference in zip((runs, series), tables(fresh)):
        pd.testing.assert_frame_equal(mine, reference)


def test_an_extension_may_not_change_or_move_finished_runs(finished, tmp_path, capsys):
    """A longer horizon changes every run, and a design whose rows moved changes points: both refused, nothing written."""
    _spec, out = finished
    for name, change in {
        "years": lambda text: text.replace("years = 1", "years = 2"),
        "rows": lambda text: text,
    }.items():
        folder = tmp_path / name
        folder.mkdir()
        points = POINTS.iloc[::-1] if name == "rows" else POINTS
        other = write(folder, points)
        other.write_text(change(other.read_text()))
        copy = Path(shutil.copytree(out, folder / "copy"))
        before = sorted(path.name for path in (copy / "parts").iterdir())
        assert sweep(other, copy, "--extend") == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "--extend" in err
        assert sorted(path.name for path in (copy / "parts").iterdir()) == before


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (pd.DataFrame({"per_package_fee": [1.0]}), "column 'per_package_fee' is not a parameter"),
        (pd.DataFrame({"token_hygiene_mean": [0.5, 1.5]}), "row 2: parameter 'token_hygiene_mean' must be"),
        (pd.DataFrame({"worm_packages_per_token": [2.5]}), "column 'worm_packages_per_token' must hold whole numbers"),
        (pd.DataFrame({"fee_weight": [1.0, None]}), "row 2: column 'fee_weight' is empty"),
        (pd.DataFrame({"fee_weight": [1.0], "policy": ["a"], "scenario": [0]}), None),  # EMA bookkeeping dropped
        (pd.DataFrame({"fee_weight": [1.0, 2.0], "policy": ["a", "b"]}), "the file holds several EMA policies"),
    ],
)
def test_bad_design_files_are_one_line_errors(tmp_path, capsys, points, expected):
    """Unknown columns, values out of range, fractions for whole numbers, empty cells: one line naming the row."""
    spec = write(tmp_path, points)
    code = main(["sweep", str(spec), "--dry-run", "--no-progress", "--workers", "1"]) if expected is None else None
    if expected is None:
        assert code == 0
        return
    assert sweep(spec, tmp_path / "out") == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and err.count("\n") == 0 and "'design.file'" in err
    assert not (tmp_path / "out").exists()


LEVERS = """
name = "levers"
years = 1
seed = 4
[fixed]
n_developers = 100
n_corporations = 40
[uncertainties.fee_weight]
values = [0.5, 2.0]
[levers.per_package_fee_usd]
range = [0.0, 40.0]
[levers.cdn_donation]
values = [true, false]
[lever_design]
kind = "latin_hypercube"
samples = 3
[outcomes]
final = ["share_developers_on_alternatives"]
[policies.high-fee]
per_package_fee_usd = 80.0
"""


def test_a_lever_design_draws_policies_kept_apart_from_the_uncertainties(tmp_path):
    """Levers drawn by the lever design are policies (levers-000...), with each run's lever values as columns."""
    spec = tmp_path / "spec.toml"
    spec.write_text(LEVERS)
    assert sweep(spec, tmp_path / "out") == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    policies = pd.read_parquet(tmp_path / "out" / "policies.parquet")
    assert list(policies["policy"]) == ["baseline", "high-fee", "levers-000", "levers-001", "levers-002"]
    assert list(policies["kind"]) == ["baseline", "named", "levers", "levers", "levers"]
    assert len(runs) == 2 * 5 and set(runs.columns) >= {"fee_weight", "per_package_fee_usd", "cdn_donation"}
    drawn = policies[policies["kind"] == "levers"]
    assert drawn["per_package_fee_usd"].between(0, 40).all() and drawn["per_package_fee_usd"].nunique() == 3
    high = runs[runs["policy"] == "high-fee"]
    assert (high["per_package_fee_usd"] == 80.0).all() and (high["cdn_donation"]).all()  # the scenario's value
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["uncertainties"] == ["fee_weight"] and manifest["levers"] == ["per_package_fee_usd", "cdn_donation"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("[levers.fee_weight]\nvalues = [1.0]\n", "is both an uncertainty and a lever"),
        ("[goals.malware_downloads]\ndirection = 'minimize'\n", "'goals.malware_downloads': a goal must name one of"),
        ("[policies.w]\nfee_weight = 3.0\n", "sets uncertainty 'fee_weight'"),
        ("[policies.'a b']\nopex_budget_share = 0.5\n", "must be a plain name"),
    ],
)
def test_specs_keep_uncertainties_levers_and_goals_consistent(tmp_path, capsys, extra, expected):
    """A parameter is an uncertainty or a lever; goals name final outcomes; policies set levers, by plain names."""
    spec = tmp_path / "spec.toml"
    spec.write_text(LEVERS.replace("[outcomes]", extra + "[outcomes]", 1))
    assert sweep(spec, tmp_path / "out") == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and err.count("\n") == 0
