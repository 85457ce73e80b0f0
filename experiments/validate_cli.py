"""`borrowed-time validate`: run the hindcast from 2019 as an ensemble and report each target, pass or fail.

The report folder follows the rules of every output folder (`experiments/outfolder.py`): a new or
empty folder is filled; one an earlier `validate` wrote is replaced only with `--force`; anything
else is refused with one line before the model runs. The marker is written last.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from experiments.outfolder import MARKER, check_output_folder, write_marker
from experiments.validation import load_targets, run_hindcast, score
from experiments.validation_report import FILES, terminal_summary, write_report
from model.parameters import ParameterError

VALIDATE = "validate"
DEFAULT_SEEDS = 10
QUICK_SEEDS = 2
MAX_WORKERS = 2


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `validate` subcommand."""
    validate = commands.add_parser(
        "validate",
        help="run the hindcast from 2019 (history preset) and report each target: observed, model, pass/fail",
    )
    validate.add_argument(
        "--seeds",
        type=int,
        default=None,
        metavar="N",
        help=f"seeds in the ensemble (default {DEFAULT_SEEDS}; quick {QUICK_SEEDS})",
    )
    validate.add_argument(
        "--quick",
        action="store_true",
        help="a quick check for CI: fewer seeds and a small population (not the full report)",
    )
    validate.add_argument("--root-seed", type=int, default=0, metavar="R", help="root seed of the members (default 0)")
    validate.add_argument(
        "--workers", type=int, default=None, metavar="W", help=f"worker processes (default: at most {MAX_WORKERS})"
    )
    validate.add_argument(
        "--out", type=Path, default=None, help="report folder, new or empty (default: results/validation[-quick])"
    )
    validate.add_argument("--force", action="store_true", help="replace the folder if an earlier `validate` wrote it")
    validate.set_defaults(handler=command_validate)


def check_report_folder(out: Path, force: bool) -> bool:
    """Check that `validate` may write `out`; return True when it replaces an earlier report."""
    if not check_output_folder(out, VALIDATE):
        return False
    if not force:
        raise ParameterError(
            f"--out {str(out)!r} holds an earlier validation report; pass --force to replace it (nothing was changed)"
        )
    foreign = sorted(entry.name for entry in out.iterdir() if entry.name not in {*FILES, MARKER} or entry.is_dir())
    if foreign:
        raise ParameterError(
            f"--out {str(out)!r} also holds {foreign[0]!r}, which `borrowed-time validate` does not write; "
            "move it out or choose another folder (nothing was changed)"
        )
    return True


def command_validate(args: argparse.Namespace) -> int:
    """Run the hindcast, write the report folder and print the summary."""
    seeds = args.seeds if args.seeds is not None else (QUICK_SEEDS if args.quick else DEFAULT_SEEDS)
    if not 1 <= seeds <= 1000:
        raise ParameterError(f"--seeds must be a whole number from 1 to 1000 (got {seeds})")
    if args.root_seed < 0:
        raise ParameterError(f"--root-seed must be a whole number >= 0 (got {args.root_seed})")
    if args.workers is not None and args.workers < 1:
        raise ParameterError(f"--workers must be a whole number >= 1 (got {args.workers})")
    out = args.out or Path("results") / ("validation-quick" if args.quick else "validation")
    targets, calibrations = load_targets()  # a broken table fails before the model runs
    check_report_folder(out, args.force)
    started = time.perf_counter()
    workers = args.workers or min(MAX_WORKERS, seeds)
    members, _ = run_hindcast(seeds=seeds, quick=args.quick, workers=workers, root_seed=args.root_seed)
    scores = score(targets, members)
    replace = check_report_folder(out, args.force)  # again: the folder may have changed while the model ran
    if replace:
        for name in (MARKER, *FILES):
            (out / name).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    command = f"borrowed-time validate --seeds {seeds}" + (" --quick" if args.quick else "")
    command += f" --root-seed {args.root_seed}" if args.root_seed else ""
    write_report(out, scores, calibrations, members, args.quick, command)
    write_marker(out, VALIDATE)
    print(terminal_summary(scores, calibrations, len(members), args.quick))
    print(f"\nRan in {time.perf_counter() - started:.0f} s; wrote {', '.join(FILES)} to {out}/")
    return 0
