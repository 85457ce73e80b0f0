"""The `borrowed-time` command: run scenarios, list presets and parameters.

Bad input gets one line on stderr naming the problem and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any, NoReturn

from experiments import search, sweep_cli
from experiments.app_command import add_app_parser, command_app
from experiments.run_output import check_run_folder, write_run_folder
from model.parameters import ParameterError, catalogue_table, parameter_table
from model.scenarios import load_preset, load_scenario, preset_names
from viz.workshop.cli import command_workshop
from viz.workshop.cli import register as register_workshop

EXIT_BAD_INPUT = 2


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are a single line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print one line and exit 2."""
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


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


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = OneLineParser(prog="borrowed-time", description="Borrowed Time: the economics of package registries.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    run = commands.add_parser("run", help="run a scenario: summary table, data files and a chart")
    run.add_argument("--scenario", default="status-quo", help="preset name or TOML file (default: status-quo)")
    run.add_argument("--years", type=float, default=None, help="years to simulate (default: the scenario's, 10)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
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
        help="output folder, new or empty (default: results/<scenario>-seed<seed>)",
    )
    run.add_argument(
        "--force", action="store_true", help="replace the output folder if an earlier `borrowed-time run` wrote it"
    )

    commands.add_parser("scenarios", help="list the named presets")
    commands.add_parser("params", help="list every parameter with its default and allowed range")
    register_workshop(commands)
    add_app_parser(commands)
    sweep_cli.register(commands)
    search.register(commands)
    return parser


def command_run(args: argparse.Namespace) -> int:
    """Run a scenario, print the summary, write Parquet, CSV and a PNG chart."""
    from experiments.charts import yearly_summary
    from model.runner import run

    overrides = dict(parse_assignment(item) for item in args.sets)
    scenario = load_scenario(args.scenario)
    out = args.out or Path("results") / f"{scenario.name}-seed{args.seed}"
    check_run_folder(out, args.force)  # before the model runs: a refused folder costs no waiting
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
    print(f"Wrote model, registries, events and worms (Parquet and CSV) and chart.png to {out}/")
    return 0


def command_scenarios(_: argparse.Namespace) -> int:
    """List presets with their descriptions."""
    for name in preset_names():
        print(f"{name:24s} {load_preset(name).description}")
    return 0


def command_params(_: argparse.Namespace) -> int:
    """List parameters with defaults, ranges, kinds and descriptions, then the registry catalogue."""
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
    return 0


COMMANDS = {
    "run": command_run,
    "scenarios": command_scenarios,
    "params": command_params,
    "app": command_app,
    "workshop": command_workshop,
    "sweep": sweep_cli.command_sweep,
    "analyze": sweep_cli.command_analyze,
    "search": search.command_search,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `borrowed-time` command."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ParameterError as exc:
        print(f"borrowed-time: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("borrowed-time: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (kept open until the interpreter exits)
        return 0


if __name__ == "__main__":
    sys.exit(main())
