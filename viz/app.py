"""The Solara app: `solara run viz.app` (or `borrowed-time app`) serves the explorer, About and workshop pages.

Nothing personal lives at module level: each explorer page creates its own state per browser
session. The workshop page (`/workshop`, the same page `borrowed-time workshop` serves alone)
shares its rooms between sessions by design, in the SQLite file named by
$BORROWED_TIME_WORKSHOP_DB (`borrowed-time app --db`; default ./workshop.sqlite3, opened only when
someone visits the page).
"""

from __future__ import annotations

import solara

from viz.about import About
from viz.explorer import Explorer
from viz.workshop.app import Page as WorkshopPage


@solara.component
def ExplorerPage() -> None:
    """The explorer, reading and writing its scenario in the page URL."""
    router = solara.use_router()

    def on_url(query: str) -> None:
        """Show the scenario's query string in the address bar."""
        router.push(f"{router.path}?{query}" if query else router.path)

    solara.Title("Borrowed Time: explorer")
    Explorer(search=router.search, on_url=on_url)


@solara.component
def AboutPage() -> None:
    """What the model is, its assumptions and its sources."""
    solara.Title("Borrowed Time: about the model")
    About()


@solara.component
def Layout(children: list = []) -> None:  # noqa: B006 (Solara's layout signature)
    """Solara's app layout, with the pages' tabs named by their labels."""
    _, pages = solara.use_route()
    tabs = solara.lab.Tabs(
        align="center", children=[solara.lab.Tab(page.label or page.path, path_or_route=page) for page in pages]
    )
    return solara.AppLayout(children=[solara.AppBar(children=[tabs]), *children])


routes = [
    solara.Route(
        path="/", component=ExplorerPage, label="Explorer", layout=Layout
    ),  # the first route's layout wraps every page
    solara.Route(path="about", component=AboutPage, label="About the model"),
    solara.Route(path="workshop", component=WorkshopPage, label="Workshop"),
]
