"""`borrowed-time search`: a robust policy search with EMA Workbench's MOEA over a spec's levers and scenarios.

The spec's `[levers]` are the decision variables (ranges or value lists), its `[design]` gives the
scenarios every candidate policy is run in (the same points a sweep of the spec runs), and its
`[goals]` become robustness objectives over those scenarios: the share of scenarios that meet the
goal's threshold (maximized), or, without a threshold, the 90th percentile of an outcome to
minimize (10th of one to maximize). EMA Workbench's `robust_optimize` (epsilon-NSGA-II) searches;
the Pareto set, the convergence record, the scenarios, EMA's archives and a trade-off figure are
written to a new folder. EMA Workbench is an optional extra (`pip install 'borrowed-time[ema]'`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.catalogue import outcome_info, parameter_info
from experiments.design import make_design
from experiments.discovery import quiet, require_ema
from experiments.ema import Objective, robust_model
from experiments.figures import DEFAULT_DPI, Output, Stamp, legend_outside, parse_formats, save
from experiments.outfolder import check_output_folder, write_marker
from experiments.provenance import code_version, package_versions
from experiments.spec import LoadedSpec, SpecError, load_spec

SEARCH_KIND = "search"
DEFAULT_NFE = 100
DEFAULT_POPULATION = 20
DEFAULT_EPSILON_SHARE = 0.05
EMA_IMPORT_WARNING = "ignore::UserWarning:ema_workbench"  # EMA warns on import that ipyparallel is missing


def objectives_of(loaded: LoadedSpec) -> list[Objective]:
    """The spec's goals as objectives, or a one-line error if the spec cannot drive a search."""
    spec = loaded.spec
    if not spec.levers:
        raise SpecError(f"{loaded.origin}: a search needs [levers.NAME] ranges or values (its decision variables)")
    if not spec.goals:
        raise SpecError(f'{loaded.origin}: a search needs [goals."OUTCOME"] with a direction (its objectives)')
    return [Objective(name, goal.direction, goal.threshold) for name, goal in spec.goals.items()]


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `search` subcommand."""
    search = commands.add_parser(
        "search", help="robust policy search over a spec's levers and scenarios (EMA Workbench MOEA; [ema] extra)"
    )
    search.add_argument("spec", type=Path, help="a spec with [levers], [goals] and a scenario [design]")
    search.add_argument(
        "--nfe", type=_positive, default=DEFAULT_NFE, help=f"policies to evaluate (default: {DEFAULT_NFE})"
    )
    search.add_argument(
        "--population",
        type=_positive,
        default=DEFAULT_POPULATION,
        help=f"MOEA population (default: {DEFAULT_POPULATION})",
    )
    search.add_argument(
        "--workers", type=_positive, default=None, help=f"worker processes (default: all cores, {os.cpu_count()})"
    )
    search.add_argument(
        "--epsilon-share",
        type=float,
        default=DEFAULT_EPSILON_SHARE,
        help="resolution of each objective as a share of its scale (default: 0.05)",
    )
    search.add_argument("--out", type=Path, default=None, help="a new folder (default: results/search/<spec name>)")
    search.add_argument("--format", default="png", help="figure formats: svg, pdf, png (default: png)")
    search.add_argument("--dpi", type=_positive, default=DEFAULT_DPI, help=f"resolution (default: {DEFAULT_DPI})")
    search.set_defaults(handler=command_search)


def _positive(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    from experiments.sweep_cli import positive_int

    return positive_int(text)


def command_search(args: argparse.Namespace) -> int:
    """Run the search and write its results; print where they are."""
    formats = parse_formats(args.format)
    loaded = load_spec(args.spec)
    objectives = objectives_of(loaded)
    if not 0 < args.epsilon_share <= 1:
        raise SpecError(f"--epsilon-share must be in (0, 1] (got {args.epsilon_share})")
    out = args.out or Path("results") / "search" / loaded.spec.name
    if check_output_folder(out, SEARCH_KIND):
        raise SpecError(f"--out {str(out)!r} holds an earlier search; choose a new folder (nothing was changed)")
    require_ema()
    workers = args.workers or os.cpu_count() or 1
    started = time.perf_counter()
    result = robust_search(loaded, objectives, args.nfe, args.population, workers, args.epsilon_share, out)
    record = {**result.record, "duration_s": round(time.perf_counter() - started, 1)}
    output = Output(
        formats,
        args.dpi,
        Stamp(
            loaded.spec_hash(), record["code"]["commit"], record["code"]["dirty"], record["version"], loaded.spec.name
        ),
    )
    written = write_search(result, objectives, out, output, record)
    print(
        f"Search '{loaded.spec.name}': {args.nfe} policies x {len(result.scenarios)} scenarios, "
        f"{len(result.pareto)} on the Pareto front, in {record['duration_s']:.0f} s"
    )
    for path in written:
        print(f"wrote {path}")
    return 0


@dataclass
class SearchResult:
    """What a search found: the Pareto set, convergence, the scenarios, and a record of how it ran."""

    pareto: pd.DataFrame
    convergence: pd.DataFrame
    scenarios: pd.DataFrame
    record: dict[str, Any]


def scenarios_of(loaded: LoadedSpec) -> pd.DataFrame:
    """The spec's scenarios: the points of its design (the ones a sweep of the spec runs)."""
    return make_design(loaded.spec).points


def baseline_levers(loaded: LoadedSpec) -> dict[str, Any]:
    """The base scenario's values of the levers (with the spec's fixed values)."""
    defaults = loaded.scenario.parameters(**loaded.spec.fixed)
    return {name: getattr(defaults, name) for name in loaded.spec.levers}


def epsilons(objectives: list[Objective], baseline: dict[str, float], share: float) -> list[float]:
    """Each objective's resolution: a share of its scale (shares of scenarios: of 1; else of the baseline or range)."""
    result = []
    for objective in objectives:
        if objective.threshold is not None:
            result.append(share)
            continue
        upper = outcome_info(objective.outcome).upper
        scale = max(abs(baseline[objective.name]), upper if math.isfinite(upper) else 0.0, 1e-9)
        result.append(share * scale)
    return result


def robust_search(
    loaded: LoadedSpec, objectives: list[Objective], nfe: int, population: int, workers: int, share: float, out: Path
) -> SearchResult:
    """EMA Workbench's MOEA (epsilon-NSGA-II) over the spec's levers, each policy scored across its scenarios."""
    with quiet():
        from ema_workbench import MultiprocessingEvaluator, optimize

    scenarios = scenarios_of(loaded)
    points = scenarios.drop(columns="point_id").to_dict("records")
    model = robust_model(loaded, points, objectives)
    baseline = model.function(**baseline_levers(loaded))
    steps = epsilons(objectives, baseline, share)
    write_marker_folder(out)
    # worker processes even for one worker: EMA Workbench 3.0.0's SequentialEvaluator lets one policy's lever values
    # leak into the shared reference scenario of the next evaluation during a lever search
    with forkserver_default(), MultiprocessingEvaluator(model, n_processes=workers) as evaluator:
        pareto, convergence = optimize(
            model,
            nfe=nfe,
            searchover="levers",
            evaluator=evaluator,
            epsilons=steps,
            population_size=population,
            rng=loaded.spec.seed,
            directory=str(out),
            filename="archives.tar.gz",
            convergence_freq=max(population, nfe // 10),
        )
    record = {
        "spec_file": loaded.origin,
        "spec_hash": loaded.spec_hash(),
        "spec": loaded.canonical()["spec"],
        "version": package_versions()["borrowed-time"],
        "code": code_version(),
        "nfe": nfe,
        "population": population,
        "workers": workers,
        "seed": loaded.spec.seed,
        "scenarios": len(points),
        "algorithm": "EMA Workbench optimize over the levers (epsilon-NSGA-II); each policy run in every scenario",
        "objectives": [{"name": o.name, "outcome": o.outcome, "kind": o.kind, "label": o.label} for o in objectives],
        "epsilons": steps,
        "baseline": {"levers": baseline_levers(loaded), "objectives": baseline},
    }
    return SearchResult(pareto, convergence, scenarios, record)


@contextlib.contextmanager
def forkserver_default() -> Iterator[None]:
    """Make 'forkserver' multiprocessing's default while EMA's pool starts (no fork of a threaded process).

    Its workers import EMA Workbench afresh: they are told not to warn about ipyparallel, which is not used.
    """
    before = multiprocessing.get_start_method(allow_none=True)
    warnings_before = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = EMA_IMPORT_WARNING
    multiprocessing.set_start_method("forkserver", force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(before, force=True)
        if warnings_before is None:
            os.environ.pop("PYTHONWARNINGS", None)
        else:
            os.environ["PYTHONWARNINGS"] = warnings_before


def write_marker_folder(out: Path) -> None:
    """Create the search folder and mark it as the search command's."""
    out.mkdir(parents=True, exist_ok=True)
    write_marker(out, SEARCH_KIND)


def write_search(
    result: SearchResult, objectives: list[Objective], out: Path, output: Output, record: dict[str, Any]
) -> list[Path]:
    """Write the Pareto set, convergence, scenarios, the record and the trade-off figure."""
    tables = {"pareto.csv": result.pareto, "convergence.csv": result.convergence, "scenarios.csv": result.scenarios}
    written = []
    for name, table in tables.items():
        table.to_csv(out / name, index=False)
        written.append(out / name)
    (out / "search.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    figure, title = tradeoff_figure(result.pareto, objectives, record)
    return [*written, out / "search.json", *save(figure, out, "pareto", output, title)]


def _shown(objective: Objective, values: pd.Series) -> pd.Series:
    """An objective's values in display units (% for shares of scenarios)."""
    return 100 * values if objective.threshold is not None else outcome_info(objective.outcome).scale * values


def policy_label(row: dict[str, Any], levers: list[str]) -> str:
    """A policy named by its lever values in display units, e.g. 'Per-package fee 1.09 $'."""
    parts = []
    for name in levers:
        info = parameter_info(name, [row[name]])
        parts.append(f"{info.axis_label.rsplit(' (', 1)[0]}: {info.scale * row[name]:.3g} {info.unit}")
    return "\n".join(parts)


LABEL_POINTS = 9  # the policies' names, axis labels and titles of the trade-off figure, in points


def tradeoff_figure(pareto: pd.DataFrame, objectives: list[Objective], record: dict[str, Any]):
    """The Pareto set: one panel per objective, a bar per policy, the baseline's value as a dashed line."""
    from experiments.analysis_plots import panels, wrapped

    levers = list(record["spec"]["levers"])
    title = f"{record['spec']['name']}: robust policies found (Pareto set of {len(pareto)})"
    figure, axes = panels(len(objectives), title)
    labels = [policy_label(row, levers) for row in pareto.to_dict("records")]
    baseline = record["baseline"]["objectives"]
    for axis, objective in zip(axes, objectives):
        positions = np.arange(len(pareto))
        axis.barh(positions, _shown(objective, pareto[objective.name]), color="C0")
        line = axis.axvline(_shown(objective, pd.Series([baseline[objective.name]])).iloc[0], color="crimson", ls="--")
        axis.set_yticks(positions, labels, fontsize=LABEL_POINTS)
        axis.invert_yaxis()
        axis.set(xlabel=wrapped(objective.label), ylabel="Policy")
        axis.xaxis.label.set_fontsize(LABEL_POINTS)
        better = "higher" if objective.kind == "maximize" else "lower"
        axis.set_title(f"{better} is better; n = {record['scenarios']} scenarios per policy", fontsize=LABEL_POINTS)
    legend_outside(figure, [line], ["the baseline policy"])
    figure.text(0.01, 0.005 + 0.035, f"{record['nfe']} policies evaluated", fontsize=LABEL_POINTS, color="0.45")
    return figure, title


def redraw(folder: Path, output: Output) -> list[Path]:
    """Draw a finished search's trade-off figure again from its `search.json` and `pareto.csv` (no runs)."""
    record = json.loads((folder / "search.json").read_text())
    pareto = pd.read_csv(folder / "pareto.csv")
    goals = record["spec"]["goals"]
    objectives = [Objective(name, goal["direction"], goal["threshold"]) for name, goal in goals.items()]
    stamp = Stamp(
        record["spec_hash"],
        record["code"]["commit"],
        record["code"]["dirty"],
        record["version"],
        record["spec"]["name"],
    )
    figure, title = tradeoff_figure(pareto, objectives, record)
    return save(figure, folder, "pareto", Output(output.formats, output.dpi, stamp), title)


def main(argv: list[str] | None = None) -> int:
    """`python -m experiments.search SPEC ...`: the same as `borrowed-time search`."""
    from model.cli import main as cli_main

    return cli_main(["search", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
