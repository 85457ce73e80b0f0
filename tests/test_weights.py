"""The behavioural-weight table agrees with the parameter catalogue; the sensitivity specs are generated from it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import weights, weights_report
from experiments.design import count_points, make_design
from experiments.metrics import final_value
from experiments.spec import load_spec
from model.parameters import make_parameters
from model.runner import RunResult

SPECS = Path(__file__).resolve().parents[1] / "experiments" / "specs"


def test_every_assumption_is_sorted_once_and_every_range_holds_its_default():
    assert weights.check_table() == []
    names = weights.behavioural_weights()
    assert set(names) | set(weights.OTHER_ASSUMPTIONS) == set(weights.assumption_names())
    assert not set(names) & set(weights.OTHER_ASSUMPTIONS)


def test_a_new_unsorted_assumption_is_refused(monkeypatch):
    trimmed = dict(weights.WEIGHTS)
    del trimmed["peer_weight"]
    monkeypatch.setattr(weights, "WEIGHTS", trimmed)
    with pytest.raises(ValueError, match="peer_weight: assumption neither a weight nor classed"):
        weights.behavioural_weights()


def test_a_weight_that_is_not_an_assumption_is_refused(monkeypatch):
    grown = dict(weights.WEIGHTS, n_developers=weights.Weight(10.0, 20.0, "x2"))
    monkeypatch.setattr(weights, "WEIGHTS", grown)
    with pytest.raises(ValueError, match="n_developers: not an assumption"):
        weights.behavioural_weights()


def test_a_range_without_its_default_or_outside_the_bounds_is_refused(monkeypatch):
    bad = dict(weights.WEIGHTS, norm_weight=weights.Weight(2.0, 30.0, "x2"))
    monkeypatch.setattr(weights, "WEIGHTS", bad)
    problems = " ".join(weights.check_table())
    assert "does not hold the default" in problems
    assert "leaves the field's bounds" in problems


def test_every_range_end_alone_and_all_ends_together_are_valid_parameters():
    table = weights.behavioural_weights()
    for name, weight in table.items():
        for value in (weight.low, weight.high):
            make_parameters({name: value})
    make_parameters({name: weight.low for name, weight in table.items()})
    make_parameters({name: weight.high for name, weight in table.items()})


def test_the_shipped_morris_spec_is_the_generated_one_and_loads():
    path = SPECS / "weights-morris.toml"
    shipped = tomllib.loads(path.read_text())
    samples = shipped["design"]["samples"]
    assert path.read_text() == weights.spec_text(
        "morris", samples=samples, years=shipped["years"], seed=shipped["seed"]
    )
    assert list(shipped["parameters"]) == list(weights.behavioural_weights())
    spec = load_spec(path).spec
    assert count_points(spec) == samples * (len(shipped["parameters"]) + 1)


def test_a_morris_design_keeps_every_weight_inside_its_range():
    spec = load_spec(SPECS / "weights-morris.toml").spec
    points = make_design(spec).points
    for name, weight in weights.behavioural_weights().items():
        column = points[name].to_numpy(dtype=float)
        assert np.all((column >= weight.low - 1e-12) & (column <= weight.high + 1e-12)), name


def test_a_sobol_spec_over_named_weights_loads_and_refuses_other_names():
    text = weights.spec_text("sobol", ["peer_weight", "steward_responsiveness"], samples=8)
    table = tomllib.loads(text)
    assert list(table["parameters"]) == ["peer_weight", "steward_responsiveness"]
    assert table["design"] == {"kind": "sobol", "samples": 8, "second_order": False}
    with pytest.raises(ValueError, match="not behavioural weights: n_developers"):
        weights.spec_text("sobol", ["n_developers"])


def test_the_shipped_sobol_spec_if_any_is_generated_from_the_table():
    path = SPECS / "weights-sobol.toml"
    if not path.exists():
        pytest.skip("no Sobol spec shipped")
    shipped = tomllib.loads(path.read_text())
    expected = weights.spec_text(
        "sobol",
        list(shipped["parameters"]),
        samples=shipped["design"]["samples"],
        years=shipped["years"],
        seed=shipped["seed"],
    )
    assert path.read_text() == expected
    load_spec(path)


def _result_with_insolvencies(events: list[tuple[int, str]], years: float = 10.0) -> RunResult:
    """A run result whose only content is its insolvency events (week, registry)."""
    frame = pd.DataFrame(
        {"time": [t for t, _ in events], "year": 2026, "kind": "insolvency", "registry": [r for _, r in events]}
    )
    empty = pd.DataFrame()
    return RunResult("test", 0, years, make_parameters(), empty, empty, frame, empty)


def test_years_to_insolvency_is_the_first_event_per_registry_and_the_horizon_when_none():
    result = _result_with_insolvencies([(104, "crates"), (52, "pypi"), (260, "pypi")])
    assert final_value("years_to_first_insolvency", result) == 1.0
    assert final_value("years_to_insolvency_pypi", result) == 1.0
    assert final_value("years_to_insolvency_crates", result) == 2.0
    assert final_value("years_to_insolvency_npm", result) == 10.0
    assert final_value("years_to_first_insolvency", _result_with_insolvencies([], years=7.0)) == 7.0


def _morris_table() -> pd.DataFrame:
    """A made-up Morris table: weight a dominates outcome x, weight c alone moves outcome y."""
    rows = [("x", "a", 4.0), ("x", "b", 2.0), ("x", "c", 0.0), ("y", "a", 0.0), ("y", "b", 0.1), ("y", "c", 5.0)]
    return pd.DataFrame(rows, columns=["outcome", "parameter", "mu_star"])


def test_morris_scores_scale_each_outcome_by_its_largest_effect():
    scores = weights_report.morris_scores(_morris_table())
    assert scores.loc["a", "x"] == 1.0 and scores.loc["b", "x"] == 0.5 and scores.loc["c", "y"] == 1.0
    assert list(scores.index) == ["a", "c", "b"]  # means 0.5, 0.5, 0.26: ties keep the table's order


def test_top_weights_add_the_weight_that_tops_any_outcome():
    assert weights_report.top_weights(_morris_table(), 1) == ["a", "c"]


def test_outcome_ranges_count_censored_events_as_not_happened():
    runs = pd.DataFrame({"status": ["ok", "ok", "ok", "failed"], "years_to_x": [2.0, 10.0, 10.0, 1.0]})
    row = weights_report.outcome_ranges(runs, ["years_to_x"], horizon_years=10.0).iloc[0]
    assert row["runs"] == 3 and row["min"] == 2.0 and row["share_happened"] == 1 / 3


def test_every_sorted_assumption_is_labelled_an_assumption_in_the_calibration_doc():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "calibration.md").read_text().splitlines()
    for name in [*weights.WEIGHTS, *weights.OTHER_ASSUMPTIONS]:
        lines = [line for line in doc if f"`{name}`" in line]
        assert any("assumption" in line for line in lines), name


def test_the_markdown_table_has_a_row_per_weight():
    rows = weights.markdown_table().splitlines()[2:]
    assert [row.split("`")[1] for row in rows] == list(weights.behavioural_weights())


def test_the_generator_command_writes_a_loadable_sobol_spec_and_refuses_bad_use(tmp_path, capsys):
    assert weights.main(["sobol", "peer_weight", "cost_weight"]) == 0
    path = tmp_path / "s.toml"
    path.write_text(capsys.readouterr().out)
    assert load_spec(path).spec.design.samples == 32
    assert weights.main(["sobol"]) == 2
    assert weights.main(["sobol", "n_developers"]) == 2
    assert "not behavioural weights: n_developers" in capsys.readouterr().err


def test_morris_heatmap_scales_each_outcome_by_its_largest_effect_and_labels_its_axes():
    """Each outcome's strongest weight scores 1, an outcome no weight moves scores 0, and the axes are labelled."""
    import pandas as pd

    from experiments.weights_figure import morris_heatmap, scaled_mu_star

    rows = [
        ("a", "harm", 4.0),
        ("b", "harm", 1.0),
        ("a", "delay", 0.5),
        ("b", "delay", 2.0),
        ("a", "still", 0.0),
        ("b", "still", 0.0),
    ]
    sensitivity = pd.DataFrame(rows, columns=["parameter", "outcome", "mu_star"])
    scaled = scaled_mu_star(sensitivity)
    assert scaled.loc["a", "harm"] == 1.0 and scaled.loc["b", "harm"] == 0.25
    assert scaled.loc["b", "delay"] == 1.0 and scaled.loc["a", "delay"] == 0.25
    assert (scaled["still"] == 0.0).all()
    axis = morris_heatmap(sensitivity).axes[0]
    assert axis.get_xlabel() and axis.get_ylabel() and axis.get_title()
