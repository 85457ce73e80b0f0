"""Starting a Solara server from the command line: port checks, environment, the `solara run` command.

Shared by `borrowed-time app` (the explorer, which also hosts the workshop pages) and
`borrowed-time workshop` (the workshop alone), so both validate and serve the same way.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from model.parameters import ParameterError
from viz.assets import CACHE_ENV, missing_specs


def check_address(host: str, port: int) -> None:
    """Fail in one line, before starting anything, if the port is out of range or the address cannot be served."""
    if not 0 < port < 65536:
        raise ParameterError(f"--port must be between 1 and 65535 (got {port})")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(
                socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
            )  # as the server does: a just-stopped one's port is free
            probe.bind((host, port))
    except OSError as exc:
        raise ParameterError(
            f"cannot serve on {host}:{port} ({exc.strerror or exc}); choose another --port or --host"
        ) from None


def server_environment(cache: Path, **extra: str) -> dict[str, str]:
    """The server's environment: the offline asset cache, no telemetry, plus `extra` variables."""
    return {**os.environ, CACHE_ENV: str(cache), "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", **extra}


def warn_if_not_offline_ready(cache: Path) -> None:
    """Say on stderr (once, at start) when the browser will need the internet for its assets."""
    if missing_specs(cache):
        print(
            f"note: front-end assets are not prepared in {cache}; the browser will need the internet once "
            "(run `borrowed-time app --prepare-offline` to work with none)",
            file=sys.stderr,
        )


def solara_command(module: str, host: str, port: int) -> list[str]:
    """The `solara run` command line serving `module` in production mode, without opening a browser."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        module,
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]
