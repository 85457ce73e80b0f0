"""`borrowed-time app`: serve the Solara explorer, or prepare its front-end assets for offline use."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys

from model.parameters import ParameterError

APP_MODULE = "viz.app"


def add_app_parser(commands: argparse._SubParsersAction) -> None:
    """Register the `app` subcommand."""
    app = commands.add_parser("app", help="serve the interactive explorer in the browser")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    app.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    app.add_argument("--prepare-offline", action="store_true",
                     help="fetch the app's front-end assets from the npm registry once, so it runs with no internet; then exit")


def server_environment(cache_dir: str) -> dict[str, str]:
    """The server's environment: the asset cache, no telemetry."""
    return {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": cache_dir, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}


def check_port_free(host: str, port: int) -> None:
    """Fail in one line, before starting anything, if the address cannot be served."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as exc:
        raise ParameterError(f"cannot serve on {host}:{port} ({exc.strerror or exc}); choose another --port or --host") from None


def command_app(args: argparse.Namespace) -> int:
    """Prepare the offline assets, or serve the app until interrupted."""
    from viz.assets import AssetError, asset_cache_dir, missing_specs, prepare_offline_assets

    if not 0 < args.port < 65536:
        raise ParameterError(f"--port must be between 1 and 65535 (got {args.port})")
    cache = asset_cache_dir()
    if args.prepare_offline:
        try:
            prepare_offline_assets(cache)
        except AssetError as exc:
            raise ParameterError(str(exc)) from None
        return 0
    check_port_free(args.host, args.port)
    if missing_specs(cache):
        print("note: front-end assets are not prepared for offline use; the browser will need the internet once "
              "(run `borrowed-time app --prepare-offline` to work with none)", file=sys.stderr)
    print(f"Borrowed Time explorer: open http://{args.host}:{args.port}/ in a browser (Ctrl-C stops the server)")
    command = [sys.executable, "-m", "solara", "run", APP_MODULE, "--host", args.host, "--port", str(args.port),
               "--production", "--no-open"]
    return subprocess.call(command, env=server_environment(str(cache)))
