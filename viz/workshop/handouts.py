"""Printable handouts served by the workshop: the role cards (one card a page) and the facilitator guide.

`?view=print&doc=cards` and `?view=print&doc=guide` show the document with a Print button; the
page's print styles (`viz.workshop.style`) drop the buttons and bars, start each role card on a
new page and keep tables and list items whole. "Save as PDF" in the browser's print dialog
makes the PDF; nothing else is needed.
"""

from __future__ import annotations

import re

import solara

from viz.about import doc_section
from viz.workshop.cards import role_cards_markdown
from viz.workshop.display import PrintButton
from viz.workshop.roles import RoleBook

HANDOUTS = {"cards": "Role cards", "guide": "Facilitator guide"}
_PAGE_BREAK = re.compile(r"^<div style=\"page-break-after: always\"></div>\s*$", re.MULTILINE)


def handout_markdown(doc: str, roles: RoleBook) -> str:
    """The handout's Markdown: the role cards of these roles (page breaks come from the print styles), or the guide."""
    if doc == "cards":
        return _PAGE_BREAK.sub("", role_cards_markdown(roles))
    return doc_section("workshop.md")


@solara.component
def Handout(doc: str, roles: RoleBook) -> None:
    """A handout ready to print, or a one-line error for an unknown one."""
    if doc not in HANDOUTS:
        solara.Error(f"unknown handout {doc!r}; allowed: {', '.join(HANDOUTS)}")
        return
    with solara.Div(classes=["bt-handout", f"bt-handout-{doc}"]):
        with solara.Div(classes=["bt-actions", "bt-no-print"]):
            PrintButton(label=f"Print the {HANDOUTS[doc].lower()}")
        solara.Markdown(handout_markdown(doc, roles))
