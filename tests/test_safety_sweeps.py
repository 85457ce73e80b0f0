"""Sweeps and analyses keep users' files and results safe: output folder rules, resume across code changes,
one writer per folder, Dask workers that cannot run the model or vanish, no orphaned processes, damaged
files, and designs too large to plan."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from experiments.provenance import code_version, model_package_folders, sources_sha256
from experiments.spec import parse_spec
from experiments.sweep import count_runs, plan_sweep
from model.cli import main

SMALL = """
name = "small"
years = 1
replications = 2
seed = 7
[fixed]
n_developers = 100
n_corporations = 50
[parameters.per_package_fee_usd]
values = [0.0, 20.0]
[outcomes]
final = ["total_cash_usd"]
yearly = ["total_cash_usd"]
"""
SMALL_RUNS = 4

SLOW = """
name = "slow"
years = 2
replications = 6
[fixed]
n_developers = 2000
n_corporations = 200
[parameters.per_package_fee_usd]
values = [0.0, 20.0]
[outcomes]
final = ["total_cash_usd"]
"""
SLOW_RUNS = 12
DASK_SPEC = SLOW.replace("years = 2", "years = 1")


def write_spec(folder: Path, text: str, name: str = "spec.toml") -> Path:
    """Write a spec file and return its path."""
    path = folder / name
    path.write_text(text)
    return path


def sweep(spec: Path, out: Path, *extra: str) -> int:
    """Run `borrowed-time sweep` in this process."""
    return main(["sweep", str(spec), "--out", str(out), "--no-progress", *extra])


def sweep_command(spec: Path, out: Path, *extra: str) -> list[str]:
    """The `borrowed-time sweep` command line, for a separate process."""
    return [sys.executable, "-m", "model.cli", "sweep", str(spec), "--out", str(out), "--no-progress", *extra]


def one_line_error(err: str) -> str:
    """The single error line a command printed (fails if there are more lines or a traceback)."""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_parts(out: Path) -> list[Path]:
    """The run part files a sweep has written so far."""
    return sorted((out / "parts").glob("runs-*.parquet")) if (out / "parts").is_dir() else []


def wait_for(condition, seconds: float, what: str) -> None:
    """Poll `condition` until it holds, or fail naming `what`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@contextlib.contextmanager
def process_group(command: list[str], **options):
    """Start `command` in a new process group; kill the whole group afterwards."""
    process = subprocess.Popen(command, start_new_session=True, **options)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def done(tmp_path_factory) -> tuple[Path, Path]:
    """The small spec and a finished one-worker sweep of it (copy it before changing it)."""
    folder = tmp_path_factory.mktemp("done")
    spec = write_spec(folder, SMALL)
    assert sweep(spec, folder / "out", "--workers", "1") == 0
    return spec, folder / "out"


def copy_of(done_sweep: Path, tmp_path: Path) -> Path:
    """A private copy of a finished sweep folder."""
    return Path(shutil.copytree(done_sweep, tmp_path / "copy"))


def tables(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs table (without wall-clock durations) and the series table of a sweep folder."""
    return pd.read_parquet(out / "runs.parquet").drop(columns=["duration_s"]), pd.read_parquet(out / "series.parquet")


# --- Output folders --------------------------------------------------------------------------------


def test_sweep_out_refuses_a_foreign_folder_a_file_and_a_path_below_a_file(tmp_path, capsys):
    """--out never writes into a folder a sweep did not make (not even with --resume), nor a file."""
    spec = write_spec(tmp_path, SMALL)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes")
    before = snapshot(mine)
    for extra in ((), ("--resume",)):
        assert sweep(spec, mine, "--workers", "1", *extra) == 2
        assert "was not written by `borrowed-time sweep`" in one_line_error(capsys.readouterr().err)
        assert snapshot(mine) == before
    afile = tmp_path / "data.csv"
    afile.write_text("a,b\n")
    assert sweep(spec, afile, "--workers", "1") == 2
    assert "is a file; give a folder" in one_line_error(capsys.readouterr().err)
    assert sweep(spec, afile / "out", "--workers", "1") == 2
    assert "lies below the file" in one_line_error(capsys.readouterr().err)
    assert afile.read_text() == "a,b\n"


def test_an_existing_sweep_folder_is_written_only_by_resume(done, tmp_path, capsys):
    """Starting a sweep again into its own folder is refused with a hint; --resume continues it."""
    spec, finished = done
    out = copy_of(finished, tmp_path)
    before = snapshot(out)
    assert sweep(spec, out, "--workers", "1") == 2
    assert "pass --resume" in one_line_error(capsys.readouterr().err)
    assert snapshot(out) == before
    assert sweep(spec, out, "--workers", "1", "--resume") == 0


def test_analyze_never_overwrites_an_analysis_folder_it_did_not_make(done, tmp_path, capsys):
    """analyze refuses a foreign analysis folder, writes a new one with its marker, and rewrites its own."""
    _spec, finished = done
    out = copy_of(finished, tmp_path)
    (out / "analysis").mkdir()
    (out / "analysis" / "summary.csv").write_text("my own summary\n")
    assert main(["analyze", str(out)]) == 2
    assert "was not written by `borrowed-time analyze`" in one_line_error(capsys.readouterr().err)
    assert (out / "analysis" / "summary.csv").read_text() == "my own summary\n"
    elsewhere = tmp_path / "tables"
    for _ in range(2):  # a second analysis rewrites the folder the first one made
        assert main(["analyze", str(out), "--out", str(elsewhere)]) == 0
        assert (elsewhere / "summary.csv").is_file()
        assert json.loads((elsewhere / ".borrowed-time").read_text())["kind"] == "analysis"
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["analyze", str(out), "--out", str(afile)]) == 2
    assert "is a file" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/escaped", "a/b", "..", ".hidden", "back\\\\slash"])
def test_spec_name_must_be_a_plain_name(tmp_path, monkeypatch, capsys, name):
    """A spec `name` that is a path (it would place results outside results/sweeps/) is a one-line error."""
    monkeypatch.chdir(tmp_path)
    spec = write_spec(tmp_path, SMALL.replace('name = "small"', f'name = "{name}"'))
    assert main(["sweep", str(spec), "--dry-run", "--no-progress"]) == 2
    err = one_line_error(capsys.readouterr().err)
    assert "key 'name': must be a plain name" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]


# --- Resume across code changes ------------------------------------------------------------------


def test_code_version_hashes_the_model_sources_with_or_without_git(tmp_path, monkeypatch):
    """The sources hash changes with a model source file, not with a spec file or compiled caches."""
    roots = {}
    for name, folder in model_package_folders().items():
        roots[name] = Path(shutil.copytree(folder, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")))
    first = sources_sha256(roots)
    (roots["experiments"] / "specs" / "fee-dose-response.toml").write_text("# edited\n")
    (roots["model"] / "__pycache__").mkdir()
    (roots["model"] / "__pycache__" / "x.py").write_text("cached = 1\n")
    assert sources_sha256(roots) == first
    with (roots["model"] / "worms.py").open("a") as handle:
        handle.write("\n# a change\n")
    assert sources_sha256(roots) != first
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    without_git = code_version()
    assert without_git["commit"] is None and without_git["dirty"] is None
    assert without_git["sources_sha256"] == sources_sha256(model_package_folders())


def test_resume_refuses_a_code_change_unless_allowed(done, tmp_path, capsys):
    """Resuming a sweep started by other model code is refused; --allow-code-change resumes and records it."""
    spec, finished = done
    out = copy_of(finished, tmp_path)
    first = json.loads((out / "manifest.json").read_text())
    code = first["sessions"][0]["code"]
    assert {"commit", "dirty", "sources_sha256", "libraries"} <= set(code)
    assert code["sources_sha256"] == code_version()["sources_sha256"]
    (out / "parts" / "runs-1-1-baseline.parquet").unlink()  # one run left to do
    first["sessions"][0]["code"]["sources_sha256"] = "0" * 64  # as if another version had started the sweep
    (out / "manifest.json").write_text(json.dumps(first))
    before = snapshot(out)
    assert sweep(spec, out, "--workers", "1", "--resume") == 2
    err = one_line_error(capsys.readouterr().err)
    assert "the code changed since the last session" in err and "model sources differ" in err
    assert "--allow-code-change" in err
    assert snapshot(out) == before
    assert sweep(spec, out, "--workers", "1", "--resume", "--allow-code-change") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["code_changed"] is True
    assert "model sources differ" in manifest["sessions"][-1]["code_change_allowed"]
    assert manifest["sessions"][-1]["code"]["sources_sha256"] == code_version()["sources_sha256"]


# --- One writer per folder -------------------------------------------------------------------------


def test_two_sweeps_cannot_write_one_folder_and_a_killed_sweep_leaves_no_lock(tmp_path, capsys):
    """A second sweep into a folder in use is refused naming the holder; once the holder is killed, resume works."""
    spec = write_spec(tmp_path, SLOW)
    out = tmp_path / "out"
    with process_group(sweep_command(spec, out, "--workers", "1"), stderr=subprocess.DEVNULL) as first:
        wait_for(lambda: len(run_parts(out)) >= 1, 120, "the first sweep's first run")
        assert first.poll() is None
        assert sweep(spec, out, "--workers", "1", "--resume") == 2
        err = one_line_error(capsys.readouterr().err)
        assert "is being written by another sweep" in err
        assert f"pid {first.pid} on host {socket.gethostname()}, started " in err
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert sweep(spec, out, "--workers", "2", "--resume") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(pd.read_parquet(out / "runs.parquet")) == SLOW_RUNS


# --- Orphans -----------------------------------------------------------------------------------------


def alive(process: psutil.Process) -> bool:
    """Whether a process still runs (a zombie waiting to be reaped does not)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_sigkill_of_a_sweep_ends_its_pool_processes(tmp_path):
    """Every process a sweep started ends soon after the sweep is killed with SIGKILL."""
    spec = write_spec(tmp_path, SLOW)
    out = tmp_path / "out"
    with process_group(sweep_command(spec, out, "--workers", "2"), stderr=subprocess.DEVNULL) as runner:
        wait_for(lambda: len(run_parts(out)) >= 1, 120, "the sweep's first run")
        children = psutil.Process(runner.pid).children(recursive=True)
        assert len(children) >= 2  # the pool's workers (and the process that forks them)
        runner.send_signal(signal.SIGKILL)
        runner.wait()
        deadline = time.monotonic() + 30
        while any(alive(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [child.pid for child in children if alive(child)], "pool processes outlived the sweep"


def port_open(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_stopping_the_app_by_its_pid_stops_its_server(tmp_path):
    """`borrowed-time app` is the server process itself: SIGKILL of its PID frees the port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "model.cli", "app", "--port", str(port), "--db", str(tmp_path / "w.sqlite3")]
    with process_group(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path) as app:
        wait_for(lambda: port_open(port), 180, "the app to serve")
        app.send_signal(signal.SIGKILL)
        app.wait()
        deadline = time.monotonic() + 15
        while port_open(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not port_open(port), "the server kept serving after its command was killed"


# --- Dask ----------------------------------------------------------------------------------------

HIDE_THE_MODEL = """
import sys

class HideTheModel:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("agents", "model", "experiments", "viz"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, HideTheModel())
"""


@pytest.fixture(scope="module")
def scheduler():
    """A Dask scheduler with no workers (tests start and kill their own), and a client to watch it."""
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=0, processes=True, dashboard_address=None, host="127.0.0.1") as cluster,
        Client(cluster.scheduler_address) as client,
    ):
        yield cluster.scheduler_address, client


@contextlib.contextmanager
def dask_worker(scheduler, *extra: str):
    """A one-thread Dask worker process (no nanny, so a killed worker stays dead); yields its address."""
    address, client = scheduler
    known = set(client.nthreads())
    command = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-nanny"]
    with process_group([*command, "--no-dashboard", *extra], stderr=subprocess.DEVNULL) as worker:
        wait_for(lambda: set(client.nthreads()) - known, 60, "a Dask worker")
        (new,) = set(client.nthreads()) - known
        yield worker, new
    wait_for(lambda: new not in client.nthreads(), 30, "the worker to leave")


def test_dask_sweep_with_no_workers_stops_after_the_worker_timeout(scheduler, tmp_path):
    """A cluster with no worker is a one-line error after --worker-timeout, before anything is written."""
    address, client = scheduler
    assert not client.nthreads()
    spec = write_spec(tmp_path, SMALL)
    done = subprocess.run(
        sweep_command(spec, tmp_path / "out", "--scheduler", address, "--worker-timeout", "1"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "no Dask worker joined within 1 s" in one_line_error(done.stderr)
    assert not (tmp_path / "out").exists()


def test_dask_worker_that_cannot_import_the_model_is_named_before_any_run(scheduler, tmp_path):
    """A worker without the package fails the check before the first run, with its address in one line."""
    preload = tmp_path / "hide_the_model.py"
    preload.write_text(HIDE_THE_MODEL)
    spec = write_spec(tmp_path, SMALL)
    with dask_worker(scheduler), dask_worker(scheduler, "--preload", str(preload)) as (_, broken):
        done = subprocess.run(
            sweep_command(spec, tmp_path / "out", "--scheduler", scheduler[0]),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    err = one_line_error(done.stderr)
    assert f"Dask worker {broken} cannot import the model" in err and "No module named" in err
    assert not (tmp_path / "out").exists()


def test_dask_sweep_that_loses_every_worker_aborts_with_a_resume_hint(scheduler, tmp_path, capsys):
    """When the last worker dies the sweep stops (status 'aborted', how to resume); --resume then finishes it."""
    address, _client = scheduler
    spec = write_spec(tmp_path, DASK_SPEC)
    out = tmp_path / "out"
    with dask_worker(scheduler) as (worker, _):
        runner = subprocess.Popen(
            sweep_command(spec, out, "--scheduler", address, "--worker-timeout", "2"),
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: len(run_parts(out)) >= 1, 120, "the sweep's first run")
            os.killpg(worker.pid, signal.SIGKILL)
            _, err = runner.communicate(timeout=120)
        finally:
            runner.kill()
    assert runner.returncode == 1
    assert "sweep aborted" in err and "no worker for 2 s" in err and "--resume" in one_line_error(err)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "aborted" and manifest["resume_with"].endswith(f"--out {out} --resume")
    assert "no worker" in manifest["sessions"][-1]["error"]
    finished = len(run_parts(out))
    assert 1 <= finished < SLOW_RUNS
    with dask_worker(scheduler):
        assert sweep(spec, out, "--scheduler", address, "--resume") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and "resume_with" not in manifest
    assert manifest["sessions"][-1]["runs_done_before"] == finished


# --- Damaged files -----------------------------------------------------------------------------------


def truncate(path: Path) -> None:
    """Cut a file to half its length, as an interrupted copy would."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def test_analyze_gives_one_line_errors_on_a_damaged_manifest_or_parquet_file(done, tmp_path, capsys):
    """A corrupt manifest, a truncated runs table or a truncated part: one line naming the file, exit 2."""
    _spec, finished = done
    cases = {
        "corrupt manifest": (lambda out: (out / "manifest.json").write_text('{"name": "small", '), "is corrupt"),
        "manifest not a sweep's": (lambda out: (out / "manifest.json").write_text("[1, 2]"), "not a sweep manifest"),
        "truncated runs table": (lambda out: truncate(out / "runs.parquet"), "runs.parquet' is damaged"),
        "truncated part": (
            lambda out: [(out / "runs.parquet").unlink(), truncate(out / "parts" / "runs-1-0-baseline.parquet")],
            "runs-1-0-baseline.parquet' is damaged",
        ),
    }
    for number, (damage, expected) in enumerate(cases.values()):
        out = Path(shutil.copytree(finished, tmp_path / f"case{number}"))
        damage(out)
        assert main(["analyze", str(out)]) == 2
        err = one_line_error(capsys.readouterr().err)
        assert expected in err, err
        assert not (out / "analysis").exists()


def test_resume_reruns_a_damaged_part_and_refuses_a_damaged_manifest(done, tmp_path, capsys):
    """On --resume a truncated part's run runs again (same results); a corrupt manifest is a one-line error."""
    spec, finished = done
    out = copy_of(finished, tmp_path)
    truncate(out / "parts" / "runs-0-1-baseline.parquet")
    truncate(out / "parts" / "series-1-0-baseline.parquet")
    assert sweep(spec, out, "--workers", "1", "--resume") == 0
    assert (
        "2 finished runs had damaged part files and run again (run 0-1-baseline, 1-0-baseline)"
        in capsys.readouterr().err
    )
    for mine, reference in zip(tables(out), tables(finished)):
        pd.testing.assert_frame_equal(mine, reference)
    manifest = json.loads((out / "manifest.json").read_text())
    assert (
        manifest["sessions"][-1]["runs_rerun_damaged"] == ["0-1-baseline", "1-0-baseline"]
        and manifest["status"] == "complete"
    )
    (out / "manifest.json").write_text("{")
    assert sweep(spec, out, "--workers", "1", "--resume") == 2
    assert "manifest.json' is corrupt" in one_line_error(capsys.readouterr().err)


# --- Designs too large to plan -------------------------------------------------------------------

HUGE = """
name = "huge"
years = 1
replications = 100
[outcomes]
final = ["total_cash_usd"]
""" + "".join(
    f"[parameters.{name}]\nrange = [0.1, 0.9]\nlevels = 1000\n"
    for name in ("token_hygiene_mean", "opex_budget_share", "removal_delay_sigma")
)


def test_dry_run_prints_the_run_count_at_once_and_refuses_a_design_beyond_the_limit(tmp_path, monkeypatch, capsys):
    """The count comes from the spec alone (the design is never drawn) and a sweep above the limit is refused."""
    import experiments.sweep

    def never(spec):
        raise AssertionError("the design was drawn")

    monkeypatch.setattr(experiments.sweep, "make_design", never)
    spec = write_spec(tmp_path, HUGE)
    assert main(["sweep", str(spec), "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert "= 100,000,000,000 runs of 1 years" in captured.out
    assert "plans 100,000,000,000 runs, above the limit of 100,000" in one_line_error(captured.err)
    assert "--max-runs" in captured.err
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_max_runs_sets_the_limit(tmp_path, capsys):
    """--max-runs lowers or raises the limit on the number of runs."""
    spec = write_spec(tmp_path, SMALL)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--max-runs", str(SMALL_RUNS - 1)]) == 2
    assert f"plans {SMALL_RUNS} runs, above the limit of {SMALL_RUNS - 1}" in one_line_error(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()
    assert sweep(spec, tmp_path / "out", "--workers", "1", "--max-runs", str(SMALL_RUNS)) == 0


DESIGNS = {
    "grid": "[parameters.token_hygiene_mean]\nvalues = [0.2, 0.5, 0.8]\n"
    "[parameters.opex_budget_share]\nrange = [0.1, 0.9]\nlevels = 4\n",
    "lhs": "[parameters.token_hygiene_mean]\nrange = [0.1, 0.9]\n[design]\nkind = 'latin_hypercube'\nsamples = 7\n",
    "sobol": "[parameters.token_hygiene_mean]\nrange = [0.1, 0.9]\n[parameters.opex_budget_share]\nrange = [0.1, 0.9]\n"
    "[design]\nkind = 'sobol'\nsamples = 8\n",
    "sobol-second-order": "[parameters.token_hygiene_mean]\nrange = [0.1, 0.9]\n"
    "[parameters.opex_budget_share]\nrange = [0.1, 0.9]\n[parameters.removal_delay_sigma]\nrange = [0.5, 2.0]\n"
    "[design]\nkind = 'sobol'\nsamples = 4\nsecond_order = true\n",
    "morris": "[parameters.token_hygiene_mean]\nrange = [0.1, 0.9]\n[parameters.opex_budget_share]\nrange = [0.1, 0.9]\n"
    "[design]\nkind = 'morris'\nsamples = 5\n",
}


@pytest.mark.parametrize("design", DESIGNS.values(), ids=DESIGNS.keys())
def test_run_count_from_the_spec_equals_the_planned_runs(design):
    """Counting without drawing gives exactly the number of runs the drawn design plans, for every design kind."""
    import tomllib

    text = 'name = "count"\nyears = 1\nreplications = 3\n[outcomes]\nfinal = ["total_cash_usd"]\n'
    text += "[policies.opex]\nworm_waves_per_year = 0.0\n" + design
    loaded = parse_spec(tomllib.loads(text))
    assert count_runs(loaded.spec) == len(plan_sweep(loaded).tasks)
