"""The model's own subcommands of `borrowed-time`: `run` a scenario, list the `scenarios` and the `params`.

They register with the command line (`model/cli.py`), which owns the parser and turns bad input
(a `ParameterError`) into one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from pathlib import Path
from typing import Any

from experiments.run_output import check_run_folder, write_run_folder
from model.parameters import ParameterError, catalogue_table, parameter_table
from model.scenarios import load_preset, load_scenario, preset_names
from model.shocks import SHOCKS, Shock

DEFAULT_SEEDS = 8


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse `name=value`; the value is read as TOML (numbers, true/false, lists), else as text."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise ParameterError(f"--set expects name=value (got {text!r})")
    try:
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    except RecursionError:
        raise ParameterError(f"--set {name.strip()!r:.80}: the value is nested too deeply") from None
    return name.strip(), value


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `run`, `scenarios` and `params` subcommands."""
    run = commands.add_parser("run", help="run a scenario: summary table, data files and a chart")
    run.add_argument("--scenario", default="status-quo", help="preset name or TOML file (default: status-quo)")
    run.add_argument("--years", type=float, default=None, help="years to simulate (default: the scenario's, 10)")
    seeds = run.add_mutually_exclusive_group()
    seeds.add_argument(
        "--seeds",
        type=int,
        default=DEFAULT_SEEDS,
        metavar="N",
        help=f"run an ensemble of N seeds in parallel (default: {DEFAULT_SEEDS}); member k runs with "
        "SeedSequence(root seed, spawn_key=(k,))",
    )
    seeds.add_argument("--seed", type=int, default=None, metavar="S", help="one run with seed S instead of an ensemble")
    run.add_argument(
        "--root-seed",
        type=int,
        default=0,
        metavar="R",
        help="root seed an ensemble's members are spawned from (default: 0)",
    )
    run.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter; repeatable (see `borrowed-time params`)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder, new or empty (default: results/<scenario>-<N>seeds, or results/<scenario>-seed<S> for one run)",
    )
    run.add_argument(
        "--force", action="store_true", help="replace the output folder if an earlier `borrowed-time run` wrote it"
    )

    run.set_defaults(handler=command_run)
    commands.add_parser("scenarios", help="list the named presets").set_defaults(handler=command_scenarios)
    commands.add_parser(
        "params", help="list every parameter with its default and allowed range, the registries and the shocks"
    ).set_defaults(handler=command_params)


def command_run(args: argparse.Namespace) -> int:
    """Run a scenario (an ensemble by default, or one seed), print the summary, write Parquet, CSV and a PNG chart."""
    from model.ensemble import MAX_SEEDS

    overrides = dict(parse_assignment(item) for item in args.sets)
    scenario = load_scenario(args.scenario)
    if args.seed is None and not 1 <= args.seeds <= MAX_SEEDS:
        raise ParameterError(f"--seeds must be a whole number from 1 to {MAX_SEEDS} (got {args.seeds})")
    if args.root_seed < 0:
        raise ParameterError(f"--root-seed must be a whole number >= 0 (got {args.root_seed})")
    name = f"{scenario.name}-seed{args.seed}" if args.seed is not None else f"{scenario.name}-{args.seeds}seeds"
    out = args.out or Path("results") / name
    check_run_folder(out, args.force)  # before the model runs: a refused folder costs no waiting
    if args.seed is not None:
        return _run_one(args, scenario, overrides, out)
    return _run_ensemble(args, scenario, overrides, out)


def _run_one(args: argparse.Namespace, scenario, overrides: dict[str, Any], out: Path) -> int:
    """One run with `--seed`: its yearly summary, files and chart."""
    from experiments.charts import yearly_summary
    from model.runner import run

    started = time.perf_counter()
    result = run(scenario, years=args.years, seed=args.seed, **overrides)
    elapsed = time.perf_counter() - started
    write_run_folder(result, out, args.force)
    summary = yearly_summary(result)
    print(
        f"Scenario '{result.scenario}', {result.years:g} years from {result.params.start_year}, seed {args.seed} "
        f"(ran in {elapsed:.1f} s)\n"
    )
    print(summary.to_string(float_format=lambda v: f"{v:,.1f}"))
    if len(result.worms):
        biggest = result.worms["packages_compromised"].max()
        print(f"\nWorms: {len(result.worms)} outbreaks, the largest compromised {biggest:,} packages")
    final = result.model.iloc[-1]
    print(
        f"Malicious packages identified: {final['cumulative_malicious_identified']:,.0f}; "
        f"developers on alternative registries at the end: {final['share_developers_on_alternatives']:.1%}"
    )
    print(
        f"\nEvents: {len(result.events)} ({', '.join(f'{k} {v}' for k, v in result.events['kind'].value_counts().items())})"
    )
    print(f"Wrote model, registries, events and worms (Parquet and CSV, with a seed column) and chart.png to {out}/")
    return 0


def _run_ensemble(args: argparse.Namespace, scenario, overrides: dict[str, Any], out: Path) -> int:
    """An ensemble of `--seeds` runs in parallel: the per-registry summary over seeds, files and a chart with bands."""
    from experiments.ensemble_summary import ecosystem_lines, ensemble_summary, summary_text
    from model.ensemble import run_ensemble

    started = time.perf_counter()
    result = run_ensemble(scenario, years=args.years, seeds=args.seeds, root_seed=args.root_seed, **overrides)
    elapsed = time.perf_counter() - started
    summary = ensemble_summary(result)
    write_run_folder(result, out, args.force, summary=summary)
    n = len(result.seeds)
    print(
        f"Scenario '{result.scenario}', {result.years:g} years from {result.params.start_year}, {n} seeds "
        f"(member k ran with SeedSequence({args.root_seed}, spawn_key=(k,)); {elapsed:.1f} s)\n"
    )
    print(f"Per registry, the median over the {n} runs [10% to 90% range]:\n")
    print(summary_text(summary))
    print()
    for line in ecosystem_lines(result):
        print(line)
    print(
        f"\nWrote model, registries, events and worms (Parquet and CSV, with a seed column), summary.csv and chart.png to {out}/"
    )
    return 0


def command_scenarios(_: argparse.Namespace) -> int:
    """List presets with their descriptions."""
    for name in preset_names():
        print(f"{name:24s} {load_preset(name).description}")
    return 0


def command_params(_: argparse.Namespace) -> int:
    """List parameters with defaults, ranges, kinds and descriptions, then the registry and shock catalogues."""
    for row in parameter_table():
        allowed = f" [{row['allowed']}]" if row["allowed"] else ""
        live = "; may change mid-run" if row["live"] == "yes" else ""
        print(f"{row['name']} = {row['default']}{allowed} ({row['kind']}{live})\n    {row['description']}")
    print("\nRegistry catalogue (model/catalogue.py; profile numbers and sources in docs/calibration.md):")
    for row in catalogue_table():
        print(
            f"{row['name']:10s} {row['label']:15s} dependency_probability = {row['dependency_probability']}, "
            f"grant_eligible = {row['grant_eligible']}, worm_card_weight = {row['worm_card_weight']}, "
            f"colour = {row['colour']}"
        )
    print(
        "\nShock catalogue (model/shocks.py: explorer buttons, workshop cards, and the parameters that schedule them):"
    )
    for shock in SHOCKS.values():
        print(shock_lines(shock))
    return 0


def shock_lines(shock: Shock) -> str:
    """A shock's name, label, where it acts, what schedules it and its options, then what it does and how bad it is."""
    where = [place for place, acts in (("explorer", shock.fire), ("workshop card", shock.at_year_start)) if acts]
    head = f"{shock.name:13s} {shock.label} [{', '.join(where) or 'scenario only'}]"
    if shock.scheduled_by:
        head += f"; scheduled by {', '.join(shock.scheduled_by)}"
    if shock.options:
        head += "; options: " + "; ".join(f"{option.name}: {option.description}" for option in shock.options)
    return f"{head}\n    {shock.description} {shock.severity}"
