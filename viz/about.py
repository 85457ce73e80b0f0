"""The "About the model" page: what the model is, its assumptions and its sources, from `docs/`."""

from __future__ import annotations

import re
from pathlib import Path

import solara

DOCS = Path(__file__).resolve().parent.parent / "docs"
MISSING = (
    "*This part of the documentation ships with the source repository (`docs/{name}`); it is not in this installation.*"
)


def doc_section(name: str, heading: str | None = None) -> str:
    """A whole document from docs/, or the section under one `## ` heading (up to the next one)."""
    path = DOCS / name
    if not path.is_file():
        return MISSING.format(name=name)
    text = path.read_text(encoding="utf-8")
    if heading is None:
        return text
    match = re.search(rf"^## {re.escape(heading)}.*?$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    return f"## {heading}{match.group(1)}" if match else MISSING.format(name=name)


INTRO = """
# About the model

Borrowed Time is an agent-based model (built on [Mesa](https://mesa.readthedocs.io)) of the money
and security of the five large open-source package registries: PyPI, npm, crates.io, RubyGems and
Maven Central. One tick is one week; a run covers ten years from 2026. Downloads and malware grow
exponentially while funding stays flat, volatile and concentrated; corporations choose between
donations and operating-cost (opex) support; an umbrella security funder pays registries' security
staff in grant rounds; developers may leave for cheaper but less secure alternative registries;
worms spread over maintainers' publish tokens.

In the explorer, every lever is a model parameter (its tooltip is the parameter's own definition);
changing a lever re-runs the scenario from the start to the week reached, replaying any shocks at
the weeks they were fired. The faint lines are the status quo with the same seed.

The tabs below are taken from the documentation in `docs/`: the model description in the ODD
protocol (`model.md`), its simplifications and known gaps, and the calibration table with the
source of every default (`calibration.md`).
"""


@solara.component
def About() -> None:
    """The About page."""
    solara.Markdown(INTRO)
    with solara.lab.Tabs():
        with solara.lab.Tab("What it is"):
            solara.Markdown(doc_section("model.md", "1. Purpose and patterns"))
        with solara.lab.Tab("Assumptions and gaps"):
            solara.Markdown(doc_section("model.md", "8. Simplifications and known gaps"))
        with solara.lab.Tab("What to try"):
            solara.Markdown(doc_section("model.md", "9. What to try"))
        with solara.lab.Tab("Sources"):
            solara.Markdown(doc_section("calibration.md"))
