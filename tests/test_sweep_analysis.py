"""`borrowed-time analyze`: summary tables match the runs, sensitivity indices find the parameter that
matters, plots are written for each design."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import Sweep, analyze, mean_ci
from experiments.folder_lock import unlock_folder
from experiments.provenance import code_version
from experiments.spec import parse_spec
from experiments.store import RUNS_FILE, SERIES_COLUMNS, SERIES_FILE
from experiments.sweep import plan_sweep
from experiments.sweep_folder import new_session, open_sweep_folder
from model.cli import main

TINY_GRID = """
name = "grid"
years = 1
replications = 3
seed = 5
[fixed]
n_developers = 100
n_corporations = 50
[parameters.per_package_fee_usd]
values = [0.0, 40.0]
[parameters.token_hygiene_mean]
values = [0.3, 0.8]
[outcomes]
final = ["share_developers_on_alternatives", "total_cash_usd"]
yearly = ["total_cash_usd"]
[policies.opex]
opex_budget_share = 0.9
"""


def test_analyze_a_grid_sweep(tmp_path, capsys):
    """Summary means and intervals match the runs; paired policy effects; dose-response, heatmap, fans."""
    spec = tmp_path / "grid.toml"
    spec.write_text(TINY_GRID)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    assert main(["analyze", str(out)]) == 0
    folder = out / "analysis"
    for name in (
        "summary.csv",
        "policy_effects.csv",
        "yearly_summary.csv",
        "dose-response-per_package_fee_usd.png",
        "dose-response-token_hygiene_mean.png",
        "heatmap-per_package_fee_usd-token_hygiene_mean.png",
        "fan-charts.png",
    ):
        assert (folder / name).is_file(), name
    runs = pd.read_parquet(out / "runs.parquet")
    summary = pd.read_csv(folder / "summary.csv")
    row = summary[
        (summary["policy"] == "opex")
        & (summary["per_package_fee_usd"] == 40.0)
        & (summary["token_hygiene_mean"] == 0.8)
        & (summary["outcome"] == "total_cash_usd")
    ].iloc[0]
    cell = runs[
        (runs["policy"] == "opex") & (runs["per_package_fee_usd"] == 40.0) & (runs["token_hygiene_mean"] == 0.8)
    ]
    assert row["n"] == 3 and row["mean"] == pytest.approx(cell["total_cash_usd"].mean())
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    effects = pd.read_csv(folder / "policy_effects.csv")
    effect = effects[
        (effects["per_package_fee_usd"] == 40.0)
        & (effects["token_hygiene_mean"] == 0.8)
        & (effects["outcome"] == "total_cash_usd")
    ].iloc[0]
    base = runs[
        (runs["policy"] == "baseline") & (runs["per_package_fee_usd"] == 40.0) & (runs["token_hygiene_mean"] == 0.8)
    ]
    paired = (
        cell.sort_values("replication")["total_cash_usd"].to_numpy()
        - base.sort_values("replication")["total_cash_usd"].to_numpy()
    )
    assert effect["difference_mean"] == pytest.approx(paired.mean())


def test_mean_ci_is_a_t_interval():
    """The 95% interval of [1, 2, 3] is 2 +- t(0.975, 2) * 1 / sqrt(3)."""
    result = mean_ci(pd.Series([1.0, 2.0, 3.0, np.nan]))
    assert result["n"] == 3 and result["mean"] == 2.0
    assert result["ci_high"] - 2.0 == pytest.approx(4.302652729911275 / np.sqrt(3))


SAMPLED = """
name = "sampled"
years = 1
seed = 3
[parameters.per_package_fee_usd]
range = [1.0, 100.0]
distribution = "loguniform"
[parameters.token_hygiene_mean]
range = [0.1, 0.9]
[parameters.worm_packages_per_token]
range = [5, 50]
[outcomes]
final = ["total_cash_usd", "share_developers_on_alternatives"]
"""


@pytest.mark.parametrize(
    "design",
    ["kind = 'sobol'\nsamples = 256", "kind = 'morris'\nsamples = 40", "kind = 'latin_hypercube'\nsamples = 200"],
)
def test_sensitivity_finds_the_parameter_that_matters(tmp_path, design):
    """On an outcome made from the design (not the model), indices rank the one driving parameter first."""
    loaded = parse_spec(__import__("tomllib").loads(SAMPLED + f"[design]\n{design}\n"))
    plan = plan_sweep(loaded)
    out = tmp_path / "out"
    lock, _ = open_sweep_folder(plan, out, new_session(code_version()))
    unlock_folder(lock)
    points = plan.design.points
    assert points["worm_packages_per_token"].dtype == np.int64  # whole-number parameters are rounded
    assert points["per_package_fee_usd"].between(1.0, 100.0).all()
    runs = points.assign(
        run_id=points["point_id"], replication=0, policy="baseline", status="ok", error="", duration_s=0.0
    )
    runs["total_cash_usd"] = 5 * np.log(runs["per_package_fee_usd"]) + 0.01 * runs["token_hygiene_mean"]
    runs["share_developers_on_alternatives"] = runs["token_hygiene_mean"] ** 2
    runs.to_parquet(out / RUNS_FILE)
    pd.DataFrame(columns=SERIES_COLUMNS).to_parquet(out / SERIES_FILE)
    written = analyze(out)
    assert out / "analysis" / "sensitivity.png" in written
    table = pd.read_csv(out / "analysis" / "sensitivity.csv")
    measure = {"sobol": "ST", "morris": "mu_star", "latin_hypercube": "spearman_rho"}[Sweep(out).kind]
    for outcome, driver in (
        ("total_cash_usd", "per_package_fee_usd"),
        ("share_developers_on_alternatives", "token_hygiene_mean"),
    ):
        rows = table[table["outcome"] == outcome].set_index("parameter")[measure].abs()
        assert rows.idxmax() == driver, rows
        assert rows.drop(driver).max() < 0.2 * rows[driver], rows
