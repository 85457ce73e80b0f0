"""Stylized fact 4: publisher fees move developers to alternatives, monotonically; malware exposure rises."""

import itertools

import numpy as np

from model import run

FEES = [0.0, 10.0, 20.0, 40.0, 80.0]  # USD per new package
SEEDS = range(6)
QUIET = {"worm_waves_per_year": 0.0, "spam_bursts_per_year": 0.0}  # remove shocks unrelated to fees


def outcomes(fee: float) -> dict[str, float]:
    """Mean over seeds of the last year's share on alternatives, total malware downloads, incumbent fees."""
    share, exposure, fees = [], [], []
    for seed in SEEDS:
        result = run("per-package-fee", years=3, seed=seed, per_package_fee_usd=fee, **QUIET)
        share.append(result.model["share_developers_on_alternatives"].iloc[-52:].mean())
        exposure.append(result.model["malware_downloads"].sum())
        incumbents = result.registries[result.registries["kind"] == "incumbent"]
        fees.append(incumbents["revenue_fees_usd"].sum())
    return {"share": np.mean(share), "exposure": np.mean(exposure), "fees": np.mean(fees)}


def test_fee_dose_response():
    """Share on alternatives and ecosystem malware exposure rise with the fee, and so does fee revenue."""
    results = [outcomes(fee) for fee in FEES]
    shares = [r["share"] for r in results]
    exposure = [r["exposure"] for r in results]
    revenue = [r["fees"] for r in results]
    assert all(a < b for a, b in itertools.pairwise(shares)), shares
    assert all(a < b for a, b in itertools.pairwise(exposure)), exposure
    assert all(a < b for a, b in itertools.pairwise(revenue)), revenue
    assert shares[-1] > 0.05, shares
