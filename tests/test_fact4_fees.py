"""Stylized fact 4 (a mechanism): publishers weigh fees against the cost of moving.

Given sponsors who build alternatives, a higher per-package fee moves more developers to them and
brings the incumbents more fee revenue; a dearer move (more hours to switch) moves fewer. Whether a
given fee pushes publishers to *less secure* registries is a question for the experiment
`experiments/specs/fees-and-defection.toml` (docs/findings.md), not for this test.
"""

import itertools
from functools import cache

import numpy as np

from model import run

FEES = [0.0, 200.0, 400.0]  # USD per new package (200 is also the dearer-move test's fee)
SEEDS = range(4)
QUIET = {"worm_waves_per_year": 0.0, "spam_bursts_per_year": 0.0}  # remove shocks unrelated to fees


@cache  # each argument set runs once per test session
def outcomes(fee: float, switching_hours: float | None = None) -> dict[str, float]:
    """Mean over seeds of the last year's share of developers on alternatives, and incumbents' fee revenue."""
    extra = {} if switching_hours is None else {"switching_hours": switching_hours}
    share, fees = [], []
    for seed in SEEDS:
        result = run("per-package-fee", years=3, seed=seed, per_package_fee_usd=fee, **QUIET, **extra)
        share.append(result.model["share_developers_on_alternatives"].iloc[-52:].mean())
        incumbents = result.registries[result.registries["kind"] == "incumbent"]
        fees.append(incumbents["revenue_fees_usd"].sum())
    return {"share": float(np.mean(share)), "fees": float(np.mean(fees))}


def test_fee_dose_response():
    """Share on alternatives and incumbents' fee revenue both rise with the fee."""
    results = [outcomes(fee) for fee in FEES]
    shares = [r["share"] for r in results]
    revenue = [r["fees"] for r in results]
    assert all(a < b for a, b in itertools.pairwise(shares)), shares
    assert all(a < b for a, b in itertools.pairwise(revenue)), revenue


def test_a_dearer_move_moves_fewer_publishers():
    """At the same fee, doubling the hours it takes to move lowers the share that moves."""
    cheap = outcomes(200.0)["share"]
    dear = outcomes(200.0, switching_hours=32.0)["share"]
    assert dear < cheap, (cheap, dear)
