"""Starting a Solara server from the command line: checks, environment, and the server process itself.

Shared by `borrowed-time app` (the explorer, which also hosts the workshop pages) and
`borrowed-time workshop` (the workshop alone), so both validate and serve the same way. The
server process is `python -m viz.serve MODULE --host H --port P` (`main` below): it holds the
room database named by $BORROWED_TIME_WORKSHOP_DB (`viz.workshop.lock`), adds the safety
middleware of `viz.http_safety` to Solara's Starlette app, and then runs `solara run` in itself.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import socket
import sys
from pathlib import Path

from model.parameters import ParameterError
from viz.assets import CACHE_ENV, missing_specs

#: Addresses that reach every interface of this machine.
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
#: A documentation address (RFC 5737): connecting a UDP socket to it sends nothing, but picks the LAN interface.
_ROUTE_PROBE = ("192.0.2.1", 9)


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


def is_loopback(host: str) -> bool:
    """Whether `host` is reachable from this machine only (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lan_address() -> str | None:
    """This machine's address on its local network (the interface of its default route), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(_ROUTE_PROBE)
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_unspecified else address


def public_url(host: str, port: int) -> str:
    """The address people on the network should open for a server bound to `host`."""
    reachable = (lan_address() or "<this machine's address>") if host in WILDCARD_HOSTS else host
    return f"http://[{reachable}]:{port}/" if ":" in reachable else f"http://{reachable}:{port}/"


def warn_if_reachable(host: str, port: int) -> None:
    """On a non-loopback address, say on stderr that the network can reach the server, and where."""
    if is_loopback(host):
        return
    print(
        f"warning: --host {host} makes this server reachable from the network; "
        f"people in the room open {public_url(host, port)}",
        file=sys.stderr,
    )


#: Solara settings both servers start with (the environment may override them): after a server restart, pages
#: re-run themselves from their address (the workshop's state is in its database and each tab's secrets in its
#: session storage) and, if that fails, reload rather than ask to be refreshed; no "runs on Solara" banner
#: sitting over the buttons of a phone's screen.
SOLARA_DEFAULTS = {
    "SOLARA_STATE_AUTO_REMOUNT": "true",
    "SOLARA_THEME_FORCE_REFRESH": "true",
    "SOLARA_THEME_SHOW_BANNER": "false",
}


def server_environment(cache: Path, **extra: str) -> dict[str, str]:
    """The server's environment: the offline asset cache, no telemetry, `SOLARA_DEFAULTS`, plus `extra` variables."""
    return {
        **SOLARA_DEFAULTS,
        **os.environ,
        CACHE_ENV: str(cache),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        **extra,
    }


def warn_if_not_offline_ready(cache: Path) -> None:
    """Say on stderr (once, at start) when the browser will need the internet for its assets."""
    if missing_specs(cache):
        print(
            f"note: front-end assets are not prepared in {cache}; the browser will need the internet once "
            "(run `borrowed-time app --prepare-offline` to work with none)",
            file=sys.stderr,
        )


def solara_command(module: str, host: str, port: int) -> list[str]:
    """The server process serving `module` (see `main`)."""
    return [sys.executable, "-m", "viz.serve", module, "--host", host, "--port", str(port)]


def _solara_run_arguments(module: str, host: str, port: int) -> list[str]:
    """`solara run` in production mode, no browser opened, no version check over the internet."""
    return ["run", module, "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version"]


def log_to_stderr() -> None:
    """Send the `borrowed_time` loggers' warnings (refused guesses and the like) to stderr, with a time stamp."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s borrowed-time %(levelname)s: %(message)s"))
    logger = logging.getLogger("borrowed_time")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    """Serve a Solara app module in this process: hold the room database, add the safety middleware, run."""
    from viz.workshop.links import PUBLIC_URL_ENV
    from viz.workshop.roles import WorkshopError
    from viz.workshop.store import DB_ENV

    parser = argparse.ArgumentParser(prog="python -m viz.serve", description=main.__doc__)
    parser.add_argument("module")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if os.environ.get(DB_ENV):
        from viz.workshop.lock import hold_database

        try:
            hold_database(os.environ[DB_ENV])
        except WorkshopError as exc:
            print(f"borrowed-time: error: {exc}", file=sys.stderr)
            return 2
    log_to_stderr()
    if not is_loopback(args.host):  # the workshop's projector shows a join link phones in the room can open
        os.environ[PUBLIC_URL_ENV] = public_url(args.host, args.port)
    os.environ["SOLARA_APP"] = args.module  # Solara's server module reads it when first imported
    from solara.__main__ import cli
    from solara.server.starlette import app

    from viz.http_safety import ClientAddress, SecurityHeaders

    app.add_middleware(ClientAddress)
    app.add_middleware(SecurityHeaders)
    cli.main(args=_solara_run_arguments(args.module, args.host, args.port), prog_name="solara")
    return 0


if __name__ == "__main__":
    sys.exit(main())
