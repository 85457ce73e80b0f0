"""RegistryModel: the registry economy, one tick per week."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from typing import Any

import numpy as np
from mesa import Model

from agents.corporation import (
    CHANNELS,
    CorporationAgent,
    SupportMode,
    channel_utility,
    contract_years,
    downturn_immune,
    renewal_prob,
    support_utility,
)
from agents.developer import DeveloperAgent
from agents.funder import PublicFunder, UmbrellaFunder
from agents.registry import RegistryAgent, Status
from model import ecosystem, reporters
from model.catalogue import REGISTRIES
from model.consumers import HeavyConsumers
from model.corporations import MODE_CODES, CorporationPopulation
from model.developers import DeveloperPopulation, SwitchContext, latent_demand
from model.history import HistoryInputs
from model.malware import MalwareLedger, malware_week
from model.parameters import ModelParameters, ParameterError, changed_parameters, make_parameters
from model.profiles import RegistryCatalogue, RegistryProfile, full_cost_from_downloads
from model.sponsors import SponsorPool
from model.streams import Streams, root_seed
from model.worms import start_outbreaks

WEEKS_PER_YEAR = 52
#: The default parameters: the status quo against which corporate money and stewards are calibrated.
REFERENCE = ModelParameters()


def cost_shares(p: ModelParameters) -> dict[str, float]:
    """Each cost item's share of fully costed cost in 2026 (staff and other make up the rest)."""
    return {
        "bandwidth": p.bandwidth_cost_share,
        "storage": p.storage_cost_share,
        "compute": p.compute_cost_share,
        "malware_mitigation": p.mitigation_cost_share,
    }


def support_shares_given(p: ModelParameters, share_supporting: float) -> tuple[float, float]:
    """Long-run shares of firms donating and holding opex contracts if peers supported at `share_supporting`.

    A firm that re-decides picks channel c (donation, opex) with probability q_c, averaged over
    downturn and normal years; a pledge or contract of channel c lasts L_c years and renews with
    probability r_c, so one choice of c holds for S_c = L_c / (1 - r_c) years, and a choice of no
    support for one year. The long-run share in c is q_c S_c / (q_d S_d + q_o S_o + 1 - q_d - q_o)
    (a renewal-reward average). The peer-norm term makes q_d and q_o depend on the share supporting.
    """
    support = support_utility(p, share_supporting)
    calm = _channel_probabilities(p, support, downturn=False)
    hard = _channel_probabilities(p, support, downturn=True)
    years_held = {}
    weights = {}
    for mode in CHANNELS:
        chosen = (1 - p.downturn_prob_per_year) * calm[mode] + p.downturn_prob_per_year * hard[mode]
        years_held[mode] = contract_years(p, mode) / max(1 - renewal_prob(p, mode), 1e-9)
        weights[mode] = chosen * years_held[mode]
    unsupported = 1 - sum(weights[mode] / years_held[mode] for mode in CHANNELS)
    total = sum(weights.values()) + unsupported
    return weights[SupportMode.DONATION] / total, weights[SupportMode.OPEX] / total


def _channel_probabilities(p: ModelParameters, support: float, downturn: bool) -> dict[SupportMode, float]:
    """Logit probability that a re-deciding firm picks each channel (no paid tier, no incident memory, costs at the start)."""
    access = {SupportMode.DONATION: 1 - p.opex_budget_share, SupportMode.OPEX: p.opex_budget_share}
    weights = {}
    for mode in CHANNELS:
        penalty = p.downturn_donation_penalty if downturn and not downturn_immune(p, mode) else 0.0
        utility = support + channel_utility(p, mode) - penalty
        weights[mode] = math.exp(utility) * access[mode]
    total = 1 + sum(weights.values())
    return {mode: weight / total for mode, weight in weights.items()}


def check_seed(value: Any, name: str = "rng") -> None:
    """Allow a whole number >= 0 or a numpy SeedSequence, Generator or BitGenerator; else a one-line ParameterError."""
    if isinstance(value, (np.random.SeedSequence, np.random.Generator, np.random.BitGenerator)):
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ParameterError(
            f"{name!r} must be a whole number >= 0 or a numpy SeedSequence or Generator (got {value!r:.80})"
        )


class RegistryModel(Model):
    """Package registries, consuming corporations and security funders, one tick per week.

    Parameters are the fields of `ModelParameters` (see `docs/calibration.md`), given as
    keyword arguments or as a `params` object; `rng` (a whole number, a SeedSequence or a Generator)
    seeds all randomness: the model's processes draw from named streams spawned from it
    (`model/streams.py`), never from Mesa's `model.rng`, which stays free for Mesa. `catalogue` is the
    set of incumbent registries (default: the shipped five, `model.catalogue.REGISTRIES`); every
    per-registry table, index and name comes from it. Parameters are immutable: a running
    model's parameters change only through `set_parameters`.
    """

    def __init__(
        self,
        params: ModelParameters | None = None,
        *,
        rng: Any = None,
        catalogue: RegistryCatalogue | None = None,
        **overrides: Any,
    ) -> None:
        """Validate parameters and build registries, funders and corporations."""
        if rng is not None:
            check_seed(rng, "rng")
        if params is not None and not isinstance(params, ModelParameters):
            raise ParameterError(
                f"'params' must be a ModelParameters object or None; give parameters as keywords (got {params!r:.80})"
            )
        super().__init__(rng=int(rng) if isinstance(rng, np.integer) else rng)  # Mesa seeds `random` with an int
        self.streams = Streams(root_seed(self.rng))  # one stream per process, spawned from the run's seed by name
        self.catalogue = catalogue or REGISTRIES
        base = params.model_dump(exclude_unset=True) if params is not None else {}
        self.p = make_parameters({**base, **overrides}, self.catalogue)
        self.history = HistoryInputs.for_parameters(self.p)  # the hindcast's dated inputs (none in other runs)
        self.p = self.history.parameters_at_start(self.p, self.catalogue)
        self.n_incumbents = len(self.catalogue)
        self.registry_names: tuple[str, ...] = self.catalogue.registry_names  # by index
        self.uploads_per_new_package = self.catalogue.uploads_per_new_package()  # by index
        self.cost_shares = cost_shares(self.p)
        self.firms_per_corporation = self.p.corporations_represented / self.p.n_corporations
        self.events: list[dict[str, Any]] = []
        self.downturn = False
        self.support_share = 0.0
        self.corporate_support_offered_usd = 0.0  # this week's donations and opex, paid or not
        self._payments_this_week: dict[str, float] = defaultdict(float)
        self._payment_window: deque[dict[str, float]] = deque()
        self._payment_totals: dict[str, float] = defaultdict(float)

        self.registry_list = [RegistryAgent(self, profile) for profile in self.catalogue.profiles]
        self.registries_by_name = {r.name: r for r in self.registry_list}
        self.registries_by_index: dict[int, RegistryAgent] = dict(enumerate(self.registry_list))
        self.history.set_start_state(self)
        self.alternatives: dict[int, RegistryAgent] = {}  # incumbent index -> its alternative
        self.alternatives_emptied: set[int] = set()  # shut-down alternatives whose developers went home
        self.entry_demand_weeks = [0] * self.n_incumbents  # weeks in a row with demand for an alternative
        self.sponsor_pool = SponsorPool(self.p.alt_sponsor_budget_usd_per_year)
        self.developers = DeveloperPopulation.sample(
            self.p,
            self.catalogue.profiles,
            self.streams.generator("developers.population"),
            self.streams.generator("developers.affiliation"),
        )
        self._developer_views: dict[int, DeveloperAgent] = {}  # created on first access (developer_agent)
        self.malware_ledger = MalwareLedger(n_registries=len(self.registry_names))
        self.spam_burst_ends: list[int] = []
        self.spam_packages_per_week = 0.0
        self.worm_rows: list[dict[str, Any]] = []
        self.pending_worm_starts: list[str] = []  # registries where a hand-fired worm starts next week
        self.corporate_harm_usd = 0.0
        self.harmful_downloads = 0.0  # corporate malicious downloads that defences did not stop, this week
        self.start_new_packages = [r.new_packages_per_week for r in self.registry_list]  # by ecosystem index
        self._firm_uniforms: tuple[int, np.ndarray] = (-1, np.empty((0, 2)))
        self._set_malware_workload()
        self.umbrella_funders = self._create_umbrella_funders()
        self.public_funder = PublicFunder(self, self.p.public_funder_budget_usd_per_year, self.p.public_grant_years)
        self.corporations, self.corporation_agents = self._create_corporations()
        self.consumers = HeavyConsumers.of(self)
        self._traffic_factors: dict[str, float] = dict.fromkeys(self.catalogue.names, 1.0)
        self._consumer_uniforms: tuple[int, np.ndarray] = (-1, np.empty((0, 0)))
        self._open_books()
        self.datacollector = reporters.WeeklyCollector(RegistryAgent)

    # ===== the tick ==================================================================================
    def step(self) -> None:
        """Advance one week in the documented order (docs/model.md, 'Process overview')."""
        self._begin_week()
        for registry in self.registry_list:  # 1. demand
            registry.grow_demand(self.agent_demand_extra_growth)
        self._traffic_factors = dict(zip(self.catalogue.names, self.consumers.traffic_factor(self).tolist()))
        ecosystem.split_demand(self)
        ecosystem.publish(self)  # 2. publishing, fees charged
        malware_week(self)  # 3. malware arrives, is identified and removed; firms harmed
        start_outbreaks(self)  # 4. worms
        self._collect_revenue()  # 5. money: revenue ...
        for registry in self.registry_list:  # ... costs, reserves and status
            registry.settle_accounts()
        for registry in self.registry_list:  # security capacity and removal delay
            registry.update_security()
        self._decide()  # 6. decisions: firms, funders, developers, alternatives
        self._end_week()  # 7. data collection

    def _begin_week(self) -> None:
        """Apply the hindcast's inputs due; at a year boundary, run the yearly reviews; start and end spam bursts."""
        self.history.apply_due(self)
        if self.week_of_year == 0:
            self.sponsor_pool.new_year(self.year)
            self._yearly_reviews()
        ecosystem.quarterly_sponsor_reviews(self)
        self.spam_burst_ends = [end for end in self.spam_burst_ends if end > self.time]
        draw = self.streams.week_uniforms("spam.bursts", week=self.week_index, per_week=1)[0]
        if draw < self.p.spam_bursts_per_year / WEEKS_PER_YEAR:
            self._start_spam_burst(self.time + self.p.spam_burst_weeks)
        self.spam_packages_per_week = len(self.spam_burst_ends) * self.p.spam_burst_packages / self.p.spam_burst_weeks

    def _yearly_reviews(self) -> None:
        """Yearly: in-kind and umbrella donors renew, stewards review budgets, the economy turns."""
        draw = self.streams.generator("economy.downturns", self.year_index).random()
        self.downturn = bool(draw < self.p.downturn_prob_per_year)
        if self.downturn:
            self.log_event("downturn", "", "an economic downturn: discretionary donations are cut first")
        if self.time > 1:
            for registry in self.registry_list:
                registry.renew_inkind_donors(self.year)
                registry.review_steward_budget()
            ecosystem.review_sponsorships(self)
            ecosystem.close_failed_alternatives(self)
            for funder in self.umbrella_funders:
                funder.renew_donors()
        self.public_funder.award_grants()
        self.consumers.review_consortium(self)

    def _collect_revenue(self) -> None:
        """Grants, corporate support and steward funding arrive at the registries."""
        for funder in self.umbrella_funders:
            funder.pay_grants()
        self.public_funder.pay_grants()
        self.history.pay_sponsors(self)  # the hindcast's earmarked sponsor money (none in other runs)
        self.consumers.pay_consortium(self)
        for registry in self.registry_list:
            registry.collect_steward_funding()
        ecosystem.pay_sponsored_alternatives(self)

    def _decide(self) -> None:
        """Corporations and funders decide at their budget boundaries (firms in row order: no firm's choice depends on another's)."""
        self.support_share = self.share_supporting()
        rows = self.budget_rows[self.week_of_year]
        if rows.size:
            self.decide_firms(rows)
        for funder in self.umbrella_funders:
            funder.hold_round()
        ecosystem.send_developers_home(self)
        ecosystem.switch_registries(self)
        ecosystem.open_alternatives(self)

    def decide_firms(self, rows: np.ndarray) -> None:
        """Firms at their budget week keep, renew or re-decide their support (all at once); then, in row order, pay the year."""
        renewal_draws, choice_draws = self.firm_uniforms()[rows].T
        population = self.corporations
        population.decide_support(self, rows, renewal_draws, choice_draws)
        for row in rows[(population.mode[rows] != MODE_CODES[SupportMode.NONE]) | population.heavy[rows]].tolist():
            self.corporation_agents[row].pay_for_the_year()
            if population.heavy[row]:
                self.consumers.decide(self, row)

    def _end_week(self) -> None:
        """Roll the funding window and collect this week's data."""
        self._roll_payment_window()
        self.datacollector.collect(self)
        self.corporate_support_offered_usd = 0.0
        if not self.open_registries:
            self.running = False

    # ===== changing a running model's parameters ====================================================
    def set_parameters(self, **changes: Any) -> None:
        """Change parameters of the running model from the coming week, validated as at construction.

        Cross-field rules are checked; a parameter the model reads only when it is built is
        refused (`ParameterError`); agents that hold a copy of a changed parameter get the new value.
        """
        previous, self.p = self.p, changed_parameters(self.p, changes, catalogue=self.catalogue)
        changed = {name for name in changes if getattr(self.p, name) != getattr(previous, name)}
        self._pass_on_to_funders(changed)
        if "token_hygiene_mean" in changed:  # practices spread: each developer keeps its rank
            self.developers.shift_token_hygiene(
                previous.token_hygiene_mean, self.p.token_hygiene_mean, self.p.token_hygiene_concentration
            )

    def _pass_on_to_funders(self, changed: set[str]) -> None:
        """Give funder agents the new values of the parameters they copied when they were made."""
        p = self.p
        for funder in self.umbrella_funders:
            if "umbrella_budget_usd_per_year" in changed:
                funder.full_budget_usd_per_year = p.umbrella_budget_usd_per_year / len(self.umbrella_funders)
            if "umbrella_registry_share" in changed:
                funder.registry_share = p.umbrella_registry_share
            if "umbrella_commitment_years" in changed:
                funder.commitment_years = p.umbrella_commitment_years
            if "umbrella_allocation_weights_by_registry" in changed:
                funder.allocation_weights = dict(p.umbrella_allocation_weights_by_registry) or None
        if "public_funder_budget_usd_per_year" in changed:
            self.public_funder.budget_usd_per_year = p.public_funder_budget_usd_per_year
        if "public_grant_years" in changed:
            self.public_funder.grant_years = p.public_grant_years

    # ===== shocks fired by hand (the app's shock buttons; they act on the running model) ============
    def shock_worm(self, registry: str | None = None) -> None:
        """A worm outbreak starts at `registry` (default `worm_outbreak_registry`) in the coming week."""
        registry = registry or self.p.worm_outbreak_registry
        if registry not in self.registries_by_name:
            raise ValueError(f"unknown registry {registry!r}; allowed: {', '.join(self.registries_by_name)}")
        self.pending_worm_starts.append(registry)

    def shock_missed_round(self) -> None:
        """Every umbrella funder misses a round now; grants under a running multi-year commitment go on."""
        for funder in self.umbrella_funders:
            if self.time < funder.committed_until:
                self.log_event(
                    "missed_round", "", f"{funder.name} missed a round; its multi-year commitments keep grants running"
                )
            else:
                funder.miss_round()

    def shock_cdn_donor_leaves(self) -> None:
        """Every CDN donor leaves now and none is replaced (as the `cdn_donor_leaves_year` shock)."""
        for registry in self.registry_list:
            registry.lose_cdn_donor_for_good()

    def shock_spam_burst(self) -> None:
        """A spam / token-farming burst starts in the coming week and lasts `spam_burst_weeks`."""
        self._start_spam_burst(int(self.time) + 1 + self.p.spam_burst_weeks, " (shock)")

    def _start_spam_burst(self, end: int, note: str = "") -> None:
        """Start a spam burst on `spam_burst_registry` that lasts until week `end`, and log it."""
        self.spam_burst_ends.append(end)
        self.log_event(
            "spam_burst",
            self.p.spam_burst_registry,
            f"an AI spam / token-farming burst of {self.p.spam_burst_packages:,.0f} packages begins{note}",
        )

    # ===== calendar ==================================================================================
    @property
    def week_index(self) -> int:
        """Weeks completed before the current one (0 during the first week's step)."""
        return max(int(self.time) - 1, 0)

    @property
    def week_of_year(self) -> int:
        """Week within the current year, 0 to 51."""
        return self.week_index % WEEKS_PER_YEAR

    @property
    def year_index(self) -> int:
        """Whole years completed before the current week (0 in the first year)."""
        return self.week_index // WEEKS_PER_YEAR

    @property
    def year(self) -> int:
        """Calendar year of the current week."""
        return self.p.start_year + self.week_index // WEEKS_PER_YEAR

    @property
    def years_since_2026(self) -> float:
        """Years from the start of 2026 to the current week (negative before 2026)."""
        return self.p.start_year - 2026 + self.week_index / WEEKS_PER_YEAR

    @property
    def agent_demand_extra_growth(self) -> float:
        """Extra download growth from the AI/CI agent-demand shock, while it lasts."""
        in_shock = self.week_index < self.p.agent_demand_years * WEEKS_PER_YEAR
        return self.p.agent_demand_extra_growth if in_shock else 0.0

    # ===== construction ==============================================================================
    def full_cost_usd_per_year(self, profile: RegistryProfile) -> float:
        """Fully costed yearly cost of a registry in 2026 (before in-kind donations).

        An alternative pays its incumbent's unit costs: the incumbent's cost scaled in proportion
        to its reference downloads (the downloads^0.6 rule is fitted across incumbents and is not
        stretched down to a registry a thousand times smaller).
        """
        p = self.p
        if profile.incumbent_name:
            incumbent = self.catalogue[profile.incumbent_name].profile
            share = profile.downloads_per_week / incumbent.downloads_per_week
            return self.full_cost_usd_per_year(incumbent) * share
        return full_cost_from_downloads(
            profile.downloads_per_week,
            p.cost_anchor_usd_per_year,
            p.cost_anchor_downloads_per_week,
            p.cost_scaling_exponent,
        )

    def reference_workload(self, profile: RegistryProfile) -> float:
        """Security workload (reports per week) of a registry in 2026 under reference malware."""
        reports = REFERENCE.malware_arrivals_per_day * 7 * profile.malware_share
        return reports + profile.uploads_per_week / self.p.uploads_per_report_equivalent

    def harm_corporations(self, harm_by_ecosystem: np.ndarray) -> None:
        """Share harm (USD, by ecosystem) among firms by their use of each ecosystem; serious harm is remembered."""
        incident_usd = self.p.incident_harm_reference_usd * self.firms_per_corporation
        self.corporations.harm(harm_by_ecosystem, incident_usd, self.time)

    def ecosystem_index(self, registry: RegistryAgent) -> int:
        """Index of the incumbent whose ecosystem a registry serves."""
        name = registry.profile.incumbent_name or registry.name
        return self.registry_names.index(name)

    def index_of(self, registry: RegistryAgent) -> int:
        """A registry's index in the developer arrays."""
        return self.registry_names.index(registry.name)

    def developer_agent(self, index: int) -> DeveloperAgent:
        """The Mesa agent viewing developer row `index`, created (and registered) on first access."""
        view = self._developer_views.get(index)
        if view is None:
            if not 0 <= index < len(self.developers):
                raise IndexError(f"developer index {index} out of range 0..{len(self.developers) - 1}")
            view = self._developer_views[index] = DeveloperAgent(self, index)
        return view

    @property
    def developer_agents(self) -> list[DeveloperAgent]:
        """Views of every developer in row order; creates (and registers with Mesa) any not yet made.

        The model itself never needs them (developers live in arrays), so a run that does not
        ask for them creates none: this keeps a million-developer run small and fast.
        """
        return [self.developer_agent(index) for index in range(len(self.developers))]

    # ----- the developer rules (vectorised; model/reference.py restates them per agent) -----------
    def new_packages_per_registry(self, multiplier: float) -> np.ndarray:
        """Real new packages published on each registry this week."""
        return self.developers.publishing_per_registry(len(self.registry_names), multiplier)

    def choose_developer_homes(self, context: SwitchContext, uniforms: np.ndarray) -> np.ndarray:
        """Every developer's home after this week's switching choice (all decide on one snapshot)."""
        return self.developers.choose_homes(context, uniforms, self.p)

    def entry_demand(self, context: SwitchContext, candidates: list[int]) -> np.ndarray:
        """Share of each candidate ecosystem's developers who would gain by moving to an alternative."""
        return latent_demand(self.developers, context, self.p, ecosystems=candidates)

    def _set_malware_workload(self) -> None:
        """Expected malware reports per week at each incumbent (before the first week's arrivals)."""
        growth = (1 + self.p.malware_growth_per_year) ** (self.week_index / WEEKS_PER_YEAR)
        weekly = self.p.malware_arrivals_per_day * 7 * growth
        for registry in self.registry_list:
            registry.reports_per_week = weekly * registry.profile.malware_share

    def _create_umbrella_funders(self) -> list[UmbrellaFunder]:
        """Create the umbrella funders; their first allocation is already running at the start."""
        p, n = self.p, self.p.n_umbrella_funders
        funders = []
        for index in range(n):
            funder = UmbrellaFunder(
                self,
                name="umbrella funder" if n == 1 else f"umbrella funder {index + 1}",
                index=index,
                budget_usd_per_year=p.umbrella_budget_usd_per_year / n,
                registry_share=p.umbrella_registry_share,
                n_donors=p.umbrella_donors,
                rounds_per_year=p.umbrella_rounds_per_year,
                miss_prob_per_year=p.umbrella_miss_prob_per_year,
                commitment_years=p.umbrella_commitment_years,
                first_round_week=(index * WEEKS_PER_YEAR // (n * p.umbrella_rounds_per_year)),
                allocation_weights=dict(p.umbrella_allocation_weights_by_registry) or None,
            )
            funder.grants = funder.allocate(funder.budget_usd_per_year * funder.registry_share)
            funders.append(funder)
        return funders

    def _create_corporations(self) -> tuple[CorporationPopulation, list[CorporationAgent]]:
        """Sample the firms (population arrays and a view per row), their budget weeks and first modes."""
        p = self.p
        downloads = {r.name: r.downloads_per_week for r in self.registry_list}
        population = self.corporations = CorporationPopulation.sample(
            p, self.catalogue, downloads, self.streams.generator("corporations.population")
        )
        views = [CorporationAgent(self, row) for row in range(len(population))]
        self.budget_rows = [np.flatnonzero(population.budget_week == week) for week in range(WEEKS_PER_YEAR)]
        share_donation, share_opex = self.stationary_support_shares(p)
        self.support_share = share_donation + share_opex
        uniforms = self.streams.generator("corporations.start").random((len(views), 3))
        for corporation, (draw, contract, choice) in zip(views, uniforms):  # the long-run mix of modes (spun up)
            if draw < share_opex + share_donation:
                mode = SupportMode.OPEX if draw < share_opex else SupportMode.DONATION
                years_left = min(int(contract * contract_years(p, mode)), contract_years(p, mode) - 1)
                corporation.set_mode(mode)  # its term ends at one of its next budget weeks, uniformly
                corporation.contract_end_time = 1 + corporation.budget_week + years_left * WEEKS_PER_YEAR
            elif corporation.heavy and corporation.paid_tier_registries():
                corporation.set_mode(corporation.choose_mode(float(choice)))
        return population, views

    def firm_uniforms(self) -> np.ndarray:
        """This budget year's uniforms, two per firm (renewal, logit choice): drawn once a year for every firm.

        Row r belongs to firm r, so a firm's draws do not depend on what any other firm or process drew.
        """
        year, uniforms = self._firm_uniforms
        if year != self.year_index:
            uniforms = self.streams.generator("corporations.choices", self.year_index).random(
                (len(self.corporations), 2)
            )
            self._firm_uniforms = (self.year_index, uniforms)
        return uniforms

    def consumer_uniforms(self) -> np.ndarray:
        """This budget year's uniforms for heavy firms' responses: one per heavy firm and incumbent, drawn once a year."""
        year, uniforms = self._consumer_uniforms
        if year != self.year_index:
            uniforms = self.streams.generator("consumers.responses", self.year_index).random(
                (len(self.consumers.rows), self.n_incumbents)
            )
            self._consumer_uniforms = (self.year_index, uniforms)
        return uniforms

    @staticmethod
    def stationary_support_shares(p: ModelParameters) -> tuple[float, float]:
        """Long-run shares of firms that donate and that hold opex contracts, before any incident.

        The fixed point of `support_shares_given` (the shares that a given share of supporting
        peers leads to), found by iterating it from no support.
        """
        share_donation = share_opex = 0.0
        for _ in range(200):
            share_donation, share_opex = support_shares_given(p, share_donation + share_opex)
        return share_donation, share_opex

    def _open_books(self) -> None:
        """Calibrate corporate money and steward budgets to each registry's starting revenue mix."""
        reference_share = sum(self.stationary_support_shares(REFERENCE))
        reference_grants = self._reference_grants()
        self.support_scale: dict[str, float] = {}
        for registry in self.registry_list:
            registry.security_fte += reference_grants.get(registry.name, 0.0) / REFERENCE.fte_cost_usd_per_year
            full = registry.full_costs()
            inkind = registry.split_inkind(full)
            registry.inkind = inkind
            registry.cost = {item: full[item] - inkind[item] for item in full}
            registry.workload_trend = registry.workload
            registry.serve_queue()
            cash_cost_per_year = (sum(full.values()) - sum(inkind.values())) * WEEKS_PER_YEAR
            revenue = registry.profile.start_balance * cash_cost_per_year
            corporate_target = registry.profile.corporate_revenue_share * revenue
            expected_flow = sum(
                reference_share
                * REFERENCE.pledge_usd_per_developer
                * c.developers
                * (registry.name in c.dependencies)
                / len(c.dependencies)
                for c in self.corporation_agents
            )
            self.support_scale[registry.name] = corporate_target / expected_flow if expected_flow > 0 else 0.0
            steward = revenue - corporate_target - reference_grants.get(registry.name, 0.0)
            registry.open_books(
                steward_usd_per_year=max(0.0, steward),
                cash_usd=registry.profile.reserves_months * cash_cost_per_year / 12,
                monthly_cash_cost=cash_cost_per_year / 12,
            )

    def _reference_grants(self) -> dict[str, float]:
        """Umbrella grants each registry received at the start under the reference budget (a hindcast's own)."""
        start = self.p if self.p.history_inputs else REFERENCE
        budget = start.umbrella_budget_usd_per_year * start.umbrella_registry_share
        return self.umbrella_funders[0].allocate(budget)

    # ===== services the agents call ==================================================================
    @property
    def open_registries(self) -> list[RegistryAgent]:
        """Registries that have not shut down."""
        return [r for r in self.registry_list if r.status != Status.SHUT_DOWN]

    def reports_per_fte_week(self, workload: float, reference_workload: float) -> float:
        """Reports one FTE of security work serves a week at `workload` (automation rises with scale, never below 1x)."""
        scale = max(1.0, workload / reference_workload) if reference_workload > 0 else 1.0
        return self.p.reports_per_security_fte_week * scale**self.p.removal_automation_exponent

    def removal_median_hours(self, security_capacity_fte: float, workload: float, reference_workload: float) -> float:
        """Median removal hours of a queue with no backlog: `security_capacity_fte` serving `workload` reports a week."""
        per_fte = self.reports_per_fte_week(workload, reference_workload)
        capacity = max(security_capacity_fte * per_fte, 1e-9)
        return self.removal_service_hours(workload / capacity)

    def removal_service_hours(self, utilisation: float) -> float:
        """Median removal hours at a utilisation (no backlog): m + q * u / (1 - u), u capped, at most the observed cap."""
        p = self.p
        u = min(utilisation, p.removal_utilisation_ceiling)
        return min(p.removal_min_hours + p.removal_queue_hours * u / (1 - u), p.removal_max_hours_not_overloaded)

    def fees_for(self, name: str) -> tuple[float, float]:
        """A registry's (USD per new package, USD per publisher per year) under the fee levers."""
        p = self.p
        if name in p.per_package_fee_usd_by_registry or name in p.publisher_subscription_usd_by_registry:
            return (
                p.per_package_fee_usd_by_registry.get(name, 0.0),
                p.publisher_subscription_usd_by_registry.get(name, 0.0),
            )
        if name in p.fee_registries:
            return p.per_package_fee_usd, p.publisher_subscription_usd_per_year
        return 0.0, 0.0

    def organisation_price_for(self, name: str) -> float:
        """A registry's price of an organisation seat for companies, USD per member per year (0: not sold)."""
        p = self.p
        return p.organisation_usd_per_member_per_year if name in p.fee_registries else 0.0

    def sells_enterprise_tier(self, name: str) -> bool:
        """Whether a registry sells an enterprise tier (the lever is set and it is open)."""
        p = self.p
        return (
            p.enterprise_tier_usd_per_year > 0
            and name in p.fee_registries
            and self.registries_by_name[name].status != Status.SHUT_DOWN
        )

    def traffic_factor(self, registry: RegistryAgent) -> float:
        """Share of an incumbent's downloads that still reach it after heavy consumers' responses (1 for an alternative)."""
        return self._traffic_factors.get(registry.name, 1.0)

    def throttled_share(self, name: str) -> float:
        """Share of a heavy firm's downloads a registry throttles as a chosen policy (rate limits)."""
        return self.p.rate_limit_heavy_share_by_registry.get(name, 0.0)

    def alternative_open_for(self, index: int) -> bool:
        """Whether an open alternative serves the ecosystem of incumbent `index` (heavy firms may move there)."""
        alternative = self.alternatives.get(index)
        return alternative is not None and alternative.status != Status.SHUT_DOWN

    def share_supporting(self) -> float:
        """Share of firms that support registries in any mode."""
        return self.corporations.share_supporting()

    def notify_service_incident(self, registry: RegistryAgent, severity: float) -> None:
        """Firms that use a failing registry remember it, in proportion to their use of it."""
        self.corporations.service_incident(self.ecosystem_index(registry), severity, self.time)

    def record_payment(self, payer: str, amount_usd: float) -> None:
        """Note money paid to registries this week, by payer (for funding concentration)."""
        self._payments_this_week[payer] += amount_usd

    def _roll_payment_window(self) -> None:
        """Keep the last 52 weeks of payments by payer."""
        week = dict(self._payments_this_week)
        self._payments_this_week.clear()
        self._payment_window.append(week)
        for payer, amount in week.items():
            self._payment_totals[payer] += amount
        if len(self._payment_window) > WEEKS_PER_YEAR:
            for payer, amount in self._payment_window.popleft().items():
                self._payment_totals[payer] -= amount

    def largest_funder_share(self) -> float:
        """Share of the last year's funding (excluding publisher fees) from the largest single funder."""
        values = list(self._payment_totals.values())
        if "publishers" in self._payment_totals:  # payers keep their place in the dict, so drop it by position
            del values[list(self._payment_totals).index("publishers")]
        totals = [v for v in values if v > 0]
        return max(totals) / sum(totals) if totals else 0.0

    def log_event(self, kind: str, registry: str, detail: str) -> None:
        """Append an event to the run's log."""
        self.events.append(
            {"time": int(self.time), "year": self.year, "kind": kind, "registry": registry, "detail": detail}
        )
