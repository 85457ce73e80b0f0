"""End to end in a real browser: a lever re-projects, a shock, tabs and Back, a shared link, a phone, two visitors."""

from __future__ import annotations

import re
import time
import urllib.request
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e
LOAD_TIMEOUT_MS = 60_000
PROJECTION_TIMEOUT_MS = 180_000
FEE = "Per-package fee (USD per new package)"


def open_explorer(context, url: str) -> Page:
    """Open the explorer and wait for its first render (it arrives over the websocket)."""
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Step week", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
    return page


def week(page: Page) -> int:
    """The week the page says the run has reached."""
    return int(re.search(r"Week (\d+)", page.locator(".week-label").inner_text()).group(1))


def settled_week(page: Page, quiet_ms: int = 1000, timeout_ms: int = LOAD_TIMEOUT_MS) -> int:
    """The week label once it has stopped changing for `quiet_ms` (frames in flight have landed)."""
    last, waited = week(page), 0
    while waited < timeout_ms:
        page.wait_for_timeout(quiet_ms)
        waited += quiet_ms
        now = week(page)
        if now == last:
            return now
        last = now
    raise AssertionError(f"the week label kept changing for {timeout_ms} ms after Pause")


def wait_projected(page: Page) -> None:
    """Wait until every run of the projection has finished and its charts are drawn."""
    page.wait_for_function(
        "() => { const s = document.querySelector('.projection-status');"
        " return s && /(\\d+) of \\1 runs/.test(s.innerText) && !/updating/.test(s.innerText); }",
        timeout=PROJECTION_TIMEOUT_MS,
    )
    page.locator(".chart-runway canvas").first.wait_for(timeout=LOAD_TIMEOUT_MS)


def chart_pixels(page: Page, key: str = "runway") -> str:
    """One chart's canvas as a data URL (what the browser drew)."""
    return page.locator(f".chart-{key} canvas").first.evaluate("c => c.toDataURL()")


def headlines(page: Page) -> str:
    """The headline outcomes' text."""
    return page.locator(".headlines").inner_text()


def set_lever(page: Page, label: str, text: str) -> None:
    """Type into a lever's field and press Enter."""
    field = page.get_by_label(label)
    field.fill(text)
    field.press("Enter")


#: In the page: note the time of the Enter key on a field, then check each frame until a chart's canvas changed.
REDRAW_WATCH = """
([selector, key]) => {
  window.__redrawMs = null;
  const canvas = () => document.querySelector(`.chart-${key} canvas`);
  const statusNode = document.querySelector('.projection-status');
  let pressed = null, seen = false, before = null;
  // the page has taken the lever once its status says the projection is updating (caught on any change)
  new MutationObserver(() => { if (pressed !== null && /updating/.test(statusNode.innerText)) seen = true; })
    .observe(statusNode, {childList: true, characterData: true, subtree: true});
  document.querySelector(selector).addEventListener('keydown', e => {
    if (e.key === 'Enter' && pressed === null) { before = canvas().toDataURL(); pressed = performance.now(); }
  });
  const tick = () => {
    if (pressed !== null && seen && canvas().toDataURL() !== before) {
      window.__redrawMs = performance.now() - pressed;
      return;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
"""


#: The runway chart's ECharts instance (held by its Vue component).
RUNWAY_CHART = (
    "(() => { let c = document.querySelector('.chart-runway .solara-echarts').__vue__;"
    " while (c && !c.chart) c = c.$parent; return c.chart; })()"
)


def lever_to_redraw_ms(page: Page, label: str, text: str, chart: str = "runway") -> float:
    """Milliseconds from pressing Enter on a lever to a chart redrawn, measured in the page."""
    field = page.get_by_label(label)
    page.evaluate(REDRAW_WATCH, [f"#{field.get_attribute('id')}", chart])
    field.fill(text)
    field.press("Enter")
    page.wait_for_function("() => window.__redrawMs !== null", timeout=PROJECTION_TIMEOUT_MS)
    return float(page.evaluate("() => window.__redrawMs"))


def test_explorer_in_chromium(browser, app_server, output_dir):
    visitor = browser.new_context(viewport={"width": 1400, "height": 900})
    page = visitor.new_page()
    started = time.monotonic()
    page.goto(app_server.url)
    page.get_by_label(FEE).wait_for(timeout=LOAD_TIMEOUT_MS)
    controls_s = time.monotonic() - started
    wait_projected(page)
    projected_s = time.monotonic() - started
    print(f"\nfirst load: controls after {controls_s:.1f} s, status-quo projection drawn after {projected_s:.1f} s")
    assert "Registries solvent at the end" in headlines(page) and "0 vs status quo (0 to 0)" in headlines(page)
    assert week(page) == 0

    page.get_by_label(FEE).hover()  # the tooltip says what the lever means
    expect(page.get_by_text("Lever: fee per new package published.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    page.evaluate(f"() => {RUNWAY_CHART}.dispatchAction({{type: 'legendToggleSelect', name: 'pypi'}})")  # a click
    assert page.evaluate(f"() => {RUNWAY_CHART}.getOption().legend[0].selected") == {"pypi": False}
    before_charts, before_headlines = chart_pixels(page), headlines(page)
    redraw_ms = lever_to_redraw_ms(page, FEE, "20")  # a new scenario: the projection re-runs from scratch
    page.wait_for_url(re.compile(r"per_package_fee_usd=20"), timeout=LOAD_TIMEOUT_MS)
    wait_projected(page)
    print(f"lever to first redrawn chart: {redraw_ms:.0f} ms (not asserted)")
    assert chart_pixels(page) != before_charts and headlines(page) != before_headlines
    assert page.evaluate(f"() => {RUNWAY_CHART}.getOption().legend[0].selected")["pypi"] is False  # still hidden
    expect(page.locator(".scenario-modified")).to_contain_text("status-quo (modified)")
    desktop = output_dir / "explorer-after-lever.png"
    page.screenshot(path=str(desktop))

    set_lever(page, "Seed (0 or more)", "abc")  # a bad value: the lever says so, nothing breaks
    expect(page.get_by_text("is not a number")).to_be_visible(timeout=LOAD_TIMEOUT_MS)

    page.get_by_role("button", name="Step year", exact=True).click()  # story mode: one run, then a shock
    expect(page.locator(".week-label")).to_contain_text("Week 52 ", timeout=LOAD_TIMEOUT_MS)
    story_charts = chart_pixels(page)
    page.get_by_role("button", name="Worm starts now", exact=True).click()
    page.wait_for_url(re.compile(r"shocks=worm@52"), timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("button", name="Step week", exact=True).click()
    expect(page.locator(".week-label")).to_contain_text("Week 53 ", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_url(re.compile(r"week=53"), timeout=LOAD_TIMEOUT_MS)
    wait_projected(page)
    page.get_by_role("tab", name="Events").click()
    expect(page.get_by_text(re.compile(r"week 53 \(\d+\): a worm on npm compromised"))).to_be_visible(
        timeout=LOAD_TIMEOUT_MS
    )
    assert chart_pixels(page, "worms") != story_charts
    page.screenshot(path=str(output_dir / "explorer-after-shock.png"), full_page=True)

    shown = headlines(page)
    page.get_by_role("tab", name="About the model").click()  # switch tabs and come back: nothing is lost
    expect(page.get_by_text("Reading the explorer").first).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    assert "per_package_fee_usd=20" in page.url and "shocks=worm@52" in page.url
    page.go_back()
    page.get_by_role("button", name="Step week", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
    expect(page.locator(".week-label")).to_contain_text("Week 53 ", timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_label(FEE)).to_have_value("20", timeout=LOAD_TIMEOUT_MS)  # the drawer may render later
    wait_projected(page)
    assert headlines(page) == shown

    other = browser.new_context(viewport={"width": 1400, "height": 900})
    second = open_explorer(other, app_server.url)
    assert week(second) == 0
    expect(second.get_by_label(FEE)).to_have_value("0")
    assert week(page) == 53  # the first visitor's run is untouched by the second
    other.close()

    shared = browser.new_context(viewport={"width": 1400, "height": 900})
    reopened = open_explorer(shared, page.url)  # the link reopens the same view
    expect(reopened.get_by_label(FEE)).to_have_value("20")
    expect(reopened.locator(".week-label")).to_contain_text("Week 53 ", timeout=LOAD_TIMEOUT_MS)
    expect(reopened.locator(".shocks-fired")).to_contain_text("worm in week 52")
    wait_projected(reopened)
    assert headlines(reopened) == shown
    link_shot = output_dir / "explorer-shared-link.png"
    reopened.screenshot(path=str(link_shot))
    reopened.goto(app_server.url + "about")
    expect(reopened.get_by_text("Reading the explorer").first).to_be_attached(timeout=LOAD_TIMEOUT_MS)
    reopened.wait_for_timeout(1000)  # let the page finish fading in
    reopened.screenshot(path=str(output_dir / "about-page.png"))
    reopened.get_by_role("tab", name="Workshop").click()  # the app hosts the workshop; its links keep /workshop
    reopened.get_by_role("button", name="Create room").click(timeout=LOAD_TIMEOUT_MS)
    reopened.get_by_text("Facilitator console — room").wait_for(timeout=LOAD_TIMEOUT_MS)
    assert re.search(r"/workshop\?room=\w+$", reopened.url), reopened.url  # the key stays out of the address
    reopened.screenshot(path=str(output_dir / "app-workshop-facilitator.png"))
    reopened.get_by_role("tab", name="Explorer").click()
    reopened.get_by_role("button", name="Step week", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
    shared.close()
    visitor.close()
    print(f"screenshots: {desktop}, {link_shot}")

    log = app_server.log()
    assert "Could not load URL" not in log, "a front-end asset was not in the offline cache"
    assert "Traceback" not in log


def test_the_explorer_on_a_phone(browser, app_server, output_dir):
    """At 390 px the levers are in a drawer that closes, the charts stack, and story mode is in reach."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(app_server.url)
    page.get_by_role("button", name="Step week", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
    wait_projected(page)
    boxes = [page.locator(f".chart-{key}").bounding_box() for key in ("runway", "revenue")]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1  # stacked, not side by side
    assert boxes[0]["width"] <= 390
    expect(page.get_by_label(FEE)).not_to_be_in_viewport(timeout=LOAD_TIMEOUT_MS)  # the lever drawer starts closed
    page.locator(".v-app-bar__nav-icon").first.click()  # the menu button opens it
    expect(page.get_by_label(FEE)).to_be_in_viewport(timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(500)  # the drawer slides in
    drawer = page.locator(".v-navigation-drawer").first.bounding_box()
    assert drawer["width"] <= 390  # it fits the screen
    page.mouse.click(drawer["width"] + (390 - drawer["width"]) / 2, 600)  # and closes with a tap beside it
    expect(page.get_by_label(FEE)).not_to_be_in_viewport(timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("button", name="Step week", exact=True).click()
    expect(page.locator(".week-label")).to_contain_text("Week 1 ", timeout=LOAD_TIMEOUT_MS)
    page.wait_for_timeout(500)  # the drawer's shade has faded
    shot = output_dir / "explorer-phone.png"
    page.screenshot(path=str(shot))
    print(f"\nphone screenshot: {shot}")
    phone.close()


def test_security_headers_on_the_app_server(app_server):
    """The explorer, the workshop tab and static files come with no-referrer, no framing and nosniff."""
    for path in ("", "about", "workshop", "static/main.js"):
        with urllib.request.urlopen(app_server.url + path, timeout=10) as response:
            headers = {name.lower(): value for name, value in response.headers.items()}
        assert headers["referrer-policy"] == "no-referrer", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["content-security-policy"] == "frame-ancestors 'none'", path
        assert headers["x-content-type-options"] == "nosniff", path


def test_link_text_in_the_explorer_is_shown_as_text(browser, app_server):
    """A link's unknown preset and lever, carrying HTML and Vue payloads, are named in the page as plain text."""
    payload = "<svg onload=__pwned=1>{{_c.constructor('__pwned=2')()}}{{ 7*191 }}"
    page = browser.new_context().new_page()
    page.goto(f"{app_server.url}?preset={quote(payload)}&{quote(payload)}=1")
    page.get_by_role("button", name="Step week", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_text(f"link: unknown preset {payload!r}")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_text(f"link: unknown lever {payload!r} ignored")).to_be_visible()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert "1337" not in page.inner_text("body")
    assert page.locator("svg[onload]").count() == 0
