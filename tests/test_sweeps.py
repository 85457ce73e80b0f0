"""Sweeps: the same tables whatever the workers (1, 2, a Dask LocalCluster); SIGKILL and resume lose
nothing; a raising run is recorded and the sweep goes on; malformed specs give one-line errors."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.metrics import final_value, yearly_series
from model import run
from model.cli import main

TINY = """
name = "tiny"
scenario = "status-quo"
years = 2
replications = 4
seed = 11
[fixed]
n_developers = 300
n_corporations = 100
[parameters.per_package_fee_usd]
values = [0.0, 20.0]
[outcomes]
final = ["share_developers_on_alternatives", "malware_downloads.sum", "insolvencies", "npm.removal_median_hours.mean"]
yearly = ["total_cash_usd", "incumbents.revenue_fees_usd.sum"]
[policies.opex-norm]
opex_budget_share = 0.9
"""
TINY_RUNS = 2 * 4 * 2


def write_spec(folder: Path, text: str, name: str = "spec.toml") -> Path:
    """Write a spec file and return its path."""
    path = folder / name
    path.write_text(text)
    return path


def sweep(spec: Path, out: Path, *extra: str) -> int:
    """Run `borrowed-time sweep` in this process."""
    return main(["sweep", str(spec), "--out", str(out), "--no-progress", *extra])


def tables(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs table (without wall-clock durations) and the series table of a sweep folder."""
    runs = pd.read_parquet(out / "runs.parquet").drop(columns=["duration_s"])
    return runs, pd.read_parquet(out / "series.parquet")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    """The tiny spec and an uninterrupted 2-worker sweep of it."""
    folder = tmp_path_factory.mktemp("tiny")
    spec = write_spec(folder, TINY)
    assert sweep(spec, folder / "two", "--workers", "2") == 0
    return spec, folder / "two"


def test_sweep_writes_one_row_per_run_with_seeds_that_reproduce(tiny):
    """Every planned run appears once; a row's outcomes equal a direct `run()` with the recorded seed."""
    _spec, out = tiny
    runs, series = tables(out)
    assert len(runs) == TINY_RUNS and runs["run_id"].is_unique and (runs["status"] == "ok").all()
    assert set(runs["policy"]) == {"baseline", "opex-norm"}
    assert set(series["metric"]) == {"total_cash_usd", "incumbents.revenue_fees_usd.sum"}
    assert set(series["year"]) == {2026, 2027}
    row = runs[(runs["policy"] == "opex-norm") & (runs["per_package_fee_usd"] == 20.0)].iloc[1]
    seed = np.random.SeedSequence(
        int(row["seed_entropy"]), spawn_key=tuple(int(k) for k in row["seed_spawn_key"].split("."))
    )
    direct = run(
        "status-quo",
        years=2,
        seed=seed,
        n_developers=300,
        n_corporations=100,
        per_package_fee_usd=20.0,
        opex_budget_share=0.9,
    )
    assert row["malware_downloads.sum"] == direct.model["malware_downloads"].sum()
    assert row["npm.removal_median_hours.mean"] == final_value("npm.removal_median_hours.mean", direct)
    mine = series[(series["run_id"] == row["run_id"]) & (series["metric"] == "total_cash_usd")]
    assert list(mine["value"]) == list(yearly_series("total_cash_usd", direct))
    # common random numbers: both policies of a replication share the seed
    pairs = runs.groupby(["point_id", "replication"])["seed_spawn_key"].nunique()
    assert (pairs == 1).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_planned"] == TINY_RUNS
    assert len(manifest["spec_hash"]) == 64 and "commit" in manifest["git"] and "dirty" in manifest["git"]
    assert len(manifest["run_durations_s"]) == TINY_RUNS and manifest["failures"] == []


def test_same_tables_with_one_worker_two_workers_and_a_dask_cluster(tiny, tmp_path):
    """Results do not depend on the number of workers or on where the runs ran."""
    from dask.distributed import LocalCluster

    spec, two = tiny
    assert sweep(spec, tmp_path / "one", "--workers", "1") == 0
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        assert sweep(spec, tmp_path / "dask", "--scheduler", cluster.scheduler_address) == 0
    reference_runs, reference_series = tables(two)
    for other in ("one", "dask"):
        runs, series = tables(tmp_path / other)
        pd.testing.assert_frame_equal(runs, reference_runs)
        pd.testing.assert_frame_equal(series, reference_series)


def test_sigkill_then_resume_equals_an_uninterrupted_sweep(tiny, tmp_path):
    """Kill the runner with SIGKILL partway; --resume finishes it with no run lost or repeated."""
    spec, two = tiny
    out = tmp_path / "killed"
    command = [
        sys.executable,
        "-m",
        "model.cli",
        "sweep",
        str(spec),
        "--out",
        str(out),
        "--workers",
        "1",
        "--no-progress",
    ]
    runner = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "parts").glob("runs-*.parquet"))) < 4 if (out / "parts").is_dir() else True:
            assert time.monotonic() < deadline, "the runner wrote no results"
            assert runner.poll() is None, "the runner finished before it could be killed"
            time.sleep(0.02)
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(runner.pid, signal.SIGKILL)  # the pool's workers, left behind by the killed runner
    written = len(list((out / "parts").glob("runs-*.parquet")))
    assert 4 <= written < TINY_RUNS, written
    assert not (out / "runs.parquet").exists()
    assert sweep(spec, out, "--resume", "--workers", "2") == 0
    runs, series = tables(out)
    reference_runs, reference_series = tables(two)
    pd.testing.assert_frame_equal(runs, reference_runs)
    pd.testing.assert_frame_equal(series, reference_series)
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["runs_done_before"] for s in manifest["sessions"]] == [0, written]
    assert manifest["sessions"][1]["runs_done"] == TINY_RUNS - written
    assert manifest["status"] == "complete"


def test_a_raising_run_is_recorded_and_the_sweep_goes_on(tmp_path, capsys):
    """A combination the model rejects at run time fails alone; the other runs finish."""
    spec = write_spec(
        tmp_path,
        """
name = "partly-invalid"
years = 1
replications = 2
[fixed]
n_developers = 100
n_corporations = 50
[parameters.strained_runway_months]
values = [2.5, 8.0]
[parameters.degraded_runway_months]
values = [2.0, 3.0]
[outcomes]
final = ["total_cash_usd"]
yearly = ["total_cash_usd"]
""",
    )
    assert sweep(spec, tmp_path / "out", "--workers", "2") == 0
    warning = capsys.readouterr().err  # the user was told before the sweep started
    assert "warning: 2 of 8 runs combine values that break a rule between parameters" in warning
    runs, series = tables(tmp_path / "out")
    failed = runs[runs["status"] == "failed"]
    assert len(runs) == 8 and len(failed) == 2
    assert (failed["strained_runway_months"] == 2.5).all() and (failed["degraded_runway_months"] == 3.0).all()
    assert failed["error"].str.contains("degraded_runway_months").all()
    assert failed["total_cash_usd"].isna().all() and runs.loc[runs["status"] == "ok", "total_cash_usd"].notna().all()
    assert set(series["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["runs_failed"] == 2 and {f["run_id"] for f in manifest["failures"]} == set(failed["run_id"])


GOOD = """
name = "ok"
years = 1
[parameters.per_package_fee_usd]
values = [0.0, 10.0]
[outcomes]
final = ["total_cash_usd"]
"""

MALFORMED = [
    ("name = 'x'\nyears = 1\ncolour = 3\n[outcomes]\nfinal = ['total_cash_usd']", "'colour': unknown key"),
    ("name = 'x'\nyears = 1\n", "'outcomes': required key is missing"),
    ("name = 'x'\nyears = 1\n[outcomes]\nfinal = []", "'outcomes'"),
    ("name = 'x'\nyears = -1\n[outcomes]\nfinal = ['total_cash_usd']", "'years'"),
    ("name = 'x'\nyears = 1\nreplications = 'many'\n[outcomes]\nfinal = ['total_cash_usd']", "'replications'"),
    (GOOD.replace("per_package_fee_usd]", "per_package_fees]"), "'parameters.per_package_fees'"),
    (GOOD.replace("[0.0, 10.0]", "[0.0, -10.0]"), "'parameters.per_package_fee_usd.values'"),
    (GOOD.replace("values = [0.0, 10.0]", "range = [10.0, 0.0]"), "'parameters.per_package_fee_usd'"),
    (GOOD.replace("values = [0.0, 10.0]", "range = [0.0, 10.0]"), "'parameters.per_package_fee_usd.levels'"),
    (
        GOOD + "[design]\nkind = 'sobol'\nsamples = 8\n",
        "'parameters.per_package_fee_usd': a sobol design needs a 'range'",
    ),
    (
        GOOD.replace("values = [0.0, 10.0]", "range = [0.0, 10.0]") + "[design]\nkind = 'sobol'\nsamples = 6\n",
        "'design.samples': Sobol base samples must be a power of 2",
    ),
    (GOOD + "[design]\nkind = 'taguchi'\n", "'design.kind'"),
    (GOOD.replace('"total_cash_usd"', '"total_cash"'), "'outcomes.final[0]': unknown outcome 'total_cash'"),
    (GOOD.replace('"total_cash_usd"', '"npm.cash"'), "'outcomes.final[0]'"),
    (GOOD + "[policies.baseline]\nopex_budget_share = 0.5\n", "'policies.baseline'"),
    (GOOD + "[policies.fee]\nper_package_fee_usd = 5.0\n", "'policies.fee': sets uncertainty"),
    (GOOD + "[policies.opex]\nopex_budget_share = 1.5\n", "'policies.opex'"),
    (GOOD + "[fixed]\nn_developers = 1\n", "'fixed'"),
    (GOOD.replace("years = 1", "years = 1\nscenario = 'no-such-preset'"), "'scenario': unknown scenario"),
    ("name = 'x'\nyears = [1\n", "malformed TOML"),
]


@pytest.mark.parametrize("text, expected", MALFORMED)
def test_malformed_specs_give_one_line_errors(tmp_path, capsys, text, expected):
    """Bad specs exit 2 with one line naming the key, before anything is written."""
    spec = write_spec(tmp_path, text)
    assert sweep(spec, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert expected in err, err
    assert not (tmp_path / "out").exists()


def test_output_folder_rules(tmp_path, capsys):
    """A used --out needs --resume; --resume needs a sweep and the same spec; missing inputs are one line."""
    spec = write_spec(tmp_path, GOOD.replace("years = 1", "years = 0.1"))
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "file").write_text("x")
    assert sweep(spec, tmp_path / "used") == 2
    assert "was not written by `borrowed-time sweep`" in capsys.readouterr().err
    assert sweep(spec, tmp_path / "unused", "--resume") == 2
    assert "holds no sweep" in capsys.readouterr().err
    assert sweep(spec, tmp_path / "done", "--workers", "1") == 0
    assert sweep(spec, tmp_path / "done", "--workers", "1") == 2
    assert "pass --resume" in capsys.readouterr().err
    changed = write_spec(tmp_path, GOOD.replace("years = 1", "years = 0.2"), "changed.toml")
    assert sweep(changed, tmp_path / "done", "--resume") == 2
    assert "spec hash mismatch" in capsys.readouterr().err
    assert sweep(tmp_path / "missing.toml", tmp_path / "x") == 2
    assert "not found" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path / "used")]) == 2
    assert "holds no sweep" in capsys.readouterr().err


def test_dry_run_counts_runs_and_estimates_time(tiny, capsys):
    """--dry-run validates, prints the number of runs, a wall and a CPU time estimate and the load, and runs no sweep."""
    spec, _ = tiny
    assert main(["sweep", str(spec), "--dry-run", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert f"= {TINY_RUNS} runs" in out and "Estimated time" in out and "on 2 workers" in out
    assert "load average" in out and "CPU time of the runs" in out
    assert re.search(r"pilot: 4 of the planned runs", out)


def test_the_time_estimate_pilots_the_plans_own_runs_in_the_sweeps_pool(tiny):
    """The pilot times a first round on fresh workers and a warm round of the plan's own runs, and scales them."""
    from experiments.estimate import estimate_sweep
    from experiments.spec import load_spec
    from experiments.sweep import plan_sweep

    spec, _ = tiny
    plan = plan_sweep(load_spec(spec))
    estimate = estimate_sweep(plan, workers=2)
    assert estimate.slots == 2 and estimate.runs == TINY_RUNS and estimate.first_round_runs == 2
    assert estimate.pilot_runs == 4  # the first round and one warm round: a tenth of the plan is less
    assert estimate.later_rounds == (TINY_RUNS - 2) // 2
    assert estimate.total_s > estimate.first_round_s + estimate.later_rounds * estimate.run_s
    assert estimate.cpu_s_per_run > 0 and estimate.cpu_s > estimate.first_round_cpu_s > 0
    assert all(load >= 0 for load in estimate.load_average)


def test_the_pilot_takes_every_policy_before_any_twice_and_each_run_once(tiny):
    """The pilot's order is a permutation of the plan, stratified by policy, and reproducible."""
    from experiments.estimate import pilot_order
    from experiments.spec import load_spec
    from experiments.sweep import plan_sweep

    spec, _ = tiny
    plan = plan_sweep(load_spec(spec))
    order = pilot_order(plan)
    assert sorted(task.run_id for task in order) == sorted(task.run_id for task in plan.tasks)
    policies = plan.policy_names
    for start in range(0, len(order), len(policies)):
        assert {task.policy for task in order[start : start + len(policies)]} == set(policies)
    assert [task.run_id for task in pilot_order(plan)] == [task.run_id for task in order]


def test_the_pilot_stops_when_the_mean_run_time_is_precise_or_the_pilot_is_a_tenth_of_the_plan():
    """At least a round of warm runs (two runs); then until the mean is known to 10%, or a tenth of the plan ran."""
    from experiments.estimate import pilot_settled

    steady, scattered = [2.0, 2.1, 1.9, 2.0], [0.5, 4.0, 1.0, 6.0]
    assert not pilot_settled([], slots=2, runs_planned=100)
    assert not pilot_settled(steady[:1], slots=2, runs_planned=100)  # half a round
    assert not pilot_settled(steady[:1], slots=1, runs_planned=100)  # one run gives no standard error
    assert pilot_settled(steady[:2], slots=2, runs_planned=100)
    assert not pilot_settled(scattered, slots=2, runs_planned=100)
    assert pilot_settled(scattered + [3.0] * 6, slots=2, runs_planned=100)  # 10 of 100 runs: the cap
    assert pilot_settled(scattered[:3], slots=4, runs_planned=3)  # the whole plan is in the pilot


def test_the_estimate_adds_program_and_pool_start_the_first_round_later_rounds_and_file_work():
    """Wall = program + pool start + first round + ceil(later runs / slots) x (run + dispatch) + runs x file time."""
    from experiments.estimate import Estimate

    estimate = Estimate(
        runs=9,
        slots=2,
        startup_s=4,
        first_round_s=10,
        first_round_runs=2,
        run_s=3,
        dispatch_s=1,
        io_s_per_run=0.5,
        program_s=2,
        pilot_runs=4,
        first_round_cpu_s=1.5,
        cpu_s_per_run=0.75,
    )
    assert estimate.later_rounds == 4
    assert estimate.total_s == pytest.approx(2 + 4 + 10 + 4 * (3 + 1) + 9 * 0.5)
    assert estimate.cpu_s == pytest.approx(1.5 + 7 * 0.75)
    assert estimate.core_share == pytest.approx(0.25)


def _pilot_result(wall_s: float, cpu_s: float) -> dict:
    """A pilot run's result as `timed_run` returns it."""
    return {"run": {"duration_s": wall_s}, "series": [], "cpu_s": cpu_s}


def test_the_pilot_times_its_first_round_whole_and_takes_the_mean_run_from_warm_workers_only():
    """The first round (fresh workers) counts as the sweep's first round; the mean run comes from later rounds."""
    from experiments.estimate import scale_pilot

    first = (30.0, [_pilot_result(9.0, 2.0), _pilot_result(8.0, 1.8)])  # process start, imports, cold caches
    warm = [(2.5, [_pilot_result(2.0, 1.0), _pilot_result(2.2, 1.2)]), (2.4, [_pilot_result(2.3, 0.8)])]
    estimate = scale_pilot(20, 2, [first, *warm], startup_s=0.1, io_s_per_run=0.0, program_s=0.0)
    assert estimate.first_round_s == 30.0 and estimate.first_round_runs == 2 and estimate.pilot_runs == 5
    assert estimate.run_s == pytest.approx(2.1667, abs=1e-4) and estimate.cpu_s_per_run == pytest.approx(1.0)
    assert estimate.dispatch_s == pytest.approx((0.3 + 0.1) / 2)
    assert estimate.first_round_cpu_s == pytest.approx(3.8)
    assert estimate.total_s == pytest.approx(0.1 + 30.0 + 9 * (2.1667 + 0.2), abs=1e-3)
    whole_plan_in_one_round = scale_pilot(2, 2, [first], startup_s=0.1, io_s_per_run=0.0, program_s=0.0)
    assert whole_plan_in_one_round.later_rounds == 0 and whole_plan_in_one_round.total_s == pytest.approx(30.1)
