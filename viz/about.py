"""The "About the model" page: what the model is, its assumptions and its sources, from `docs/`."""

from __future__ import annotations

import re
from pathlib import Path

import solara

from viz.guidance import SUGGESTIONS

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

Borrowed Time is an agent-based model of the money and security of the five large open-source
package registries: PyPI, npm, crates.io, RubyGems and Maven Central. One step is one week; a
projection covers ten years from 2026. Downloads and malware grow fast while funding stays flat,
volatile and concentrated; firms choose between donations and operating-cost (opex) support; an
umbrella security funder pays registries' security staff in grant rounds; developers may leave for
cheaper but less secure alternative registries; worms spread over maintainers' publish tokens.

## Reading the explorer

- **Levers** (left) are grouped by who pulls them. Hover one for what it does. Any change
  re-runs the whole ten years as an ensemble of runs with different random draws.
- **Headlines** (top) give each outcome as the median over the runs, with the range from the
  10th to the 90th percentile, and its difference from the status quo. The status quo runs with
  the same random draws (the same downturns, worms and donor departures), so the difference is
  the lever's effect, not luck. Green: better than the status quo; red: worse.
- **Charts**: coloured lines and bands are this scenario; dashed grey lines and grey bands are the
  status quo. Hover for values; click a legend entry to hide or show that registry or source.
- **Story mode** plays one run week by week. A shock fired there (a worm, a missed funding round,
  the CDN donor leaving, a spam burst) happens in that week in every run of the projection.
- **The address** holds the levers, shocks and week: copy it to share exactly what you see.
"""

#: Markdown links to other documents of the repository (they do not resolve in the app): kept as text.
DOC_LINK = re.compile(r"\[([^\]]+)\]\((?!https?://)[^)]*\)")


#: Mentions of the test files that check a figure (for developers; the page leaves them out).
TEST_FILE = re.compile(r"[;,]?\s*`tests/[^`]+`")


def for_readers(markdown: str) -> str:
    """Documentation for the page: repository links become text, test files go, dollar signs stay dollars."""
    text = TEST_FILE.sub("", DOC_LINK.sub(r"\1", markdown))
    return text.replace("$", "&#36;")


def purpose() -> str:
    """The model's purpose, without the developers' table of how each pattern is tested."""
    section = doc_section("model.md", "1. Purpose and patterns")
    return section.split("**Patterns")[0].replace("## 1. Purpose and patterns", "## Purpose")


def what_to_try() -> str:
    """The explorer's suggestions, as a list."""
    lines = ["Each of these is a button under *What to try* above the levers; one click sets the levers.", ""]
    lines += [f"- **{suggestion.title}.** {suggestion.look_for}" for suggestion in SUGGESTIONS]
    return "\n".join(lines)


@solara.component
def About() -> None:
    """The About page."""
    solara.Markdown(INTRO)
    with solara.lab.Tabs():
        with solara.lab.Tab("What it is"):
            solara.Markdown(for_readers(purpose()))
        with solara.lab.Tab("Assumptions and gaps"):
            solara.Markdown(for_readers(doc_section("model.md", "8. Simplifications and known gaps")))
        with solara.lab.Tab("What to try"):
            solara.Markdown(what_to_try())
        with solara.lab.Tab("Sources"):
            solara.Markdown(for_readers(doc_section("calibration.md")))
