"""Front-end assets for running the app with no internet: an install step, never a run-time fetch.

Solara serves its JavaScript and CSS through `/_solara/cdn/...`, fetching each file from a public
CDN on first use and caching it in `SOLARA_ASSETS_PROXY_CACHE_DIR`. `prepare_offline_assets`
(`borrowed-time app --prepare-offline`) fills that cache ahead of time from the npm registry with
`npm pack`, one folder per package spec, named exactly as Solara requests it (the path after
`/_solara/cdn/`, such as `requirejs@2.3.6`). Both servers (`borrowed-time app` and
`borrowed-time workshop`) point Solara at the same cache: `$SOLARA_ASSETS_PROXY_CACHE_DIR` if set,
else `~/.cache/borrowed-time/solara-cdn` (outside the environment, so a new venv keeps it).
After a Solara upgrade, re-derive `ASSET_SPECS` by grepping Solara's templates for
`name@version` (and echarts.vue for `const version`, on a line of its own); the browser tests
fail if a file is missing.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from model.parameters import ParameterError

#: Package specs Solara 1.64 requests with ipyvuetify < 2 (`solara.Markdown` loads mermaid and katex;
#: the explorer's charts load echarts, its version set as `const version` in viz/echarts_legend.vue, a copy of
#: solara/components/echarts.vue).
ASSET_SPECS = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
    "mermaid@10.8.0",
    "katex@0.16.9",
    "echarts@5.4.0",
)
CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "borrowed-time" / "solara-cdn"


class AssetError(ParameterError):
    """Preparing the offline assets failed; the message is one line (the CLI prints it and exits 2)."""


def asset_cache_dir() -> Path:
    """Where the servers keep Solara's front-end assets: $SOLARA_ASSETS_PROXY_CACHE_DIR, else `DEFAULT_CACHE_DIR`."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else DEFAULT_CACHE_DIR


def missing_specs(cache: Path) -> list[str]:
    """Specs whose folder is not complete in the cache (an empty list: ready for offline use)."""
    return [spec for spec in ASSET_SPECS if not (cache / spec / "package.json").is_file()]


def prepare_offline_assets(cache: Path | None = None, progress: Callable[[str], None] = print) -> Path:
    """Fill the cache from the npm registry (`npm pack`); specs already present are skipped; return the cache."""
    cache = cache or asset_cache_dir()
    if not missing_specs(cache):
        progress(f"offline assets: all {len(ASSET_SPECS)} packages already in {cache}")
        return cache
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("preparing offline assets needs `npm` (Node.js) on PATH; install it, or run the app online")
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one preparer at a time; a second waits, then finds the work done
        _fetch_missing(cache, npm, progress)
    progress(f"offline assets: ready in {cache}")
    return cache


def _fetch_missing(cache: Path, npm: str, progress: Callable[[str], None]) -> None:
    """`npm pack` each spec still missing into the cache, a complete folder at a time."""
    todo = missing_specs(cache)
    for number, spec in enumerate(todo, start=1):
        progress(f"offline assets: [{number}/{len(todo)}] {spec}")
        with tempfile.TemporaryDirectory(prefix="npm-pack-") as work:
            done = subprocess.run(
                [npm, "pack", spec, "--silent"], cwd=work, capture_output=True, text=True, timeout=300
            )
            tarballs = list(Path(work).glob("*.tgz"))
            if done.returncode != 0 or not tarballs:
                detail = (done.stderr or done.stdout).strip().splitlines()
                raise AssetError(f"npm pack {spec} failed: {detail[-1] if detail else 'no tarball'}")
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=cache))
            try:
                _unpack(tarballs[0], staging)
                target = cache / spec
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists():
                    shutil.rmtree(target)
                staging.rename(target)  # complete folders only: never a half-unpacked package
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise


def _unpack(tarball: Path, destination: Path) -> None:
    """Unpack an npm tarball without its top folder (`package/`), refusing paths that leave it."""
    with tarfile.open(tarball) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts[1:]
            if not parts or ".." in parts or not (member.isfile() or member.isdir()):
                continue
            member.name = str(Path(*parts))
            archive.extract(member, destination, filter="data")
