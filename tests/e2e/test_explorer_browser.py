"""End to end in a real browser: levers, play, a shock, charts, and two visitors' separate models."""

from __future__ import annotations

import re
import urllib.request
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e
LOAD_TIMEOUT_MS = 60_000


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


def charts(page: Page) -> bytes:
    """The chart image as the browser shows it."""
    return page.locator("img").first.screenshot()


def set_lever(page: Page, label: str, text: str) -> None:
    """Type into a lever's field and press Enter."""
    field = page.get_by_label(label)
    field.fill(text)
    field.press("Enter")


def test_explorer_in_chromium(browser, app_server, output_dir):
    visitor = browser.new_context(viewport={"width": 1400, "height": 1900})
    page = open_explorer(visitor, app_server.url)
    assert week(page) == 0
    start_charts = charts(page)

    page.get_by_label("Per-package fee (USD per new package)").hover()  # the tooltip says what the lever means
    expect(page.get_by_text("Lever: fee per new package published.")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    set_lever(page, "Per-package fee (USD per new package)", "20")
    page.wait_for_url(re.compile(r"per_package_fee_usd=20"), timeout=LOAD_TIMEOUT_MS)

    set_lever(page, "Seed (0 or more)", "abc")  # a bad value: the lever says so, nothing breaks
    expect(page.get_by_text("is not a number")).to_be_visible(timeout=LOAD_TIMEOUT_MS)

    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.get_by_role("button", name="Pause", exact=True)).to_be_enabled(timeout=LOAD_TIMEOUT_MS)
    page.wait_for_function(
        "() => /Week ([2-9]\\d|\\d{3})/.test(document.querySelector('.week-label').innerText)", timeout=LOAD_TIMEOUT_MS
    )
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.get_by_role("button", name="Step week", exact=True)).to_be_enabled(timeout=LOAD_TIMEOUT_MS)
    played = settled_week(page)  # a frame already under way when Pause was clicked may still land
    assert played >= 20
    page.wait_for_timeout(1500)
    assert week(page) == played  # paused means paused
    before = output_dir / "explorer-before-shock.png"
    page.screenshot(path=str(before))
    before_charts = charts(page)
    assert before_charts != start_charts

    page.get_by_role("button", name="Worm starts now", exact=True).click()
    page.get_by_role("button", name="Step week", exact=True).click()
    expect(page.locator(".week-label")).to_contain_text(f"Week {played + 1} ", timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("tab", name="Events").click()
    expect(page.get_by_text(re.compile(rf"week {played + 1} \(\d+\): a worm on npm compromised"))).to_be_visible(
        timeout=LOAD_TIMEOUT_MS
    )
    after = output_dir / "explorer-after-shock.png"
    page.screenshot(path=str(after))
    assert charts(page) != before_charts
    print(f"\nscreenshots: {before} and {after}")

    other = browser.new_context(viewport={"width": 1400, "height": 1900})
    second = open_explorer(other, app_server.url)
    assert week(second) == 0
    expect(second.get_by_label("Per-package fee (USD per new package)")).to_have_value("0")
    second.screenshot(path=str(output_dir / "explorer-second-visitor.png"), full_page=True)
    assert week(page) == played + 1  # the first visitor's run is untouched by the second
    other.close()

    shared = browser.new_context(viewport={"width": 1400, "height": 1900})
    reopened = open_explorer(shared, page.url)  # the link reopens the same scenario
    expect(reopened.get_by_label("Per-package fee (USD per new package)")).to_have_value("20")
    reopened.goto(app_server.url + "about")
    expect(reopened.get_by_text("Simplifications and known gaps").first).to_be_attached(timeout=LOAD_TIMEOUT_MS)
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

    log = app_server.log()
    assert "Could not load URL" not in log, "a front-end asset was not in the offline cache"
    assert "Traceback" not in log


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
