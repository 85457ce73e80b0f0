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
from viz.projection import warm_up
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


#: Narrower than this (a phone), the lever drawer starts closed and fits the screen when opened.
PHONE_WIDTH_PX = 700

#: On a phone the lever drawer fits the screen (it closes with the menu button or a tap beside it).
#: Solara's "runs on Solara" badge (shown unless $SOLARA_THEME_SHOW_BANNER is false, as `borrowed-time app`
#: sets it) sits over the bottom-right corner of the page, on a chart: hidden.
PAGE_CSS = """
#app div:has(> b > a[href="https://solara.dev"]) { display: none !important; }
@media (max-width: PHONE_WIDTH_PX) {
  .v-navigation-drawer { min-width: 0 !important; width: 88vw !important; max-width: 88vw !important; }
}
.projection-chart { min-width: 0; }
.what-to-try .v-btn { max-width: 100%; }
.what-to-try .v-btn__content { white-space: normal; text-align: left; flex: 1 1 auto; max-width: 100%; }
""".replace("PHONE_WIDTH_PX", f"{PHONE_WIDTH_PX}px")

#: Pages that carry the explorer's query string, so switching tabs (and Back) never loses the scenario.
KEEPS_QUERY = ("", "about")


def tab_target(path: str, search: str | None) -> str:
    """Where a tab leads: its page, with the explorer's query string if that page keeps it."""
    query = (search or "").lstrip("?")
    return f"/{path}?{query}" if query and path in KEEPS_QUERY else f"/{path}"


@solara.component_vue("narrow_screen.vue")
def NarrowScreen(width_px: int, event_narrow=None) -> None:
    """Calls `event_narrow` once as the page opens: whether its window is narrower than `width_px`."""


@solara.component
def Layout(children: list = []) -> None:  # noqa: B006 (Solara's layout signature)
    """Solara's app layout, with the pages' tabs named by their labels; the explorer and About keep the query.

    On a phone the lever drawer starts closed (the page learns the window's width once it opens).
    """
    narrow, set_narrow = solara.use_state(False)
    _, pages = solara.use_route()
    router = solara.use_router()
    paths = [page.path.strip("/") if page.path != "/" else "" for page in pages]
    here = router.path.strip("/").split("/")[0]
    current = paths.index(here) if here in paths else 0

    def go(index: int) -> None:
        """Open a tab's page."""
        if index is not None and index != current:
            router.push(tab_target(paths[index], router.search if paths[current] in KEEPS_QUERY else None))

    tabs = solara.lab.Tabs(
        value=current,
        on_value=go,
        align="center",
        children=[solara.lab.Tab(page.label or page.path) for page in pages],
    )
    bar = solara.AppBar(children=[solara.Style(PAGE_CSS), tabs])
    width = NarrowScreen(width_px=PHONE_WIDTH_PX, event_narrow=set_narrow)
    return solara.AppLayout(children=[bar, width, *children], sidebar_open=not narrow)


warm_up()  # under `borrowed-time app`: the status quo's projection starts with the server (shared, read-only)

routes = [
    solara.Route(
        path="/", component=ExplorerPage, label="Explorer", layout=Layout
    ),  # the first route's layout wraps every page
    solara.Route(path="about", component=AboutPage, label="About the model"),
    solara.Route(path="workshop", component=WorkshopPage, label="Workshop"),
]
