"""The metric catalogue agrees with docs/outputs.md: every reported column has an entry with the docs' unit and
meaning; outcome and parameter labels carry units; display scales turn dollars into $M and shares into %."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agents.registry import COST_ITEMS
from experiments.catalogue import (
    CATALOGUE,
    DERIVED_COLUMNS,
    MODEL_COLUMNS,
    REGISTRY_CATALOGUE,
    outcome_info,
    parameter_info,
    units_table,
)
from experiments.metrics import DERIVED
from model.parameters import ModelParameters
from model.reporters import MODEL_REPORTERS, REGISTRY_REPORTERS

OUTPUTS = Path(__file__).resolve().parent.parent / "docs" / "outputs.md"
NOT_MEASURES = ("time", "year", "registry", "kind", "status")


def plain(text: str) -> str:
    """Markdown table text as plain text: links to their text, no code ticks or bold."""
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text).replace("`", "").replace("**", "").strip()


def docs_rows(section: str) -> dict[str, tuple[str, str]]:
    """Column name -> (unit, meaning) from the tables of one top-level section of docs/outputs.md."""
    text = OUTPUTS.read_text()
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in body.splitlines():
        match = re.match(r"^\| `([a-z_<>]+)` \|(.*)\|\s*$", line)
        if match:
            cells = [cell.strip() for cell in match.group(2).split("|")]
            if len(cells) >= 2:
                rows[match.group(1)] = (cells[-2], plain(cells[-1]))
    return rows


def test_every_model_column_has_the_docs_unit_and_meaning():
    """Each model reporter is catalogued with the unit and meaning docs/outputs.md section 1 gives it."""
    docs = docs_rows("1. `model`")
    measures = [name for name in MODEL_REPORTERS if name not in NOT_MEASURES]
    assert sorted(column.name for column in MODEL_COLUMNS) == sorted(measures)
    for name in measures:
        assert name in docs, f"{name} is not in docs/outputs.md"
        assert (CATALOGUE[name].unit, CATALOGUE[name].description) == docs[name], name


def test_every_registry_column_has_the_docs_unit_and_meaning():
    """Each registry reporter is catalogued as docs/outputs.md section 2 describes it (cost items by pattern)."""
    docs = docs_rows("2. `registries`")
    measures = [name for name in REGISTRY_REPORTERS if name not in NOT_MEASURES]
    assert sorted(REGISTRY_CATALOGUE) == sorted(measures)
    for name in measures:
        key = name
        for item in COST_ITEMS:
            key = key.replace(f"cost_{item}_usd", "cost_<item>_usd").replace(f"inkind_{item}_usd", "inkind_<item>_usd")
        assert key in docs, f"{name} is not in docs/outputs.md"
        assert (REGISTRY_CATALOGUE[name].unit, REGISTRY_CATALOGUE[name].description) == docs[key], name


def test_every_derived_metric_is_catalogued():
    """The whole-run metrics of experiments/metrics.py have entries too."""
    assert sorted(column.name for column in DERIVED_COLUMNS) == sorted(DERIVED)
    assert len(units_table()) == len(MODEL_COLUMNS) + len(REGISTRY_CATALOGUE) + len(DERIVED_COLUMNS)


@pytest.mark.parametrize(
    ("outcome", "yearly", "unit", "scale", "upper"),
    [
        ("total_cash_usd", False, "$M", 1e-6, float("inf")),
        ("corporate_harm_usd.sum", False, "$M", 1e-6, float("inf")),
        ("incumbents.revenue_fees_usd.sum", True, "$M per year", 1e-6, float("inf")),
        ("grants_usd.mean", False, "$M per week", 1e-6, float("inf")),
        ("share_developers_on_alternatives", False, "%", 100.0, 1.0),
        ("npm.removal_median_hours.mean", False, "h", 1.0, float("inf")),
        ("insolvencies", False, "events", 1.0, 5),
    ],
)
def test_outcomes_are_shown_in_their_units(outcome, yearly, unit, scale, upper):
    """Dollars in $M (a weekly flow summed is a total, or a yearly figure), shares in % within [0, 1], hours in h."""
    info = outcome_info(outcome, yearly=yearly)
    assert info.unit == unit and info.scale == scale and info.upper == upper and info.lower == 0
    assert info.axis_label.endswith(f"({unit})") and "_" not in info.title


def test_parameters_are_labelled_from_the_parameter_catalogue():
    """Every numeric parameter gets a label with a unit, read from its description and name."""
    for name in ModelParameters.model_fields:
        info = parameter_info(name)
        assert re.search(r"\(.+\)$", info.axis_label), name
    assert parameter_info("umbrella_budget_usd_per_year", [1e6, 2e7]).axis_label.endswith("($M/year)")
    assert parameter_info("per_package_fee_usd", [0, 80]).axis_label == "Per-package fee ($)"  # the explorer's label
    assert parameter_info("fee_weight").axis_label == "Switching-utility weight on fee burden (dimensionless)"
    assert parameter_info("token_hygiene_mean").unit == "%"
    assert (parameter_info("token_hygiene_mean").lower, parameter_info("token_hygiene_mean").upper) == (0.0, 1.0)
