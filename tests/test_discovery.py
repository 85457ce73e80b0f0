"""Scenario discovery and feature scoring with EMA Workbench on a small shipped sweep; the EMA adapter builds a Model
from the parameter catalogue that `perform_experiments` runs; the robust search scores each policy on its own runs.

EMA Workbench is the optional `[ema]` extra; without it these tests are skipped (CI installs it), except those
that check the one-line error a user without it gets.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import discovery
from model import run
from model.cli import main
from model.parameters import ParameterError

SPECS = Path(__file__).resolve().parent.parent / "experiments" / "specs"
if os.environ.get("BORROWED_TIME_REQUIRE_EMA") == "1" and not discovery.ema_available():
    raise RuntimeError("BORROWED_TIME_REQUIRE_EMA=1 but EMA Workbench is not installed: pip install -e '.[test,ema]'")
NEEDS_EMA = pytest.mark.skipif(
    not discovery.ema_available(),
    reason="EMA Workbench is not installed (the optional extra: pip install 'borrowed-time[ema]'); CI installs it",
)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """The shipped fee-defection-discovery sweep (50 runs of 2 years, small populations)."""
    out = tmp_path_factory.mktemp("discovery") / "out"
    spec = SPECS / "fee-defection-discovery.toml"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2", "--no-progress"]) == 0
    return out


@NEEDS_EMA
def test_prim_on_a_shipped_sweep_finds_a_box_and_writes_its_files(shipped, tmp_path, capsys):
    """PRIM finds a box denser in runs of interest than the sweep as a whole; trajectory, limits, CART, figure."""
    folder = tmp_path / "analysis"
    code = main(
        [
            "analyze",
            str(shipped),
            "--out",
            str(folder),
            "--discover",
            "share_developers_on_alternatives",
            "--format",
            "svg",
        ]
    )
    assert code == 0
    found = folder / "discover-share_developers_on_alternatives"
    for name in ("prim-trajectory.csv", "prim-box.csv", "cart-boxes.csv", "cart-stats.csv", "question.json"):
        assert (found / name).is_file(), name
    assert (found / "prim-tradeoff.svg").is_file() and (folder / "feature-scores.csv").is_file()
    question = json.loads((found / "question.json").read_text())
    assert question["condition"] == "share_developers_on_alternatives > 0.05" and question["source"] == "goal missed"
    runs = pd.read_parquet(shipped / "runs.parquet")
    cases = runs["share_developers_on_alternatives"] > 0.05
    assert question["runs_of_interest"] == int(cases.sum()) and 0 < cases.sum() < len(runs)
    box = question["prim_box"]
    assert 0 < box["coverage"] <= 1 and box["density"] > cases.mean() and box["restricted_inputs"] >= 1
    limits = pd.read_csv(found / "prim-box.csv")
    assert len(limits) == box["restricted_inputs"]
    inside = np.ones(len(runs), dtype=bool)
    for row in limits.itertuples():
        inside &= runs[row.input].between(row.low, row.high).to_numpy()
    assert cases[inside].mean() == pytest.approx(box["density"])  # the box's limits reproduce its density
    assert cases[inside].sum() / cases.sum() == pytest.approx(box["coverage"])
    assert "PRIM box for share_developers_on_alternatives > 0.05" in capsys.readouterr().out


@NEEDS_EMA
def test_feature_scores_cover_every_input_and_sum_to_one(shipped, tmp_path):
    """Extra-trees feature scores: one row per input (uncertainties and levers), each outcome's scores sum to 1."""
    assert main(["analyze", str(shipped), "--out", str(tmp_path / "a"), "--feature-scores"]) == 0
    scores = pd.read_csv(tmp_path / "a" / "feature-scores.csv").set_index("input")
    manifest = json.loads((shipped / "manifest.json").read_text())
    assert sorted(scores.index) == sorted(manifest["uncertainties"] + manifest["levers"])
    assert np.allclose(scores.sum(), 1.0)


@NEEDS_EMA
@pytest.mark.parametrize(
    ("threshold", "expected"),
    [("about 5", "--threshold 'about 5'"), (">1000", "0 of 50 runs meet share_developers_on_alternatives > 1000")],
)
def test_a_threshold_that_cannot_be_read_or_splits_nothing_is_a_one_line_error(
    shipped, tmp_path, capsys, threshold, expected
):
    """Unreadable conditions, and conditions no run (or every run) meets, are refused in one line, writing nothing."""
    args = ["analyze", str(shipped), "--out", str(tmp_path / "a"), "--discover", "share_developers_on_alternatives"]
    assert main([*args, "--threshold", threshold]) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and err.count("\n") == 0
    assert not (tmp_path / "a").exists()  # refused before anything is written


def test_without_ema_discovery_is_a_one_line_error_naming_the_extra(tmp_path, capsys, monkeypatch):
    """A user without the extra is told how to install it, before anything is read or written."""
    monkeypatch.setattr(discovery, "ema_available", lambda: False)
    (tmp_path / "sweep").mkdir()
    assert main(["analyze", str(tmp_path / "sweep"), "--discover", "insolvencies"]) == 2
    assert "pip install 'borrowed-time[ema]'" in capsys.readouterr().err
    assert not (tmp_path / "sweep" / "analysis").exists()


@NEEDS_EMA
def test_the_ema_adapter_takes_ranges_from_the_parameter_catalogue():
    """Booleans become BooleanParameters, whole ranges come from the catalogue, values outside it are refused."""
    from ema_workbench import BooleanParameter, IntegerParameter, RealParameter

    from experiments.ema import ema_model

    model = ema_model(
        uncertainties={"cdn_donation": None, "token_hygiene_mean": (0.1, 0.9), "worm_packages_per_token": None},
        outcomes=["insolvencies", "npm.removal_median_hours.mean"],
        years=1,
    )
    kinds = {parameter.name: type(parameter) for parameter in model.uncertainties}
    assert kinds == {
        "cdn_donation": BooleanParameter,
        "token_hygiene_mean": RealParameter,
        "worm_packages_per_token": IntegerParameter,
    }
    tokens = next(p for p in model.uncertainties if p.name == "worm_packages_per_token")
    assert (tokens.lower_bound, tokens.upper_bound) == (1, 1000)  # the catalogue's range
    assert [outcome.name for outcome in model.outcomes] == ["insolvencies", "npm__removal_median_hours__mean"]
    for bad in ({"token_hygiene_mean": (0.1, 1.5)}, {"no_such_parameter": (0, 1)}, {"token_hygiene_mean": None}):
        with pytest.raises(ParameterError):
            ema_model(uncertainties=bad, outcomes=["insolvencies"], years=1)


@NEEDS_EMA
def test_perform_experiments_runs_the_model_with_the_runners_seeds():
    """EMA's perform_experiments on the adapter gives the same outcomes as `run()` with replication 0's seed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import perform_experiments

    from experiments.ema import ema_model

    fixed = {"n_developers": 100, "n_corporations": 40}
    model = ema_model(
        uncertainties={"fee_weight": (0.5, 3.0)},
        levers={"per_package_fee_usd": (0.0, 40.0)},
        outcomes={"share_developers_on_alternatives": "minimize", "total_cash_usd": "maximize"},
        years=1,
        fixed=fixed,
        seed=5,
    )
    experiments, outcomes = perform_experiments(model, scenarios=2, policies=2)
    assert len(experiments) == 4
    row = experiments.iloc[3]
    direct = run(
        "status-quo",
        years=1,
        seed=np.random.SeedSequence(5, spawn_key=(0,)),
        fee_weight=float(row["fee_weight"]),
        per_package_fee_usd=float(row["per_package_fee_usd"]),
        **fixed,
    )
    assert outcomes["total_cash_usd"][3] == direct.model["total_cash_usd"].iloc[-1]


SEARCH = """
name = "tiny-search"
years = 1
seed = 9
[fixed]
n_developers = 100
n_corporations = 40
[uncertainties.fee_weight]
values = [0.5, 3.0]
[levers.per_package_fee_usd]
range = [0.0, 60.0]
[levers.opex_budget_share]
range = [0.05, 0.9]
[lever_design]
kind = "latin_hypercube"
samples = 3
[outcomes]
final = ["share_developers_on_alternatives", "total_cash_usd"]
[goals.share_developers_on_alternatives]
direction = "minimize"
threshold = 0.01
[goals.total_cash_usd]
direction = "maximize"
"""


@NEEDS_EMA
def test_the_robust_search_scores_each_policy_on_its_own_runs(tmp_path):
    """Each Pareto policy's objectives equal its own runs across the spec's scenarios (satisficing share, p10)."""
    from experiments.ema import ModelFunction, Objective
    from experiments.spec import load_spec

    spec = tmp_path / "spec.toml"
    spec.write_text(SEARCH)
    out = tmp_path / "search"
    args = ["search", str(spec), "--nfe", "8", "--population", "4", "--workers", "1", "--out", str(out)]
    assert main([*args, "--format", "svg"]) == 0
    for name in ("pareto.csv", "convergence.csv", "scenarios.csv", "search.json", "pareto.svg", "archives.tar.gz"):
        assert (out / name).is_file(), name
    pareto = pd.read_csv(out / "pareto.csv")
    assert len(pareto) >= 1
    loaded = load_spec(spec)
    function = ModelFunction(
        loaded.scenario, 1, ["share_developers_on_alternatives", "total_cash_usd"], loaded.spec.fixed, 9
    )
    share = Objective("share_developers_on_alternatives", "minimize", 0.01)
    cash = Objective("total_cash_usd", "maximize", None)
    for row in pareto.head(2).itertuples():
        levers = {"per_package_fee_usd": row.per_package_fee_usd, "opex_budget_share": row.opex_budget_share}
        results = [function(fee_weight=weight, **levers) for weight in (0.5, 3.0)]
        assert getattr(row, share.name) == pytest.approx(
            share([r["share_developers_on_alternatives"] for r in results])
        )
        assert getattr(row, cash.name) == pytest.approx(cash([r["total_cash_usd"] for r in results]))
    assert main([*args]) == 2  # an earlier search's folder is not written again
    from experiments.figures import Output
    from experiments.search import redraw

    (out / "pareto.svg").unlink()
    assert redraw(out, Output(("svg",), 100)) == [out / "pareto.svg"]  # from the stored files, no runs
    commit = json.loads((out / "search.json").read_text())["code"]["commit"] or "unknown"
    assert f"commit {commit[:10]}" in (out / "pareto.svg").read_text()  # stamped with the search's code
