"""Speed and memory benchmark: `python benchmarks/speed.py` (full, ~10 min) or `--quick` (smoke, ~1 min).

Every measurement runs in a fresh Python process (one process per repeat), so peak memory
(`ru_maxrss` of that process) belongs to one case. For each case it prints the median wall
time over the repeats, the spread (min-max), the median CPU time and the peak resident
memory. It prints:

- the issue's target cases: one status-quo run at the default size (10 years), an 8-seed
  ensemble through `run_ensemble` on 2 workers, the `borrowed-time run` command (Python start,
  ensemble, files and chart), and a million developers; with `--baseline PATH` (a checkout of an
  earlier model, such as a worktree of the commit an optimisation started from) the same cases run
  with that tree on PYTHONPATH too, alternating repeats so both see the same load, and the ratios
  baseline / this tree are printed (CPU and wall);
- scaling: the fitted exponent of run time in the number of developers (10k, 100k, 1M) and in
  the number of simulated years (at 1M developers; in the status quo, whose weekly work grows
  as malware grows and alternatives open, and in the per-package-fee preset, where developers
  weigh switching from the first week);
- the per-agent reference: the same scenario run by `ReferenceRegistryModel` (developer rules
  stepped agent by agent with Mesa's `shuffle_do`) and by the vectorised model, in this same
  invocation, with the time spent in the developer rules per developer-week and the ratio,
  and whether the two runs' outputs are identical.

Options: `--quick` (small sizes), `--repeats N`, `--json PATH` (write all measurements),
`--baseline PATH`, `--targets-only` (skip scaling and the reference), `--profile` (print a
cProfile of the default case instead of benchmarking).
Timings are not pass/fail: see BENCHMARKS.md for the targets and the latest figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEEKS_PER_YEAR = 52


# ===== child: one measurement in this process ======================================================
def _timed_class(model_class):
    """A subclass of `model_class` that adds up the seconds spent in the three developer rules."""

    class Timed(model_class):
        """Times `new_packages_per_registry`, `choose_developer_homes` and `entry_demand` (wall and CPU)."""

        developer_seconds = 0.0
        developer_cpu_seconds = 0.0

        def _timed(self, rule, *args):
            """Call a developer rule and add its wall and CPU time."""
            wall, cpu = time.perf_counter(), time.process_time()
            result = rule(*args)
            self.developer_seconds += time.perf_counter() - wall
            self.developer_cpu_seconds += time.process_time() - cpu
            return result

        def new_packages_per_registry(self, multiplier):
            """Publishing, timed."""
            return self._timed(super().new_packages_per_registry, multiplier)

        def choose_developer_homes(self, context, uniforms):
            """Switching, timed."""
            return self._timed(super().choose_developer_homes, context, uniforms)

        def entry_demand(self, context, candidates):
            """The entry test, timed."""
            return self._timed(super().entry_demand, context, candidates)

    return Timed


def _digest(frames) -> str:
    """A short hash of the output frames (to check that two implementations gave the same run)."""
    import hashlib

    import pandas as pd

    digest = hashlib.sha256()
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
    return digest.hexdigest()[:16]


def child(spec: dict) -> dict:
    """Run one case as `spec` says and return its measurements."""
    from model.model import RegistryModel
    from model.runner import events_frame, model_frame, registry_frame, run, worms_frame
    from model.scenarios import load_scenario

    overrides = {"n_developers": spec["developers"], **spec.get("overrides", {})}
    weeks = round(spec["years"] * WEEKS_PER_YEAR)
    developer_seconds = developer_cpu_seconds = None
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    if spec["kind"] == "run":  # the public entry point, as users call it: set-up, run, frames
        result = run(spec["scenario"], years=spec["years"], seed=spec["seed"], **overrides)
        frames = (result.model, result.registries, result.events, result.worms)
    elif spec["kind"] == "ensemble":  # run_ensemble as the explorer calls it: members in worker processes
        from model.ensemble import run_ensemble

        result = run_ensemble(
            spec["scenario"], years=spec["years"], seeds=spec["seeds"], workers=spec["workers"], **overrides
        )
        frames = (result.model, result.registries, result.events, result.worms)
    else:  # "fast" or "reference", with the developer rules timed
        if spec["kind"] == "reference":
            from model.reference import ReferenceRegistryModel as model_class
        else:
            model_class = RegistryModel
        params = load_scenario(spec["scenario"]).parameters(**overrides)
        model = _timed_class(model_class)(params, rng=spec["seed"])
        model.run_for(weeks)
        frames = (model_frame(model), registry_frame(model), events_frame(model), worms_frame(model))
        developer_seconds, developer_cpu_seconds = model.developer_seconds, model.developer_cpu_seconds
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start  # this process only: an ensemble's workers are not counted
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": peak_kib / 1024,
        "developer_s": developer_seconds,
        "developer_cpu_s": developer_cpu_seconds,
        "weeks": weeks,
        "digest": _digest(frames),
    }


# ===== parent: cases, repeats, summaries ===========================================================
def _once(spec: dict, tree: Path) -> dict:
    """One repeat of a case in a fresh process, with the model imported from `tree`."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    if spec["kind"] == "cli":  # the command as a user types it: interpreter start, ensemble, files, chart
        with tempfile.TemporaryDirectory() as folder:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            completed = subprocess.run(
                [sys.executable, "-m", "model.cli", *spec["args"], "--out", str(Path(folder) / "out")],
                capture_output=True,
                text=True,
                cwd=tree,
                env=environment,
                check=False,
            )
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if completed.returncode != 0:
            sys.exit(f"benchmark case {spec['name']} failed:\n{completed.stderr.strip()}")
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": after.ru_maxrss / 1024, "developer_s": None, "digest": ""}
    completed = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec), "--tree", str(tree)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"benchmark case {spec['name']} failed:\n{completed.stderr.strip()}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def measure(spec: dict, repeats: int, tree: Path = ROOT) -> dict:
    """Run a case `repeats` times, each in a fresh process; summarise."""
    return summarise(spec, [_once(spec, tree) for _ in range(repeats)])


def measure_against(spec: dict, repeats: int, baseline: Path) -> tuple[dict, dict]:
    """Run a case with this tree and with `baseline`, alternating repeats (so both see the same load)."""
    runs: dict[str, list[dict]] = {"new": [], "old": []}
    for _ in range(repeats):
        runs["new"].append(_once(spec, ROOT))
        runs["old"].append(_once(spec, baseline))
    return summarise(spec, runs["new"]), summarise({**spec, "tree": str(baseline)}, runs["old"])


def summarise(spec: dict, runs: list[dict]) -> dict:
    """Median, spread, CPU and memory of a case's repeats."""
    repeats = len(runs)
    walls = [r["wall_s"] for r in runs]
    summary = {
        **spec,
        "repeats": repeats,
        "wall_median_s": statistics.median(walls),
        "wall_min_s": min(walls),
        "wall_max_s": max(walls),
        "cpu_median_s": statistics.median(r["cpu_s"] for r in runs),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "digests": sorted({r["digest"] for r in runs}),
        "runs": runs,
    }
    if runs[0]["developer_s"] is not None:
        summary["developer_median_s"] = statistics.median(r["developer_s"] for r in runs)
        summary["developer_cpu_median_s"] = statistics.median(r["developer_cpu_s"] for r in runs)
    return summary


def fitted_exponent(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) on log(x)."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def _row(summary: dict) -> str:
    """One printed line for a case."""
    same = "same output every repeat" if len(summary["digests"]) == 1 else "OUTPUT DIFFERS BETWEEN REPEATS"
    if summary["kind"] == "cli":
        same = "output files not compared"
    scopes = {"ensemble": " (main process only)", "cli": " (workers counted only if forked from it)"}
    scope = scopes.get(summary["kind"], "")
    return (
        f"  {summary['name']:<34} median {summary['wall_median_s']:8.2f} s"
        f"  (min {summary['wall_min_s']:.2f}, max {summary['wall_max_s']:.2f}, n={summary['repeats']})"
        f"  cpu {summary['cpu_median_s']:7.2f} s{scope}  peak {summary['peak_rss_mib']:7.0f} MiB  [{same}]"
    )


def machine() -> dict:
    """What the figures ran on."""
    import mesa
    import numpy

    model_name = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model_name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model_name,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "mesa": mesa.__version__,
        "load_average_start": os.getloadavg(),
    }


def plan(quick: bool, repeats: int | None) -> dict:
    """The cases of a full or quick benchmark."""
    if quick:
        sizes, years, ref_size, ref_years = [10_000, 20_000, 50_000], 1, 5_000, 1
        default_years, year_points, year_size = 1, [0.5, 1], 50_000
        reps, big_reps = repeats or 2, repeats or 2
    else:
        sizes, years, ref_size, ref_years = [10_000, 100_000, 1_000_000], 10, 10_000, 2
        default_years, year_points, year_size = 10, [2.5, 5, 10], 1_000_000
        reps, big_reps = repeats or 5, repeats or 3
    return {
        "sizes": sizes,
        "years": years,
        "default_years": default_years,
        "reps": reps,
        "big_reps": big_reps,
        "year_points": year_points,
        "year_size": year_size,
        "ref_size": ref_size,
        "ref_years": ref_years,
    }


def target_cases(quick: bool, repeats: int | None) -> list[tuple[dict, int]]:
    """The issue's target cases, with their repeats: one run, an ensemble, the command, a million developers."""
    years, big = (1, 100_000) if quick else (10, 1_000_000)
    reps, big_reps = (repeats or 2, repeats or 1) if quick else (repeats or 5, repeats or 3)
    common = {"scenario": "status-quo", "seed": 0, "years": years}
    return [
        ({"name": f"one run, 10,000 dev {years} y", "kind": "run", "developers": 10_000, **common}, reps),
        (
            {
                "name": f"ensemble 8 seeds {years} y, 2 workers",
                "kind": "ensemble",
                "developers": 10_000,
                "seeds": 8,
                "workers": 2,
                **common,
            },
            big_reps,
        ),
        (
            {
                "name": "borrowed-time run (8 seeds)",
                "kind": "cli",
                "args": ["run", "--years", str(years)] if quick else ["run"],
                "developers": 10_000,
                **common,
            },
            big_reps,
        ),
        ({"name": f"one run, {big:,} dev {years} y", "kind": "run", "developers": big, **common}, big_reps),
    ]


def targets(quick: bool, repeats: int | None, baseline: Path | None, results: dict) -> None:
    """Measure the target cases (against `baseline` too, alternating repeats, when given) and print ratios."""
    print("Targets" + (f" (this tree, then the baseline {baseline}, alternating repeats):" if baseline else ":"))
    results["targets"] = []
    for spec, reps in target_cases(quick, repeats):
        if baseline is None:
            new, old = measure(spec, reps), None
        else:
            new, old = measure_against(spec, reps, baseline)
        print(_row(new), flush=True)
        entry = {"new": new}
        if old is not None:
            print(_row({**old, "name": "  baseline"}), flush=True)
            entry["old"] = old
            entry["cpu_ratio"] = old["cpu_median_s"] / new["cpu_median_s"]
            entry["wall_ratio"] = old["wall_median_s"] / new["wall_median_s"]
            print(
                f"  {'':<34} baseline / this tree: {entry['cpu_ratio']:.2f}x CPU, {entry['wall_ratio']:.2f}x wall",
                flush=True,
            )
        results["targets"].append(entry)
    print()


def benchmark(quick: bool, repeats: int | None, baseline: Path | None = None, targets_only: bool = False) -> dict:
    """Run every case and print the summaries."""
    p = plan(quick, repeats)
    info = machine()
    print(
        f"Machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, numpy {info['numpy']}, Mesa {info['mesa']}"
    )
    print(f"Load average at start: {', '.join(f'{x:.2f}' for x in info['load_average_start'])}")
    print("Each repeat runs in a fresh process; wall time covers set-up, the run and building the output frames.")
    print(
        "The ensemble's CPU time is its main process only; the command's includes its workers when they are"
        " forked from it, not when a fork server starts them (so it does not compare across the two);"
        " the command's times include starting Python and the imports.\n"
    )
    results: dict = {"machine": info, "quick": quick, "cases": []}
    targets(quick, repeats, baseline, results)
    if targets_only:
        results["load_average_end"] = os.getloadavg()
        print(f"Load average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return results

    def case(name, repeats_, **spec):
        """Measure one case, keep it, print its line."""
        summary = measure({"name": name, "seed": 0, **spec}, repeats_)
        results["cases"].append(summary)
        print(_row(summary), flush=True)
        return summary

    print("Status quo, default size (run() as users call it):")
    default = case(
        f"status-quo {p['sizes'][0]:,} dev {p['default_years']} y",
        p["reps"],
        kind="run",
        scenario="status-quo",
        developers=p["sizes"][0],
        years=p["default_years"],
    )

    print("\nScaling in developers (status quo):")
    by_size = [default] if p["default_years"] == p["years"] else []
    for size in p["sizes"][len(by_size) :]:
        reps = p["reps"] if size <= 10_000 else p["big_reps"]
        by_size.append(
            case(
                f"status-quo {size:,} dev {p['years']} y",
                reps,
                kind="run",
                scenario="status-quo",
                developers=size,
                years=p["years"],
            )
        )
    size_exponent = fitted_exponent(p["sizes"], [s["wall_median_s"] for s in by_size])
    size_exponent_cpu = fitted_exponent(p["sizes"], [s["cpu_median_s"] for s in by_size])
    print(
        f"  fitted exponent of time in developers ({', '.join(f'{n:,}' for n in p['sizes'])}):"
        f" {size_exponent:.2f} (wall), {size_exponent_cpu:.2f} (CPU)"
    )

    years_exponents = {}
    for scenario in ("status-quo", "per-package-fee"):
        print(f"\nScaling in years ({scenario}, {p['year_size']:,} developers):")
        by_years = []
        for years in p["year_points"]:
            reuse = next(
                (
                    s
                    for s in by_size
                    if scenario == "status-quo" and s["developers"] == p["year_size"] and s["years"] == years
                ),
                None,
            )
            by_years.append(
                reuse
                or case(
                    f"{scenario} {p['year_size']:,} dev {years} y",
                    p["big_reps"],
                    kind="run",
                    scenario=scenario,
                    developers=p["year_size"],
                    years=years,
                )
            )
        wall_exponent = fitted_exponent(p["year_points"], [s["wall_median_s"] for s in by_years])
        cpu_exponent = fitted_exponent(p["year_points"], [s["cpu_median_s"] for s in by_years])
        years_exponents[scenario] = {"wall": wall_exponent, "cpu": cpu_exponent}
        print(
            f"  fitted exponent of time in years ({', '.join(str(y) for y in p['year_points'])}):"
            f" {wall_exponent:.2f} (wall), {cpu_exponent:.2f} (CPU)"
        )

    print(
        f"\nPer-agent reference (shuffle_do) vs vectorised, per-package-fee, {p['ref_size']:,} dev {p['ref_years']} y:"
    )
    common = {"scenario": "per-package-fee", "developers": p["ref_size"], "years": p["ref_years"]}
    fast = case("vectorised (developer rules timed)", p["big_reps"], kind="fast", **common)
    reference = case("reference (developer rules timed)", p["big_reps"], kind="reference", **common)
    developer_weeks = p["ref_size"] * fast["runs"][0]["weeks"]
    identical = fast["digests"] == reference["digests"]
    per_week = {}
    for clock, key in (("CPU", "developer_cpu_median_s"), ("wall", "developer_median_s")):
        fast_per, reference_per = fast[key] / developer_weeks, reference[key] / developer_weeks
        per_week[clock] = (fast_per, reference_per)
        print(
            f"  developer rules ({clock} time): vectorised {fast[key]:.3f} s ({fast_per * 1e9:.1f} ns per developer-week),"
            f" reference {reference[key]:.2f} s ({reference_per * 1e9:.0f} ns per developer-week):"
            f" ratio {reference_per / fast_per:.0f}x"
        )
    print(
        f"  whole run: {reference['wall_median_s'] / fast['wall_median_s']:.1f}x (wall),"
        f" {reference['cpu_median_s'] / fast['cpu_median_s']:.1f}x (CPU);"
        f" outputs identical: {'yes' if identical else 'NO'}"
    )

    results["summary"] = {
        "default_wall_median_s": default["wall_median_s"],
        "default_cpu_median_s": default["cpu_median_s"],
        "size_exponent_wall": size_exponent,
        "size_exponent_cpu": size_exponent_cpu,
        "years_exponents": years_exponents,
        "developer_cost_ratio_cpu": per_week["CPU"][1] / per_week["CPU"][0],
        "developer_cost_ratio_wall": per_week["wall"][1] / per_week["wall"][0],
        "whole_run_ratio": reference["wall_median_s"] / fast["wall_median_s"],
        "reference_outputs_identical": identical,
        "load_average_end": os.getloadavg(),
    }
    print(f"\nLoad average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return results


PHASES = [  # (module path, attribute, label) of the parts of a week, in the order of docs/model.md
    ("model.model.RegistryModel", "_begin_week", "0 yearly reviews, spam bursts"),
    ("model.model.ecosystem", "publish", "2 publishing (developer rule)"),
    ("model.model", "malware_week", "3 malware arrivals, delays, ledger"),
    ("model.model", "start_outbreaks", "4 worms"),
    ("agents.registry.RegistryAgent", "settle_accounts", "5 accounts and status"),
    ("agents.registry.RegistryAgent", "update_security", "5 security staffing"),
    ("model.model.ecosystem", "switch_registries", "6d developers switch (developer rule)"),
    ("model.model.ecosystem", "open_alternatives", "6e entry test (developer rule)"),
    ("model.model.RegistryModel", "decide_firms", "6a firms decide and pay"),
    ("model.model.RegistryModel", "_decide", "6 decisions, all (firms, funders, 6d, 6e)"),
    ("model.model.RegistryModel", "_end_week", "7 data collection"),
]


def _resolve(path: str):
    """The object a dotted path names (a module, or a class or module attribute inside one)."""
    import importlib

    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            target = getattr(target, name)
        return target
    raise ModuleNotFoundError(path)


def phase_times(years: float, developers: int) -> tuple[dict[str, float], float]:
    """CPU seconds spent in each part of the week over one status-quo run (wrapped with process_time)."""
    from model.runner import run

    spent: dict[str, float] = dict.fromkeys([label for _, _, label in PHASES], 0.0)
    originals = []
    for owner_path, name, label in PHASES:
        owner = _resolve(owner_path)
        original = getattr(owner, name)
        originals.append((owner, name, original))

        def timed(*args, _original=original, _label=label, **kwargs):
            """The original step, with its CPU time added to its part of the week."""
            start = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - start

        setattr(owner, name, timed)
    try:
        run("status-quo", years=0.1, seed=0, n_developers=developers)  # warm imports and caches
        spent.update(dict.fromkeys(spent, 0.0))
        start = time.process_time()
        run("status-quo", years=years, seed=0, n_developers=developers)
        return spent, time.process_time() - start
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def profile(years: float) -> None:
    """Print where the time goes in the default status-quo run: CPU by part of the week, then cProfile."""
    import cProfile
    import pstats

    from model.runner import run

    for developers in (10_000, 1_000_000):
        if developers > 10_000 and years < 10:
            break
        spent, total = phase_times(years, developers)
        print(
            f"Status quo, {developers:,} developers, {years:g} years: {total:.2f} s CPU in run() (set-up, run, frames)"
        )
        for label, seconds in spent.items():
            print(f"  {label:<44} {seconds:6.2f} s  {seconds / total:6.1%}")
        print()
    run("status-quo", years=0.1, seed=0)
    profiler = cProfile.Profile()
    profiler.enable()
    run("status-quo", years=years, seed=0)
    profiler.disable()
    print("cProfile of the same 10,000-developer run, by own time (cProfile adds overhead to Python calls):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main(argv: list[str] | None = None) -> None:
    """Parse options and run the benchmark (or one child case, or the profile)."""
    parser = argparse.ArgumentParser(description="Speed and memory benchmark of the model.")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test (about a minute)")
    parser.add_argument("--repeats", type=int, default=None, help="repeats per case (default 5 small, 3 large)")
    parser.add_argument("--json", type=Path, default=None, help="also write all measurements to this JSON file")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the default 10-year run")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a checkout of an earlier model: run the target cases with it too, in this invocation, and print ratios",
    )
    parser.add_argument(
        "--targets-only", action="store_true", help="only the target cases (skip scaling and reference)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    sys.path.insert(0, str(args.tree or ROOT))
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return
    if args.profile:
        profile(1 if args.quick else 10)
        return
    if args.baseline is not None and not (args.baseline / "model" / "runner.py").is_file():
        parser.error(f"--baseline must be a checkout of the model (no model/runner.py in {args.baseline})")
    results = benchmark(args.quick, args.repeats, args.baseline, args.targets_only)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
        print(f"Wrote {args.json}")


if __name__ == "__main__":
    main()
