"""The app's subcommand of `borrowed-time`: `app` serves the Solara app (explorer, About, workshop) or prepares
its front-end assets for offline use.

It registers with the command line (`model/cli.py`). Solara and the app are imported inside the
command, so `borrowed-time run` never pays for them.
"""

from __future__ import annotations

import argparse
import os
import sys

from model.errors import ParameterError

APP_MODULE = "viz.app"
DEFAULT_RUNS = 8  # viz.projection.MEMBERS (not imported here: the command line stays light)
MAX_RUNS = 64
RUNS_ENV = "BORROWED_TIME_PROJECTION_RUNS"
WARM_ENV = "BORROWED_TIME_WARM_PROJECTION"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the `app` subcommand."""
    app = commands.add_parser("app", help="serve the interactive explorer (and the workshop pages) in the browser")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    app.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    app.add_argument(
        "--db",
        default=None,
        help="SQLite file for the workshop rooms at /workshop (default: ./workshop.sqlite3, as `borrowed-time workshop`)",
    )
    app.add_argument(
        "--runs",
        type=int,
        default=None,
        help=f"runs (seeds) in each projection of the explorer, 1 to {MAX_RUNS} (default: {DEFAULT_RUNS})",
    )
    app.add_argument(
        "--prepare-offline",
        action="store_true",
        help="fetch the front-end assets of the app and the workshop from the npm registry once, "
        "so they run with no internet; then exit",
    )
    app.set_defaults(handler=command_app)


def command_app(args: argparse.Namespace) -> int:
    """Prepare the offline assets, or replace this process with the app's server."""
    from viz.assets import asset_cache_dir, prepare_offline_assets
    from viz.serve import (
        check_address,
        server_environment,
        solara_command,
        warn_if_not_offline_ready,
        warn_if_reachable,
    )
    from viz.workshop.cli import workshop_db_environment

    if args.prepare_offline:
        prepare_offline_assets()  # errors are one-line ParameterErrors
        return 0
    check_address(args.host, args.port)
    if args.runs is not None and not 1 <= args.runs <= MAX_RUNS:
        raise ParameterError(f"--runs must be a whole number from 1 to {MAX_RUNS} (got {args.runs})")
    workshop_env = workshop_db_environment(args.db)
    if args.runs is not None:
        workshop_env[RUNS_ENV] = str(args.runs)
    workshop_env[WARM_ENV] = "1"  # the server projects the status quo as it starts, before the first visitor
    cache = asset_cache_dir()
    warn_if_not_offline_ready(cache)
    warn_if_reachable(args.host, args.port)
    print(
        f"Borrowed Time explorer: open http://{args.host}:{args.port}/ in a browser (Ctrl-C stops the server); "
        f"workshop rooms at /workshop in {workshop_env['BORROWED_TIME_WORKSHOP_DB']}"
    )
    command = solara_command(APP_MODULE, args.host, args.port)
    sys.stdout.flush()  # exec replaces this process: the server is this PID, so stopping it stops the server
    os.execve(sys.executable, command, server_environment(cache, **workshop_env))
    return 0  # not reached
