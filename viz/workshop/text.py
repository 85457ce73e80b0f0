"""Components that show text as text: headings, lines, lists and tables built from plain DOM elements.

Room names, team names and the developer community's statement are typed by participants.
None of it may reach Markdown, HTML or a Vue template, where `<img onerror=...>` would run
script and `{{ ... }}` would be evaluated. Every string given to these components becomes a
text node in the page (escaped by the browser's DOM, never compiled); use `solara.Markdown`
only for text written in this repository.

`Heading`, `Line`, `Bullets` and `TextTable` are components, so that a view switching from one to
another at the same place gets a new element rather than an old one with its tag changed.
`Bullets` and `TextTable` are Vue components that receive their strings as data and show them
with Vue's text interpolation (escaped text nodes, never compiled): one widget per list or table
rather than one per cell, which keeps a page's update small when a round is played.
"""

from __future__ import annotations

from collections.abc import Sequence

import reacton.ipyvuetify as v
import solara

Part = str | solara.Element


def Strong(text: str) -> solara.Element:
    """Bold text, as a part of a `Line`."""
    return v.Html(tag="strong", style_="font-weight: 600", children=[text])


def Emphasis(text: str) -> solara.Element:
    """Italic text, as a part of a `Line`."""
    return v.Html(tag="em", children=[text])


@solara.component
def Heading(text: str, level: int = 3) -> solara.Element:
    """A heading (`h1` to `h6`)."""
    return v.Html(tag=f"h{level}", children=[text])


@solara.component
def Line(*parts: Part) -> solara.Element:
    """A paragraph from plain strings and `Strong` / `Emphasis` parts."""
    return v.Html(tag="p", children=list(parts))


@solara.component_vue("text_list.vue")
def _TextList(items: list) -> None:
    """A bulleted list of text items."""


@solara.component_vue("text_table.vue")
def _TextTable(columns: list, rows: list, right: list) -> None:
    """A table of text cells."""


@solara.component
def Bullets(items: Sequence[str]) -> solara.Element:
    """A bulleted list, one item per string."""
    return _TextList(items=[str(item) for item in items])


@solara.component
def TextTable(columns: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> solara.Element:
    """A table of text cells; `right` lists the columns aligned right (numbers). Wide tables scroll on their own."""
    return _TextTable(
        columns=[str(name) for name in columns], rows=[[str(cell) for cell in row] for row in rows], right=list(right)
    )
