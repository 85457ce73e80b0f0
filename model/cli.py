"""The `borrowed-time` command: one parser and one error policy; each front door registers its own subcommands.

A front door declares a registration function in `pyproject.toml` under the entry-point group
`borrowed_time.commands` (`name = "package.module:register"`; `--help` lists them in the order of
their names). `register(commands)` adds its
subcommands to the subparsers and gives each its handler with `set_defaults(handler=...)`; a
handler takes the parsed arguments and returns the exit code. The model imports no front door:
they are found in the installed package's metadata when the command runs.

Bad input gets one line on stderr naming the problem and exit code 2, never a traceback: a bad
argument (from the parser) or a `ParameterError` raised by any subcommand.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from importlib.metadata import entry_points
from typing import NoReturn

from model.errors import ParameterError

PROG = "borrowed-time"
#: The entry-point group under which front doors register their subcommands.
COMMAND_GROUP = "borrowed_time.commands"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

Registration = Callable[[argparse._SubParsersAction], None]


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are a single line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print one line and exit 2."""
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def front_doors() -> list[Registration]:
    """Every installed front door's registration function, in the order of their entry-point names."""
    return [entry.load() for entry in sorted(entry_points(group=COMMAND_GROUP), key=lambda entry: entry.name)]


def build_parser(registrations: Iterable[Registration] | None = None) -> argparse.ArgumentParser:
    """The command line with the subcommands of `registrations` (default: every installed front door)."""
    parser = OneLineParser(prog=PROG, description="Borrowed Time: the economics of package registries.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for register in front_doors() if registrations is None else registrations:
        register(commands)
    if not commands.choices:
        parser.exit(EXIT_BAD_INPUT, f"{PROG}: error: no subcommands are installed; reinstall with `pip install -e .`\n")
    return parser


def main(argv: list[str] | None = None, registrations: Iterable[Registration] | None = None) -> int:
    """Entry point of the `borrowed-time` command."""
    args = build_parser(registrations).parse_args(argv)
    try:
        return args.handler(args)
    except ParameterError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (kept open until the interpreter exits)
        return 0


if __name__ == "__main__":
    sys.exit(main())
