"""Dependencies run one way: the front doors (viz, experiments) use model, model composes agents, and no
package imports one above it; the command line finds the front doors' subcommands without importing them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from model.cli import front_doors, main

#: Each package, and the packages that importing all of its modules must not load.
LAYERS = {
    "agents": ("model", "viz", "experiments"),
    "model": ("viz", "experiments"),
    "experiments": ("viz",),
}
IMPORT_EVERY_MODULE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
modules = [info.name for info in pkgutil.walk_packages(package.__path__, sys.argv[1] + ".")]
for name in modules:
    importlib.import_module(name)
print(json.dumps({"modules": modules, "loaded": sorted({name.split(".")[0] for name in sys.modules})}))
"""


@pytest.mark.parametrize(("package", "forbidden"), LAYERS.items(), ids=LAYERS.keys())
def test_importing_a_package_loads_nothing_from_the_packages_above_it(package, forbidden):
    """Every module of the package is imported in a fresh interpreter; none may pull in a package above it."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE, package], capture_output=True, text=True, timeout=300, check=True
    )
    found = json.loads(done.stdout)
    assert len(found["modules"]) >= 3  # the walk found the package's modules
    assert not set(found["loaded"]) & set(forbidden), f"{package} imports {set(found['loaded']) & set(forbidden)}"


def test_help_lists_every_front_doors_subcommands(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    listed = capsys.readouterr().out
    for command in ("run", "scenarios", "params", "sweep", "analyze", "search", "validate", "app", "workshop"):
        assert f"\n    {command} " in listed, command
    assert len(front_doors()) == 6


def test_a_front_door_registers_its_own_subcommand_and_its_errors_follow_the_policy(capsys):
    """A registration adds a subcommand with its handler; a ParameterError it raises is one line and exit 2."""
    from model.errors import ParameterError

    def register(commands):
        def refuse(args):
            raise ParameterError(f"--level must be at most 3 (got {args.level})")

        tool = commands.add_parser("tool", help="a front door's own subcommand")
        tool.add_argument("--level", type=int, default=1)
        tool.set_defaults(handler=lambda args: 0 if args.level <= 3 else refuse(args))

    assert main(["tool"], registrations=[register]) == 0
    assert main(["tool", "--level", "4"], registrations=[register]) == 2
    assert capsys.readouterr().err == "borrowed-time: error: --level must be at most 3 (got 4)\n"
    with pytest.raises(SystemExit) as exited:
        main(["tool", "--level", "x"], registrations=[register])
    assert exited.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1
