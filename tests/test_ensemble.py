"""Ensembles: `run_ensemble` gives `run()`'s frames with a seed column, the same in a pool as in one process."""

import contextlib
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import psutil
import pytest

from model import ParameterError, run, run_ensemble
from model.cli import main
from model.ensemble import FRAMES

SMALL = {"n_developers": 400, "n_corporations": 100}


def test_members_equal_single_runs_and_do_not_depend_on_the_number_of_workers():
    """Member k of a pooled ensemble is run(seed=SeedSequence(root, spawn_key=(k,))); one process gives the same frames."""
    pooled = run_ensemble("worm-outbreak", years=1.5, seeds=3, workers=2, root_seed=4, **SMALL)
    alone = run_ensemble("worm-outbreak", years=1.5, seeds=3, workers=1, root_seed=4, **SMALL)
    assert pooled.seeds == [0, 1, 2]
    for name in FRAMES:
        frame = getattr(pooled, name)
        assert frame.columns[0] == "seed"
        pd.testing.assert_frame_equal(frame, getattr(alone, name), check_exact=True)
    for k in pooled.seeds:
        single = run("worm-outbreak", years=1.5, seed=np.random.SeedSequence(4, spawn_key=(k,)), **SMALL)
        member = pooled.member(k)
        for name in FRAMES:
            pd.testing.assert_frame_equal(getattr(member, name), getattr(single, name), check_exact=True)
    assert pooled.registries.groupby("seed")["cash_usd"].sum().nunique() == 3  # the members differ


def test_a_list_of_seeds_runs_each_seed_as_run_does():
    """seeds=[5, 2] runs run(seed=5) and run(seed=2), in that order, labelled by the seeds themselves."""
    result = run_ensemble(years=0.5, seeds=[5, 2], workers=2, **SMALL)
    assert result.seeds == [5, 2] and list(result.model["seed"].unique()) == [5, 2]
    pd.testing.assert_frame_equal(result.member(2).registries, run(years=0.5, seed=2, **SMALL).registries)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"seeds": 0}, "'seeds' must be a whole number from 1"),
        ({"seeds": "8"}, "'seeds' must be a whole number of seeds or a list"),
        ({"seeds": [1, 1]}, "lists a seed twice"),
        ({"seeds": [1, -2]}, "'seeds' must list whole numbers >= 0"),
        ({"seeds": 2, "workers": 0}, "'workers' must be a whole number >= 1"),
        ({"seeds": 2, "root_seed": -1}, "'root_seed' must be a whole number >= 0"),
        ({"seeds": 2, "no_such_lever": 1}, "unknown parameter 'no_such_lever'"),
    ],
)
def test_bad_ensemble_input_is_one_line(kwargs, message):
    """Bad seeds, workers or parameters raise a one-line ParameterError before anything runs."""
    with pytest.raises(ParameterError, match=message) as raised:
        run_ensemble(years=0.1, **kwargs)
    assert "\n" not in str(raised.value)


def test_cli_run_is_an_ensemble_by_default(tmp_path, monkeypatch, capsys):
    """`run` without --seed runs an ensemble: per-registry medians, tidy tables with a seed column, summary, chart."""
    monkeypatch.chdir(tmp_path)
    args = ["run", "--years", "1", "--seeds", "3", "--set", "n_developers=400", "--set", "n_corporations=100"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "3 seeds" in printed and "median over the 3 runs [10% to 90% range]" in printed
    assert "insolvent" in printed and "revenue, M USD" in printed
    out = tmp_path / "results" / "status-quo-3seeds"
    for name in FRAMES:
        table = pd.read_parquet(out / f"{name}.parquet")
        assert table.columns[0] == "seed"
        assert name in ("events", "worms") or sorted(table["seed"].unique()) == [0, 1, 2]
    summary = pd.read_csv(out / "summary.csv")
    assert {"pypi", "npm", "crates", "rubygems", "maven"} <= set(summary["registry"])
    assert (summary["runs"] == 3).all() and summary["runway_end_months_median"].notna().all()
    assert (out / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_seed_runs_once_and_writes_its_seed(tmp_path, monkeypatch):
    """`run --seed S` is one run; its tables carry the seed S."""
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--years", "0.5", "--seed", "6", "--set", "n_developers=400"]) == 0
    table = pd.read_parquet(tmp_path / "results" / "status-quo-seed6" / "registries.parquet")
    assert table.columns[0] == "seed" and set(table["seed"]) == {6}
    assert not (tmp_path / "results" / "status-quo-seed6" / "summary.csv").exists()


def start_run(out, tmp_path) -> subprocess.Popen:
    """`borrowed-time run --out OUT` in a new process group, with Ctrl-C handled as in a terminal."""
    return subprocess.Popen(
        [sys.executable, "-m", "model.cli", "run", "--out", str(out)],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def members_running(process: subprocess.Popen) -> list[psutil.Process]:
    """The processes an ensemble started (the process that forks workers, and the workers), once they run."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        children = psutil.Process(process.pid).children(recursive=True)
        if len(children) >= 2:
            return children
        time.sleep(0.05)
    raise AssertionError("the ensemble's workers did not start")


def gone(processes: list[psutil.Process]) -> bool:
    """Whether every process has ended, within 30 seconds (zombies count as ended)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_ctrl_c_or_a_kill_ends_the_ensemble_and_its_workers(tmp_path, sig):
    """Ctrl-C stops a running ensemble with one line and exit 130; either way no worker is left and nothing is written."""
    process = start_run(tmp_path / "out", tmp_path)
    try:
        children = members_running(process)
        if sig == signal.SIGINT:
            os.killpg(process.pid, sig)  # as Ctrl-C does: the whole foreground group
            _, err = process.communicate(timeout=120)
            assert process.returncode == 130 and err.strip() == "borrowed-time: interrupted", err
        else:
            process.kill()  # the parent only: its workers must notice
            process.wait()
        assert gone(children), "ensemble workers outlived the command"
        assert not (tmp_path / "out").exists()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_workers_are_forked_directly_only_while_one_thread_runs(monkeypatch):
    """With one thread a pool forks this process (the model already imported); with another thread running, a fork server.

    The thread count is set for the test: other test files in the same process may leave threads running.
    """
    import model.ensemble as ensemble

    monkeypatch.setattr(ensemble.threading, "active_count", lambda: 1)
    assert ensemble.start_method() == "fork"
    monkeypatch.setattr(ensemble.threading, "active_count", lambda: 2)
    assert ensemble.start_method() == "forkserver"
