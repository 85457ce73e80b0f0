"""Publication figures from `analyze`: every axis labelled with its unit (read from the figure objects), no offset
notation, bands clipped to the metric's range, legends outside the panels, Sobol indices outside [0, 1] flagged;
SVG, PDF and PNG stamped with the spec hash and commit; robustness across scenarios computed from the runs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from experiments.analysis import Sweep, analysis_tables
from experiments.analysis_plots import build_figures, sensitivity_bars
from experiments.figures import CATEGORY_AXES
from experiments.folder_lock import unlock_folder
from experiments.provenance import code_version
from experiments.spec import parse_spec
from experiments.store import RUNS_FILE, SERIES_COLUMNS, SERIES_FILE
from experiments.sweep import plan_sweep
from experiments.sweep_folder import new_session, open_sweep_folder
from model.cli import main

GRID = """
name = "figures"
years = 2
replications = 3
seed = 2
[fixed]
n_developers = 100
n_corporations = 40
[uncertainties.per_package_fee_usd]
values = [0.0, 40.0]
[uncertainties.umbrella_budget_usd_per_year]
values = [2e6, 2e7]
[outcomes]
final = ["share_developers_on_alternatives", "total_cash_usd", "insolvencies", "malware_downloads.sum"]
yearly = ["total_cash_usd", "incumbents.revenue_fees_usd.sum"]
[goals.share_developers_on_alternatives]
direction = "minimize"
threshold = 0.02
[goals.total_cash_usd]
direction = "maximize"
[policies.opex]
opex_budget_share = 0.9
"""
UNIT = re.compile(r"\(([^()]+)\)$")


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> Path:
    """A small grid sweep with a policy, yearly outcomes and goals."""
    folder = tmp_path_factory.mktemp("figures")
    spec = folder / "spec.toml"
    spec.write_text(GRID)
    assert main(["sweep", str(spec), "--out", str(folder / "out"), "--workers", "2", "--no-progress"]) == 0
    return folder / "out"


def sampled(tmp_path: Path, kind: str) -> Path:
    """A sampled design with outcomes made from the design (not the model), so indices are known in advance."""
    text = (
        'name = "sampled"\nyears = 1\nseed = 3\n[outcomes]\nfinal = ["total_cash_usd", "insolvencies"]\n'
        "[uncertainties.per_package_fee_usd]\nrange = [1.0, 100.0]\n"
        "[uncertainties.token_hygiene_mean]\nrange = [0.1, 0.9]\n"
        f"[design]\nkind = '{kind}'\nsamples = {16 if kind == 'sobol' else 40}\n"
    )
    plan = plan_sweep(parse_spec(tomllib.loads(text)))
    out = tmp_path / "out"
    lock, _ = open_sweep_folder(plan, out, new_session(code_version()))
    unlock_folder(lock)
    points = plan.design.points
    runs = points.assign(run_id=points["point_id"].astype(str), replication=0, policy="baseline", status="ok")
    runs["total_cash_usd"] = 1e6 * runs["per_package_fee_usd"]
    runs["insolvencies"] = (runs["token_hygiene_mean"] > 0.5).astype(float)
    runs.assign(error="", duration_s=0.0).to_parquet(out / RUNS_FILE)
    pd.DataFrame(columns=SERIES_COLUMNS).to_parquet(out / SERIES_FILE)
    return out


def axes_of(figures) -> list:
    """Every visible data axes of the figures (colour bars aside)."""
    return [
        axis for plot in figures for axis in plot.figure.axes if axis.get_visible() and axis.get_label() != "<colorbar>"
    ]


def check_labelled(figures) -> None:
    """Every axis has a label; a quantity's label ends in its unit; no offset or exponent text on the ticks."""
    assert figures
    for plot in figures:
        plot.figure.canvas.draw()  # tick labels and offsets exist once drawn
        for axis in plot.figure.axes:
            if not axis.get_visible():
                continue
            for which in (axis.xaxis, axis.yaxis):
                label = which.get_label_text()
                is_bar = axis.get_label() == "<colorbar>"
                if is_bar and not label:
                    continue  # a colour bar's label is on its long axis
                assert label, f"{plot.stem}: an axis has no label"
                if label not in CATEGORY_AXES:
                    assert UNIT.search(label.replace("\n", " ")), f"{plot.stem}: {label!r} has no unit"
                assert which.get_offset_text().get_text() == "", f"{plot.stem}: offset on {label!r}"
            assert axis.get_legend() is None, f"{plot.stem}: a legend sits inside a panel"


def test_every_figure_of_a_grid_sweep_has_labelled_axes_with_units(grid):
    """Dose-response, heatmap, fan charts and robustness: labels with units from the catalogue, legends outside."""
    sweep = Sweep(grid)
    figures = build_figures(sweep, analysis_tables(sweep))
    stems = {plot.stem for plot in figures}
    assert {"dose-response-per_package_fee_usd", "fan-charts", "robustness"} <= stems
    assert any(stem.startswith("heatmap-") for stem in stems)
    check_labelled(figures)
    dose = next(plot for plot in figures if plot.stem == "dose-response-per_package_fee_usd")
    panels = [axis for axis in dose.figure.axes if axis.get_visible()]
    labels = [axis.get_ylabel() for axis in panels]
    assert "Developers on alternative registries (%)" in labels and "Cash reserves, all registries ($M)" in labels
    assert dose.figure.legends and all("n = 6 runs per point" in axis.get_title() for axis in panels)


@pytest.mark.parametrize("kind", ["sobol", "morris", "latin_hypercube"])
def test_every_figure_of_a_sampled_sweep_has_labelled_axes_with_units(tmp_path, kind):
    """Sensitivity figures too: index axes say what they measure, with their unit."""
    sweep = Sweep(sampled(tmp_path, kind))
    figures = build_figures(sweep, analysis_tables(sweep))
    assert "sensitivity" in {plot.stem for plot in figures}
    check_labelled(figures)


def test_bands_are_clipped_to_the_metric_range(grid):
    """A count's 95% band never goes below 0 and a share's never above 100%, even where the t-interval does."""
    sweep = Sweep(grid)
    tables = analysis_tables(sweep)
    summary = tables["summary.csv"]
    plot = next(p for p in build_figures(sweep, tables) if p.stem == "dose-response-per_package_fee_usd")
    for axis, outcome in zip(plot.figure.axes, sweep.final):
        bottoms = [path.vertices[:, 1].min() for band in axis.collections for path in band.get_paths()]
        assert min(bottoms) >= 0, outcome
    shares = [path.vertices[:, 1].max() for band in plot.figure.axes[0].collections for path in band.get_paths()]
    assert max(shares) <= 100
    assert (summary["ci_low"] < 0).any()  # the unclipped intervals do cross zero: the clip is doing work


def test_sobol_indices_outside_the_unit_interval_are_flagged(tmp_path):
    """An index above 1 or below 0 is flagged in the table's figure (hatched, with a legend entry)."""
    sweep = Sweep(sampled(tmp_path, "sobol"))
    table = pd.DataFrame(
        {
            "policy": "baseline",
            "outcome": "total_cash_usd",
            "method": "sobol",
            "parameter": ["per_package_fee_usd", "token_hygiene_mean"],
            "S1": [1.3, 0.1],
            "S1_conf": [0.2, 0.1],
            "ST": [1.1, -0.2],
            "ST_conf": [0.2, 0.1],
        }
    )
    plot = sensitivity_bars(sweep, table)
    hatched = [patch for patch in plot.figure.axes[0].patches if patch.get_hatch()]
    assert len(hatched) == 3
    assert any("outside [0, 1]" in text.get_text() for text in plot.figure.legends[0].get_texts())
    assert "outside_unit_interval" in analysis_tables(sweep)["sensitivity.csv"]


def test_formats_are_written_and_stamped_with_spec_hash_and_commit(grid, tmp_path, capsys):
    """--format svg,pdf,png --dpi: every figure in every format, its metadata and footer naming spec and commit."""
    folder = tmp_path / "analysis"
    assert main(["analyze", str(grid), "--out", str(folder), "--format", "svg,pdf,png", "--dpi", "80"]) == 0
    manifest = json.loads((grid / "manifest.json").read_text())
    spec_hash, commit = manifest["spec_hash"][:12], manifest["sessions"][-1]["code"]["commit"] or "unknown"
    stems = {path.stem for path in folder.glob("*.svg")}
    assert "fan-charts" in stems and stems == {path.stem for path in folder.glob("*.pdf")}
    assert stems == {path.stem for path in folder.glob("*.png")}
    svg = (folder / "fan-charts.svg").read_text()
    assert f"spec {spec_hash}" in svg and commit[:10] in svg and "<dc:description>" in svg
    png = Image.open(folder / "fan-charts.png")
    assert f"spec {spec_hash}" in png.text["Description"] and png.info["dpi"][0] == pytest.approx(80, abs=1)
    assert f"spec {spec_hash}".encode() in (folder / "fan-charts.pdf").read_bytes()
    assert main(["analyze", str(grid), "--out", str(tmp_path / "bad"), "--format", "svg,bmp"]) == 2
    assert "--format 'svg,bmp'" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_svg_output_is_reproducible(grid, tmp_path):
    """The same analysis gives the same SVG bytes (no dates, fixed ids), so figures can be kept in version control."""
    assert main(["analyze", str(grid), "--out", str(tmp_path / "a"), "--format", "svg"]) == 0
    assert main(["analyze", str(grid), "--out", str(tmp_path / "b"), "--format", "svg"]) == 0
    assert (tmp_path / "a" / "fan-charts.svg").read_bytes() == (tmp_path / "b" / "fan-charts.svg").read_bytes()


def test_robustness_is_regret_and_satisficing_across_scenarios(grid):
    """Per policy: percentiles over scenario means, regret against the best policy per scenario, satisficing share."""
    sweep = Sweep(grid)
    table = analysis_tables(sweep)["robustness.csv"].set_index(["outcome", "policy"])
    runs = pd.read_parquet(grid / "runs.parquet")
    means = runs.groupby(["policy", "point_id"])["share_developers_on_alternatives"].mean().unstack("policy")
    regret = means.sub(means.min(axis=1), axis=0).abs()
    for policy in ("baseline", "opex"):
        row = table.loc[("share_developers_on_alternatives", policy)]
        assert row["scenarios"] == 4
        assert row["max_regret"] == pytest.approx(regret[policy].max())
        assert row["satisficing_share"] == pytest.approx((means[policy] <= 0.02).mean())
        assert row["p50"] == pytest.approx(means[policy].quantile(0.5))
    cash = runs.groupby(["policy", "point_id"])["total_cash_usd"].mean().unstack("policy")
    best = cash.max(axis=1)
    assert table.loc[("total_cash_usd", "opex"), "max_regret"] == pytest.approx((best - cash["opex"]).max())
    assert np.isnan(table.loc[("total_cash_usd", "opex"), "satisficing_share"])  # no threshold, no share


def test_the_runs_and_series_tables_carry_their_units(grid):
    """runs.parquet's fields and series.parquet's metrics carry units and descriptions from the catalogues."""
    from experiments.store import read_units

    columns = read_units(grid / "runs.parquet")["columns"]
    assert columns["share_developers_on_alternatives"]["unit"] == "share (0–1)"
    assert columns["total_cash_usd"]["unit"] == "USD" and columns["insolvencies"]["unit"] == "events"
    assert columns["per_package_fee_usd"]["unit"] == "USD" and columns["duration_s"]["unit"] == "seconds"
    assert "Cash reserves" in columns["total_cash_usd"]["description"]
    metrics = read_units(grid / "series.parquet")["metrics"]
    assert metrics == {"incumbents.revenue_fees_usd.sum": "USD per year", "total_cash_usd": "USD"}
