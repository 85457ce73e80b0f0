"""The faster ways the model computes things give what the plain ways gave (docs/model.md, "How a run is computed")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from mesa.datacollection import DataCollector
from scipy.stats import ks_2samp, norm

from agents.registry import RegistryAgent
from model import reporters
from model.model import RegistryModel
from model.reference import FirmByFirm
from model.reporters import pooled_lognormal_median
from model.scenarios import load_scenario


class MesaCollected(RegistryModel):
    """The model with Mesa's DataCollector running beside its own weekly collector."""

    def __init__(self, *args, **kwargs) -> None:
        """Build the model and a Mesa DataCollector with the same reporters."""
        super().__init__(*args, **kwargs)
        self.mesa_collector = DataCollector(
            model_reporters=reporters.MODEL_REPORTERS,
            agenttype_reporters={RegistryAgent: reporters.REGISTRY_REPORTERS},
        )
        own = self.datacollector
        collect = own.collect

        def both(model) -> None:
            """Collect with the model's collector, then with Mesa's."""
            collect(model)
            self.mesa_collector.collect(model)

        own.collect = both


def test_the_weekly_collector_gives_the_frames_mesas_data_collector_gave():
    """Same columns, index, types and values, with an alternative opening (registries added during the run)."""
    # the CDN donors leave at the start, so a registry fails and an alternative opens within 4 years
    params = load_scenario("status-quo").parameters(n_developers=3000, cdn_donor_leaves_year=2026)
    model = MesaCollected(params, rng=4)
    model.run_for(4 * 52)
    assert len(model.registry_list) > model.n_incumbents  # an alternative opened
    pd.testing.assert_frame_equal(
        model.datacollector.get_model_vars_dataframe(), model.mesa_collector.get_model_vars_dataframe()
    )
    pd.testing.assert_frame_equal(
        model.datacollector.get_agenttype_vars_dataframe(RegistryAgent),
        model.mesa_collector.get_agenttype_vars_dataframe(RegistryAgent),
    )


def test_firms_choices_computed_together_are_each_firms_own_choice():
    """`logit_choices` over every firm picks what `CorporationAgent.logit_mode` picks, firm by firm, in calm and downturn years."""
    params = load_scenario("status-quo").parameters(n_developers=2000, memory_weight=2.0)
    model = RegistryModel(params, rng=9)
    model.run_for(3 * 52)
    rows = np.arange(len(model.corporations))
    uniforms = np.random.default_rng(1).random(len(rows))
    for downturn in (False, True):
        model.downturn = downturn
        together = model.corporations.logit_choices(model, rows, uniforms)
        alone = [model.corporation_agents[row].logit_mode(float(u)) for row, u in zip(rows, uniforms)]
        decided = [(a, b) for a, b in zip(together, alone) if a is not None]
        assert len(decided) > 0.9 * len(rows)
        assert all(a == b for a, b in decided)
        assert len({b for _, b in decided}) >= 2  # more than one mode is picked


def test_firms_deciding_together_choose_and_pay_what_each_firm_alone_does():
    """`decide_firms` on arrays gives every firm the mode, contract end and payments of `decide_support` firm by firm.

    Four years with incident memory, downturns (seed 1 has three) and an enterprise tier that heavy
    firms may buy as support, so every mode, renewals and paid-tier picks all occur.
    """
    params = load_scenario("status-quo").parameters(
        n_developers=1000, memory_weight=2.0, enterprise_tier_usd_per_year=20_000.0, downturn_prob_per_year=0.3
    )
    together, alone = RegistryModel(params, rng=1), FirmByFirm(params, rng=1)
    paid_by_firm = []
    for model in (together, alone):
        payments = {}
        record = model.record_payment

        def recording(payer, amount, payments=payments, record=record):
            """Keep each payer's payments in order, then record them as the model does."""
            payments.setdefault(payer, []).append(amount)
            record(payer, amount)

        model.record_payment = recording
        model.run_for(4 * 52)
        paid_by_firm.append(payments)
    np.testing.assert_array_equal(together.corporations.mode, alone.corporations.mode)
    np.testing.assert_array_equal(together.corporations.contract_end_time, alone.corporations.contract_end_time)
    assert together.corporations.mode_counts == alone.corporations.mode_counts
    assert paid_by_firm[0] == paid_by_firm[1]
    assert list(paid_by_firm[0]) == list(paid_by_firm[1])  # payers first paid in the same order
    modes = set(together.corporations.mode.tolist())
    assert len(modes) == 4  # none, donation, opex and paid tier all held by some firm
    assert any(event["kind"] == "downturn" for event in together.events)
    pd.testing.assert_frame_equal(
        together.datacollector.get_model_vars_dataframe(), alone.datacollector.get_model_vars_dataframe()
    )


def _malware_outputs(seed: int, per_package: bool) -> list[float]:
    """Main malware-driven outputs of one small run (1,000 developers, a quarter, 2,000 malicious packages a day)."""
    params = load_scenario("status-quo").parameters(n_developers=1000, malware_arrivals_per_day=2000.0)
    model = RegistryModel(params, rng=seed)
    if per_package:
        model.malware_ledger.per_package_below = 10**15
    model.run_for(13)
    weekly = model.datacollector.get_model_vars_dataframe()
    panel = model.datacollector.get_agenttype_vars_dataframe(RegistryAgent)
    npm = panel[panel["registry"] == "npm"]
    return [
        weekly["cumulative_malicious_identified"].iloc[-1],
        weekly["malware_downloads"].sum(),
        weekly["corporate_harm_usd"].sum(),
        npm["malware_live"].iloc[-1],
        npm["malware_removed"].sum(),
        npm["removal_hours_observed_median"].mean(),
        npm["runway_months"].iloc[-1],
    ]


def test_malware_booked_per_bin_gives_the_same_distribution_of_outputs_as_per_package():
    """60 seeds each way (different seeds): no main output's two samples differ by a two-sample KS test at p < 0.001.

    Every incumbent gets more than 1,024 arrivals a week here, so every week is booked per bin.
    docs/model.md records the full comparison (200 seeds, default size, ten years).
    """
    old = np.array([_malware_outputs(seed, per_package=True) for seed in range(60)])
    new = np.array([_malware_outputs(1000 + seed, per_package=False) for seed in range(60)])
    p_values = [ks_2samp(old[:, column], new[:, column]).pvalue for column in range(old.shape[1])]
    assert min(p_values) > 0.001, p_values
    assert (old.std(axis=0) > 0).all()  # the outputs vary between seeds: the test compares distributions


def test_the_pooled_median_is_where_the_weighted_mixture_reaches_one_half():
    """`pooled_lognormal_median`: the mixture's CDF at the answer is 1/2, for weights spanning ten orders of magnitude."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        n = int(rng.integers(1, 8))
        weights = 10 ** rng.uniform(-6, 4, n)
        log_medians = rng.uniform(-2, 8, n)
        sigma = float(rng.choice([0.02, 0.3, 1.0, 2.5]))
        median = pooled_lognormal_median(weights.tolist(), log_medians.tolist(), sigma)
        share_below = (weights * norm.cdf((np.log(median) - log_medians) / sigma)).sum() / weights.sum()
        assert share_below == pytest.approx(0.5, abs=1e-9)
