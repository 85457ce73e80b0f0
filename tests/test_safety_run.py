"""`borrowed-time run` never removes or overwrites what it did not write; bad input is one line and exit 2.

Each test is named after a defect it guards against. Refusals are checked by exit code, a single
stderr line naming the problem, no traceback, and a folder left exactly as it was (no output and no
staging folder).
"""

import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import experiments.charts
import model.runner
from experiments.outfolder import MARKER, marker_kind
from model import ParameterError, RegistryModel, load_scenario, make_parameters, run
from model.cli import main

QUICK = ["--years", "0.1", "--set", "n_developers=200", "--set", "n_corporations=50"]


def cli(args, cwd):
    """Run the command in a subprocess from `cwd`, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "model.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=180
    )


@pytest.fixture
def cli_in_process(monkeypatch, capsys):
    """The command's `main` run in this process from a folder, for input checks made before any write.

    It returns an object with `returncode` and `stderr`, like `cli`; an exception escaping `main` (a
    traceback for a user) fails the test. The folder tests above run the installed command instead.
    """

    def call(args, cwd):
        monkeypatch.chdir(cwd)
        try:
            code = main(args)
        except SystemExit as exc:  # the parser's own errors
            code = exc.code
        return SimpleNamespace(returncode=code, stderr=capsys.readouterr().err)

    return call


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every path below `folder` with its bytes (None for a folder): a fingerprint of what is there."""
    return {str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes() for path in folder.rglob("*")}


def assert_refused(done, message: str) -> None:
    """Exit code 2, one stderr line holding `message`, no traceback."""
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def a_folder_of_user_files(folder: Path) -> Path:
    """A folder holding files and a subfolder the program did not write."""
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("my notes\n")
    (folder / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return folder


# ----- item 1: an existing folder is never removed or overwritten ----------------------------------------------


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_run_out_refuses_existing_foreign_folder(tmp_path, force):
    """`--out mydata` on a folder of other files: refused, with or without --force; every file stays."""
    a_folder_of_user_files(tmp_path / "mydata")
    before = snapshot(tmp_path)
    done = cli(["run", *QUICK, "--out", "mydata", *force], tmp_path)
    assert_refused(done, "was not written by `borrowed-time run`")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_run_out_dot_leaves_every_file_of_the_working_folder(tmp_path, force):
    """`--out .` in a working folder full of files is refused and leaves every file."""
    a_folder_of_user_files(tmp_path)
    before = snapshot(tmp_path)
    done = cli(["run", *QUICK, "--out", ".", *force], tmp_path)
    assert_refused(done, "'.' exists and was not written by")
    assert snapshot(tmp_path) == before


def test_run_out_dotdot_leaves_every_file_of_the_parent_folder(tmp_path):
    """`--out ..` is refused and leaves the parent folder (and the working folder in it) as they were."""
    a_folder_of_user_files(tmp_path)
    (tmp_path / "work").mkdir()
    before = snapshot(tmp_path)
    done = cli(["run", *QUICK, "--out", ".."], tmp_path / "work")
    assert_refused(done, "'..' exists and was not written by")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_run_out_root_is_refused_before_any_write(monkeypatch, capsys, force):
    """`--out /` is refused before the model runs and before any folder is made, moved or removed."""
    calls = []

    def forbidden(name):
        def fail(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} called for --out /")

        return fail

    for owner, name in [
        (shutil, "rmtree"),
        (os, "rename"),
        (os, "replace"),
        (os, "mkdir"),
        (os, "makedirs"),
        (tempfile, "mkdtemp"),
        (Path, "mkdir"),
        (Path, "rename"),
        (model.runner, "run"),
    ]:
        monkeypatch.setattr(owner, name, forbidden(f"{getattr(owner, '__name__', owner)}.{name}"))
    assert main(["run", *QUICK, "--out", "/", *force]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'/' exists and was not written by" in err[0]
    assert calls == []


def test_run_force_replaces_an_earlier_runs_folder(tmp_path):
    """A folder a run wrote carries the run marker; again it is refused with a hint, and --force replaces it."""
    assert cli(["run", *QUICK, "--seed", "1", "--out", "out"], tmp_path).returncode == 0
    out = tmp_path / "out"
    assert marker_kind(out) == "run" and (out / "chart.png").is_file()
    first = snapshot(out)

    again = cli(["run", *QUICK, "--seed", "2", "--out", "out"], tmp_path)
    assert_refused(again, "pass --force")
    assert snapshot(out) == first

    forced = cli(["run", *QUICK, "--seed", "2", "--out", "out", "--force"], tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert marker_kind(out) == "run"
    assert (out / "registries.csv").read_bytes() != first["registries.csv"]  # seed 2's results, not seed 1's
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]  # no staging or replaced folder left


def test_run_force_refuses_an_earlier_runs_folder_holding_other_files(tmp_path):
    """--force replaces only what run wrote: a run folder the user added a file to is refused, untouched."""
    assert cli(["run", *QUICK, "--out", "out"], tmp_path).returncode == 0
    (tmp_path / "out" / "my-analysis.txt").write_text("keep me\n")
    before = snapshot(tmp_path)
    done = cli(["run", *QUICK, "--out", "out", "--force"], tmp_path)
    assert_refused(done, "'my-analysis.txt', which `borrowed-time run` does not write")
    assert snapshot(tmp_path) == before


def test_run_out_writes_into_an_existing_empty_folder(tmp_path):
    """An existing empty folder is filled: the tables, the ensemble's summary, the chart and the marker, nothing else."""
    (tmp_path / "empty").mkdir()
    done = cli(["run", *QUICK, "--out", "empty"], tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(path.name for path in (tmp_path / "empty").iterdir())
    tables = [f"{t}.{ext}" for t in ("model", "registries", "events", "worms") for ext in ("csv", "parquet")]
    assert names == sorted([MARKER, "chart.png", "summary.csv", *tables])
    assert json.loads((tmp_path / "empty" / MARKER).read_text())["kind"] == "run"


def disk_full(*args, **kwargs):
    """A write that fails as on a full disk."""
    raise OSError(errno.ENOSPC, "No space left on device")


def test_run_force_keeps_the_earlier_results_when_writing_fails(tmp_path, monkeypatch, capsys):
    """With --force, a failed write leaves the earlier run's folder as it was, and no staging folder."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", *QUICK, "--out", "out"]) == 0
    before = snapshot(tmp_path)
    capsys.readouterr()
    monkeypatch.setattr(experiments.charts, "save_run_chart", disk_full)
    assert main(["run", *QUICK, "--seed", "5", "--out", "out", "--force"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0]
    assert snapshot(tmp_path) == before


def test_run_failed_write_leaves_no_output_or_staging_folder(tmp_path, monkeypatch, capsys):
    """A write that fails into a new folder leaves nothing: no output, staging or parent folder it made."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(experiments.charts, "save_run_chart", disk_full)
    assert main(["run", *QUICK, "--out", "results/deeper/out"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


# ----- item 2: one-line errors, exit 2, for bad places and bad input --------------------------------------------


@pytest.mark.parametrize(
    "out, message", [("afile", "'afile' is a file"), ("afile/x", "'afile/x' lies below the file 'afile'")]
)
def test_run_out_on_a_file_or_below_a_file(tmp_path, out, message):
    """`--out` naming a file, or a path below one, is one line and exit 2; the file stays."""
    (tmp_path / "afile").write_text("precious\n")
    done = cli(["run", *QUICK, "--out", out], tmp_path)
    assert_refused(done, message)
    assert snapshot(tmp_path) == {"afile": b"precious\n"}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a user whose permissions are enforced")
def test_run_out_in_a_read_only_folder(tmp_path):
    """`--out` in a folder the user cannot write is one line and exit 2."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        done = cli(["run", *QUICK, "--out", "locked/out"], tmp_path)
        assert_refused(done, "permission denied")
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, which no user can write in")
def test_run_out_where_the_system_refuses_to_write(tmp_path):
    """A place even root cannot write gives one line and exit 2 when the write fails, not a traceback."""
    done = cli(["run", *QUICK, "--out", "/proc/borrowed-time-out"], tmp_path)
    assert_refused(done, "cannot write")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", ["", ".toml"])
def test_run_scenario_name_of_5000_characters(tmp_path, suffix, cli_in_process):
    """A 5,000-character scenario name is one line, exit 2, not an OSError traceback."""
    done = cli_in_process(["run", "--scenario", "a" * 5000 + suffix], tmp_path)
    assert_refused(done, "scenario name or file is too long (")
    assert len(done.stderr) < 400
    assert list(tmp_path.iterdir()) == []


def test_run_deeply_nested_toml_scenario_file(tmp_path, cli_in_process):
    """A TOML scenario nested thousands deep is one line naming the file, not a RecursionError."""
    (tmp_path / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    done = cli_in_process(["run", "--scenario", "deep.toml"], tmp_path)
    assert_refused(done, "scenario file 'deep.toml': values are nested too deeply")
    assert [path.name for path in tmp_path.iterdir()] == ["deep.toml"]


def test_run_set_deeply_nested_value(tmp_path, cli_in_process):
    """A --set value nested thousands deep is one line naming the parameter."""
    done = cli_in_process(["run", "--set", "fee_registries=" + "[" * 5000 + "]" * 5000], tmp_path)
    assert_refused(done, "--set 'fee_registries': the value is nested too deeply")
    assert list(tmp_path.iterdir()) == []


def test_run_years_giving_zero_weeks_is_refused_before_writing(tmp_path, cli_in_process):
    """`--years 0.001` (no whole week) is refused before anything is written, on the command line and in run()."""
    done = cli_in_process(["run", "--years", "0.001"], tmp_path)
    assert_refused(done, "'years' must be a number between 0 and 100 that makes at least one week")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ParameterError, match="at least one week"):
        run(years=0.001)
    path = tmp_path / "tiny.toml"
    path.write_text("years = 0.005\n")
    with pytest.raises(ParameterError, match=r"tiny\.toml.*at least one week"):
        load_scenario(path)


# ----- item 3: strict types: a bool is not a number, text is not a bool ----------------------------------------


@pytest.mark.parametrize(
    "assignment, message",
    [
        ("n_corporations=true", "'n_corporations' must be a whole number between 1 and 200000 (got True)"),
        ("per_package_fee_usd=true", "'per_package_fee_usd' must be a number"),
        ("cdn_donation=yes", "'cdn_donation' must be true or false (got 'yes')"),
        ("cdn_donation=1", "'cdn_donation' must be true or false (got 1)"),
        ("cdn_donor_leaves_year=false", "'cdn_donor_leaves_year' must be a whole number"),
    ],
)
def test_set_boolean_as_number_or_text_as_boolean_is_refused(tmp_path, assignment, message, cli_in_process):
    """`--set n_corporations=true` no longer runs with one corporation: one line naming the field and type."""
    done = cli_in_process(["run", "--set", assignment], tmp_path)
    assert_refused(done, message)
    assert list(tmp_path.iterdir()) == []


def test_python_api_and_scenario_files_use_strict_types(tmp_path):
    """run(), RegistryModel() and scenario TOML refuse a bool for a number and text for a bool."""
    with pytest.raises(ParameterError, match="'n_corporations' must be a whole number"):
        run(years=0.1, n_corporations=True)
    with pytest.raises(ParameterError, match="'umbrella_budget_usd_per_year' must be a number"):
        RegistryModel(umbrella_budget_usd_per_year=False)
    with pytest.raises(ParameterError, match="'alternatives_enabled' must be true or false"):
        RegistryModel(alternatives_enabled="false")
    path = tmp_path / "strict.toml"
    path.write_text("n_umbrella_funders = true\n")
    with pytest.raises(ParameterError, match=r"strict\.toml.*'n_umbrella_funders' must be a whole number"):
        load_scenario(path)


def test_an_int_is_still_a_number_for_a_float_parameter():
    """Strict types keep the obvious: 5 is a fine fee in dollars, and a numpy float is a float."""
    params = make_parameters({"per_package_fee_usd": 5, "umbrella_budget_usd_per_year": np.float64(2e6)})
    assert params.per_package_fee_usd == 5.0 and isinstance(params.per_package_fee_usd, float)
    assert params.umbrella_budget_usd_per_year == 2e6


# ----- item 4: the model's own arguments ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        ((), {"rng": -1}, "'rng' must be a whole number >= 0"),
        ((), {"rng": "x"}, "'rng' must be a whole number >= 0"),
        ((), {"rng": True}, "'rng' must be a whole number >= 0"),
        ((), {"rng": 1.5}, "'rng' must be a whole number >= 0"),
        (("x",), {}, "'params' must be a ModelParameters object or None"),
        (({"n_corporations": 10},), {}, "'params' must be a ModelParameters object or None"),
    ],
)
def test_registry_model_rejects_bad_rng_and_params(args, kwargs, message):
    """`RegistryModel(rng=-1)`, `rng="x"`, `RegistryModel("x")`: a one-line ParameterError naming the argument."""
    with pytest.raises(ParameterError, match=message) as caught:
        RegistryModel(*args, **kwargs)
    assert "\n" not in str(caught.value)


def test_registry_model_accepts_seed_sequences_and_generators():
    """Good seeds still work: a whole number, numpy's SeedSequence and Generator."""
    for rng in (0, np.int64(3), np.random.SeedSequence(4), np.random.default_rng(5)):
        RegistryModel(rng=rng, n_developers=50, n_corporations=10)
