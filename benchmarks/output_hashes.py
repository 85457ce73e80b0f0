"""Print a SHA-256 of each output table of four presets, to show that a change leaves outputs unchanged.

    python benchmarks/output_hashes.py [--seed 1] [--years 10]

Each preset runs once; each frame (model, registries, events, worms) is written to Parquet in
memory and hashed. Run it before and after a refactor: identical lines mean byte-identical Parquet.
"""

from __future__ import annotations

import argparse
import hashlib
import io

from model.runner import run

PRESETS = ("status-quo", "per-package-fee", "worm-outbreak", "history")
FRAMES = ("model", "registries", "events", "worms")


def parquet_digest(frame) -> str:
    """SHA-256 of a frame written to Parquet (no index), first 16 hex digits."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return hashlib.sha256(buffer.getvalue()).hexdigest()[:16]


def main() -> None:
    """Run the presets and print one line per preset and frame."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--years", type=float, default=None, help="default: each preset's own horizon")
    args = parser.parse_args()
    for preset in PRESETS:
        result = run(preset, years=args.years, seed=args.seed)
        for name in FRAMES:
            print(f"{preset:16s} {name:10s} {parquet_digest(getattr(result, name))}")


if __name__ == "__main__":
    main()
