"""Prepare Solara's front-end asset cache offline-ready, from the npm registry (`npm pack`).

Solara serves its JavaScript and CSS through `/_solara/cdn/...`, fetching from a public CDN and
caching in `SOLARA_ASSETS_PROXY_CACHE_DIR`. Workshop rooms often have no internet: run
`borrowed-time workshop --prepare-assets` once while online (npm must reach its registry) and
the server then needs no network. Code never downloads at run time; only this explicit step does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from viz.workshop.roles import WorkshopError

#: The packages solara 1.64 (with ipyvuetify<2) requests, named exactly as it requests them.
ASSET_SPECS = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
    "mermaid@10.8.0",  # solara.Markdown loads it
    "katex@0.16.9",  # and this, for formulas
)
CACHE_ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"


def default_cache_dir() -> Path:
    """Where the prepared cache lives: $SOLARA_ASSETS_PROXY_CACHE_DIR, else ~/.cache/borrowed-time/solara-cdn."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "borrowed-time" / "solara-cdn"


def cache_is_ready(cache_dir: Path) -> bool:
    """Whether every asset folder is present and non-empty."""
    return all((cache_dir / spec).is_dir() and any((cache_dir / spec).iterdir()) for spec in ASSET_SPECS)


def prepare_asset_cache(cache_dir: Path | None = None, progress=print) -> Path:
    """Fill the cache with `npm pack` (one folder per spec); skip specs already there."""
    cache_dir = Path(cache_dir or default_cache_dir())
    npm = shutil.which("npm")
    if npm is None:
        raise WorkshopError("preparing the offline assets needs 'npm' (apt-get install npm)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    for spec in ASSET_SPECS:
        target = cache_dir / spec
        if target.is_dir() and any(target.iterdir()):
            continue
        progress(f"fetching {spec} ...")
        with tempfile.TemporaryDirectory() as work:
            done = subprocess.run([npm, "pack", spec, "--silent"], cwd=work, capture_output=True, text=True)
            if done.returncode != 0:
                raise WorkshopError(f"npm pack {spec} failed: {done.stderr.strip().splitlines()[-1:]}")
            tarball = Path(work) / done.stdout.strip().splitlines()[-1]
            partial = Path(work) / "unpacked"
            with tarfile.open(tarball) as archive:
                archive.extractall(partial, filter="data")
            inner = next(partial.iterdir())  # npm tarballs hold one top folder ("package")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(inner), str(target))
    return cache_dir
