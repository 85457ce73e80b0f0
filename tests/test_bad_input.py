"""Bad input: one-line errors naming the field, exit code 2, no traceback, no partial output."""

import subprocess
import sys

import pytest

from model import ParameterError, RegistryModel, load_scenario, run
from model.cli import main


def cli(args, tmp_path):
    """Run the command in a subprocess, as a user would, from a scratch folder."""
    return subprocess.run(
        [sys.executable, "-m", "model.cli", *args], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )


def in_process(args, tmp_path, monkeypatch, capsys):
    """Run the command's `main` in this process from a scratch folder: its exit code and stderr.

    An exception that escapes `main` (which a user would see as a traceback) fails the test here;
    `test_the_installed_command_prints_one_line_and_exits_2` checks the real entry point.
    """
    monkeypatch.chdir(tmp_path)
    try:
        code = main(args)
    except SystemExit as exc:  # the parser's own errors
        code = exc.code
    return code, capsys.readouterr().err


BAD_CLI = [
    (["run", "--scenario", "no-such-scenario"], "unknown scenario 'no-such-scenario'"),
    (["run", "--set", "per_package_fee_usd=-5"], "'per_package_fee_usd' must be between 0"),
    (["run", "--set", "opex_budget_share=1.5"], "'opex_budget_share' must be between 0 and 1"),
    (["run", "--set", "no_such_lever=3"], "unknown parameter 'no_such_lever'"),
    (["run", "--set", "umbrela_budget_usd_per_year=3"], "did you mean 'umbrella_budget_usd_per_year'"),
    (["run", "--set", "n_corporations=ten"], "'n_corporations'"),
    (["run", "--set", "novalue"], "--set expects name=value"),
    (["run", "--years", "0"], "'years' must be a number between 0 and 100"),
    (["run", "--seed", "-1"], "'seed' must be a whole number >= 0"),
    (["run", "--years", "abc"], "--years"),
    (["run", "--scenario", "missing.toml"], "scenario file 'missing.toml' not found"),
]


@pytest.mark.parametrize("args, message", BAD_CLI)
def test_cli_rejects_bad_input_in_one_line(args, message, tmp_path, monkeypatch, capsys):
    """Exit code 2, a single stderr line naming the problem, no traceback, no output folder."""
    code, stderr = in_process(args, tmp_path, monkeypatch, capsys)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("args, message", [BAD_CLI[1], BAD_CLI[-2]])
def test_the_installed_command_prints_one_line_and_exits_2(args, message, tmp_path):
    """As a user runs it, in its own interpreter: exit code 2, one line, no traceback."""
    done = cli(args, tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("per_package_fee_usd = \n", "malformed TOML"),
        ("preset = 'status-quo'\nbogus = 1\n", "unknown parameter 'bogus'"),
        ("preset = 'nope'\n", "unknown scenario 'nope'"),
        ("min_security_share = 2\n", "'min_security_share' must be between 0 and 1"),
        ("[levers]\nx = 1\n", "scenario files are flat"),
        ("years = -3\n", "'years' must be a number between 0 and 100"),
    ],
)
def test_bad_scenario_files(content, message, tmp_path, monkeypatch, capsys):
    """Malformed or invalid TOML files are rejected with the file and field named."""
    path = tmp_path / "bad.toml"
    path.write_text(content)
    code, stderr = in_process(["run", "--scenario", str(path)], tmp_path, monkeypatch, capsys)
    assert code == 2 and message in stderr and "bad.toml" in stderr, stderr
    assert len(stderr.strip().splitlines()) == 1


def test_run_function_raises_parameter_errors():
    """The Python API raises ParameterError with the same messages."""
    with pytest.raises(ParameterError, match="unknown parameter 'fee'"):
        run(years=1, fee=3)
    with pytest.raises(ParameterError, match="'pledge_usd_per_developer' must be between 0"):
        run(years=1, pledge_usd_per_developer=-1)
    with pytest.raises(ParameterError, match="'years'"):
        run(years="ten")
    with pytest.raises(ParameterError, match="unknown registry 'pipy'"):
        RegistryModel(fee_registries=["pipy"])
    with pytest.raises(ParameterError, match="runway_months"):
        RegistryModel(degraded_runway_months=0.5)


def test_a_good_scenario_file_overrides_its_preset(tmp_path):
    """A TOML file names a preset and overrides a parameter on top of it."""
    path = tmp_path / "mine.toml"
    path.write_text('preset = "opex-norm"\ndescription = "mine"\nyears = 3\npledge_usd_per_developer = 4000\n')
    scenario = load_scenario(path)
    params = scenario.parameters()
    assert scenario.years == 3 and params.opex_budget_share == 0.9 and params.pledge_usd_per_developer == 4000


def test_cli_run_writes_data_and_chart(tmp_path):
    """A good run prints the summary and writes Parquet, CSV and the chart where it says."""
    out = tmp_path / "out"
    args = ["run", "--years", "2", "--seed", "4", "--set", "cdn_donation=false", "--set", "worm_waves_per_year=0"]
    assert main([*args, "--out", str(out)]) == 0  # a run without any worm writes an empty worms table
    for name in ("model", "registries", "events", "worms"):
        assert (out / f"{name}.parquet").stat().st_size > 0 and (out / f"{name}.csv").stat().st_size > 0
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out-")], "staging folder left behind"


def test_scenarios_lists_every_preset(capsys):
    """`borrowed-time scenarios` names each preset with its description."""
    assert main(["scenarios"]) == 0
    listed = capsys.readouterr().out
    for name in (
        "status-quo",
        "per-package-fee",
        "publisher-subscription",
        "enterprise-tier",
        "opex-norm",
        "funder-misses-round",
        "worm-outbreak",
        "history",
    ):
        assert name in listed
