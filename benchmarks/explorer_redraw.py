"""Benchmark: lever change to redrawn charts in the explorer, measured in Debian chromium.

Run:  python benchmarks/explorer_redraw.py [--changes 20] [--runs 8] [--revisits 20]

Starts `borrowed-time app` on a free port, opens the explorer at 1400x900 and, for each change,
notes the time of the Enter key on the "Pledge per developer" lever in the page, then checks every
animation frame until the runway chart's canvas changed while the page no longer shows the old
projection as updating (first redraw: a change of the old projection's chart does not count), and until the page says
every run of the new projection is in (complete). `--changes` are new scenarios (each a new
projection); `--revisits` move the lever between two values already projected (a cached
projection: the redraw path alone). Also the first load: time to the levers, and to the
status quo's charts; and `--exports` clicks on "Export charts (PNG)" until the download arrives.
Prints medians; not a test, and timings depend on the machine's load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PLEDGE = "Pledge per developer (USD per developer per year)"
WATCH = """
([selector, requireUpdating]) => {
  window.__first = null; window.__complete = null;
  const canvas = () => document.querySelector('.chart-runway canvas');
  const statusNode = document.querySelector('.projection-status');
  const complete = () => /(\\d+) of \\1 runs/.test(statusNode.innerText) && !/updating/.test(statusNode.innerText);
  let pressed = null, seen = !requireUpdating, before = null, oldStatus = null;
  // the old projection still on show, marked as updating: a chart change then is not the new projection's
  const oldShown = () => oldStatus !== null && statusNode.innerText.startsWith(oldStatus) && /updating/.test(statusNode.innerText);
  // the page has taken the lever once its status says the projection is updating (caught on any change)
  new MutationObserver(() => { if (pressed !== null && /updating/.test(statusNode.innerText)) seen = true; })
    .observe(statusNode, {childList: true, characterData: true, subtree: true});
  document.querySelector(selector).addEventListener('keydown', e => {
    if (e.key === 'Enter' && pressed === null) {
      before = canvas().toDataURL(); oldStatus = statusNode.innerText.replace(/\\s*\\(updating…\\)$/, ''); pressed = performance.now();
    }
  });
  const tick = () => {
    if (pressed !== null && seen) {
      if (window.__first === null && !oldShown() && canvas().toDataURL() !== before) window.__first = performance.now() - pressed;
      if (window.__first !== null && complete()) { window.__complete = performance.now() - pressed; return; }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
"""
PROJECTED = (
    "() => { const s = document.querySelector('.projection-status');"
    " return s && /(\\d+) of \\1 runs/.test(s.innerText) && !/updating/.test(s.innerText)"
    " && document.querySelector('.chart-runway canvas'); }"
)


def change(page, value: str, new: bool = True) -> tuple[float, float]:
    """Set the pledge lever; return (ms to the first redraw, ms to the complete projection).

    For a new scenario a chart change counts once the page says it is updating; a scenario projected
    before may be drawn in the same update, so there any change of the chart after the key counts.
    """
    field = page.get_by_label(PLEDGE)
    page.evaluate(WATCH, [f"#{field.get_attribute('id')}", new])
    field.fill(value)
    field.press("Enter")
    page.wait_for_function("() => window.__complete !== null", timeout=900_000)
    return page.evaluate("() => [window.__first, window.__complete]")


def summary(label: str, samples: list[float]) -> str:
    """Median, min and max in ms."""
    if not samples:
        return f"{label}: none"
    return (
        f"{label}: median {statistics.median(samples):.0f} ms "
        f"(min {min(samples):.0f}, max {max(samples):.0f}, n={len(samples)})"
    )


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--revisits", type=int, default=20)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--exports", type=int, default=5)
    args = parser.parse_args()
    from browser_support import ServerProcess
    from playwright.sync_api import sync_playwright

    from viz.assets import asset_cache_dir

    folder = Path(tempfile.mkdtemp(prefix="redraw-"))
    server = ServerProcess(
        [sys.executable, "-m", "model.cli", "app", "--db", str(folder / "rooms.sqlite3"), "--runs", str(args.runs)],
        folder / "server.log",
        asset_cache_dir(),
    )
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()}, {args.runs} runs per projection")
    server.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            started = time.monotonic()
            page.goto(server.url)
            page.get_by_label(PLEDGE).wait_for(timeout=120_000)
            controls = time.monotonic() - started
            timing = page.evaluate(
                "() => { const n = performance.getEntriesByType('navigation')[0];"
                " const r = performance.getEntriesByType('resource');"
                " return [n.domContentLoadedEventEnd, n.loadEventEnd, r.length,"
                " Math.max(...r.map(e => e.responseEnd)), r.reduce((a, e) => a + (e.transferSize || 0), 0)]; }"
            )
            print(
                f"first load: page and scripts loaded after {timing[1] / 1000:.1f} s (DOMContentLoaded "
                f"{timing[0] / 1000:.1f} s; {timing[2]} files, {timing[4] / 1e6:.1f} MB transferred, the last at "
                f"{timing[3] / 1000:.1f} s); levers drawn after {controls:.1f} s"
            )
            page.wait_for_function(PROJECTED, timeout=900_000)
            print(
                f"first load: levers after {controls:.1f} s, status-quo charts after {time.monotonic() - started:.1f} s"
            )
            firsts, completes = [], []
            for k in range(args.changes):
                first, complete = change(page, str(2100 + 10 * k))
                firsts.append(first)
                completes.append(complete)
                print(f"  change {k + 1}: first redraw {first:.0f} ms, complete {complete:.0f} ms", flush=True)
            print(summary("new scenario, lever to first redrawn chart", firsts))
            print(summary("new scenario, lever to every run drawn", completes))
            revisits = []
            values = ("2000", "2100")
            if args.revisits:
                change(page, "2100", new=False)  # projected once (if not yet), then both values are cached
            for k in range(args.revisits):
                revisits.append(change(page, values[k % 2], new=False)[0])
            print(summary("revisited scenario (cached projection), lever to redrawn chart", revisits))
            exports = []
            for _ in range(args.exports):
                started = time.monotonic()
                with page.expect_download(timeout=120_000) as download:
                    page.get_by_text("Export charts (PNG)").click()
                download.value.path()  # the whole file has arrived
                exports.append(1000 * (time.monotonic() - started))
            print(summary("PNG export, click to file downloaded", exports))
            print(f"load average at the end {os.getloadavg()}")
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
