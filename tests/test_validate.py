"""`borrowed-time validate`: the targets table, the scoring rules, the report folder and the command's errors.

These tests check how targets are read and scored and that the report is written whole; they never
assert that the model passes a target.
"""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from experiments import validation
from experiments.outfolder import MARKER, marker_kind
from experiments.validation import Band, Member, Score, Target, load_targets, removal_share_within, top_share
from experiments.validation_report import FILES, failures_text, markdown_table
from model import ParameterError, make_parameters
from model.cli import main


def cli(args, cwd):
    """Run the command in a subprocess from `cwd`, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "model.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


ENTRY = """
[[target]]
id = "a"
label = "independent"
description = "a target"
metric = "pypi_removals_2020"
observed = 500
unit = "projects"
source = "somewhere"
band = { kind = "factor", factor = 2.0 }
"""


# ----- the table ------------------------------------------------------------------------------------
def test_shipped_table_has_one_entry_per_target_and_known_metrics():
    targets, calibrations = load_targets()
    assert len({t.id for t in targets}) == len(targets) >= 16
    assert all(t.metric in validation.METRICS for t in targets)
    assert calibrations, "the report must list the figures used to calibrate"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('metric = "pypi_removals_2020"', 'metric = "no_such_metric"'), "unknown metric 'no_such_metric'"),
        (('kind = "factor"', 'kind = "within"'), "band kind 'within'"),
        (("factor = 2.0", "factor = 0.5"), "band factor must be at least 1"),
        (('label = "independent"', 'label = "validated"'), "label 'validated'"),
        (("observed = 500", 'observed = "500"'), "field 'observed' has the wrong type"),
        (('source = "somewhere"\n', ""), "field 'source' is missing"),
        (('id = "a"', 'id = "a"\ncolour = "red"'), "unknown field 'colour'"),
    ],
)
def test_a_bad_table_entry_is_one_line_naming_the_field(change, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(")):
        load_targets(ENTRY.replace(*change))


def test_a_target_given_twice_is_refused():
    with pytest.raises(ParameterError, match="target id 'a' appears twice"):
        load_targets(ENTRY + ENTRY)


def test_bands_follow_their_kind():
    (target,), _ = load_targets(ENTRY)
    assert (target.band.low, target.band.high) == (250, 1000)
    relative = load_targets(
        ENTRY.replace('{ kind = "factor", factor = 2.0 }', '{ kind = "relative", tolerance = 0.15 }')
    )
    assert relative[0][0].band.low == pytest.approx(425) and relative[0][0].band.high == pytest.approx(575)
    points = load_targets(ENTRY.replace('{ kind = "factor", factor = 2.0 }', '{ kind = "points", tolerance = 8 }'))
    assert (points[0][0].band.low, points[0][0].band.high) == (492, 508)
    assert not Band("at_least", 1.0, math.inf).holds(float("nan"))


# ----- scoring --------------------------------------------------------------------------------------
def a_target(seeds_needed=None) -> Target:
    """A target whose band is [1, 2]."""
    return Target("t", "t", "pypi_removals_2020", 1.5, "x", "s", "independent", Band("range", 1.0, 2.0), seeds_needed)


def test_a_target_passes_when_the_median_is_in_the_band():
    assert Score(a_target(), (0.0, 1.5, 1.6)).passed
    assert not Score(a_target(), (0.0, 0.5, 1.6)).passed


def test_a_share_of_seeds_must_lie_in_the_band_when_asked():
    values = (1.5,) * 8 + (5.0,) * 2
    assert Score(a_target(0.8), values).passed
    assert not Score(a_target(0.9), values).passed
    assert Score(a_target(0.9), values).seeds_in_band == 8


def test_a_metric_undefined_in_half_the_seeds_or_more_fails():
    nan = float("nan")
    assert not Score(a_target(), (1.5, 1.5, nan, nan)).passed
    assert Score(a_target(), (1.5, 1.5, 1.5, nan)).passed
    assert Score(a_target(), (1.5, 1.5, 1.5, nan)).seeds_with_value == 3


def test_failures_are_listed_by_registry_with_their_first_year():
    p = make_parameters({"start_year": 2019})
    registries = pd.DataFrame(
        {
            "registry": ["pypi", "pypi", "npm", "pypi"],
            "kind": ["incumbent"] * 4,
            "year": [2019, 2021, 2021, 2022],
            "status": ["healthy", "degraded", "strained", "shut_down"],
        }
    )
    member = Member(model=pd.DataFrame(), registries=registries, params=p)
    assert validation.first_failures(member) == {"pypi": (2021, "degraded")}
    assert validation.never_failed(member) == 0.0
    text = failures_text([member, Member(model=pd.DataFrame(), registries=registries.iloc[:1], params=p)])
    assert text == "- pypi: failed in 1 of 2 seeds (first in 2021 to 2021); shut down (insolvent) in 1"


def test_the_report_table_escapes_text_that_would_break_a_row():
    target = Target("t", "a | b", "pypi_removals_2020", 1.5, "x", "s", "independent", Band("range", 1.0, 2.0))
    row = markdown_table([Score(target, (1.5,))]).splitlines()[2]
    assert "a \\| b" in row and row.count(" | ") == 6


# ----- metrics --------------------------------------------------------------------------------------
def weeks(median, wait=0.0, arrivals=10, n=1) -> pd.DataFrame:
    """PyPI rows of one year with a removal median (service plus wait) and a wait."""
    return pd.DataFrame(
        {
            "malware_arrivals": [arrivals] * n,
            "removal_median_hours": [median + wait] * n,
            "removal_wait_hours": [wait] * n,
        }
    )


def test_removal_shares_follow_the_lognormal_cap_and_wait():
    p = make_parameters()
    assert removal_share_within(weeks(5.0), 5.0, p) == pytest.approx(0.5)
    assert removal_share_within(weeks(5.0), p.removal_max_hours_not_overloaded + 1, p) == 1.0
    assert removal_share_within(weeks(5.0, wait=10.0), 10.0, p) == 0.0
    assert removal_share_within(weeks(5.0, wait=10.0), 15.0, p) == pytest.approx(0.5)
    assert math.isnan(removal_share_within(weeks(5.0, arrivals=0), 5.0, p))


def test_removal_shares_pool_weeks_by_arrivals():
    p = make_parameters()
    rows = pd.concat([weeks(1.0, arrivals=30), weeks(100.0, arrivals=10)])
    share = removal_share_within(rows, 10.0, p)
    expected = (30 * removal_share_within(weeks(1.0), 10.0, p) + 10 * removal_share_within(weeks(100.0), 10.0, p)) / 40
    assert share == pytest.approx(expected)
    assert validation.removal_quantile_hours(weeks(7.0), 0.5, p) == pytest.approx(7.0, rel=1e-6)


def test_top_share_is_the_largest_hundredth_of_the_users():
    volumes = np.array([0.0] * 50 + [1.0] * 99 + [99.0])
    assert top_share(volumes) == pytest.approx(99 / 198)


def test_cumulative_counts_are_read_at_the_week_that_ends_the_date():
    p = make_parameters({"start_year": 2019})
    model = pd.DataFrame({"time": np.arange(1, 400), "cumulative_malicious_identified": np.arange(1, 400) * 10.0})
    member = Member(model=model, registries=pd.DataFrame(), params=p)
    assert member.cumulative_malicious_at(2024.5) == 286 * 10.0
    assert math.isnan(member.cumulative_malicious_at(2040.0))


# ----- the command ---------------------------------------------------------------------------------
def refused(args, capsys, message: str) -> None:
    """The command, run in this process, exits 2 with one stderr line holding `message` and no traceback."""
    code = main(args)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err


def test_bad_seeds_are_one_line_and_exit_2(tmp_path, capsys):
    refused(["validate", "--seeds", "0", "--out", str(tmp_path / "r")], capsys, "--seeds")
    assert not (tmp_path / "r").exists()


def test_a_folder_it_did_not_write_is_refused(tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep\n")
    refused(["validate", "--quick", "--out", str(tmp_path / "mine")], capsys, "was not written by")
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x")
    refused(["validate", "--quick", "--out", str(tmp_path / "file")], capsys, "is a file")


def test_quick_mode_writes_the_report_then_needs_force_to_replace_it(tmp_path, capsys):
    out = tmp_path / "report"
    args = ["validate", "--quick", "--seeds", "1", "--workers", "1", "--out", str(out)]
    done = cli(args, tmp_path)  # as a user runs it
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} == {*FILES, MARKER}
    assert marker_kind(out) == "validate"
    report = (out / "validation.md").read_text()
    targets, calibrations = load_targets()
    for target in targets:
        assert target.description in report and target.description in done.stdout
    assert "Figures used to calibrate" in report and calibrations[0].figure in report
    assert report.count("| PASS |") + report.count("| FAIL |") == len(targets)
    refused(args, capsys, "pass --force")
    (out / "extra.txt").write_text("mine")
    refused([*args, "--force"], capsys, "also holds 'extra.txt'")
