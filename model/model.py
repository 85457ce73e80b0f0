"""RegistryModel: the registry economy, one tick per week."""

from __future__ import annotations

import math
from collections import defaultdict, deque
from typing import Any

import numpy as np
from mesa import Model
from mesa.datacollection import DataCollector

from agents.corporation import CorporationAgent, SupportMode
from agents.developer import DeveloperAgent
from agents.funder import PublicFunder, UmbrellaFunder
from agents.registry import RegistryAgent, Status
from model import ecosystem, reporters
from model.catalogue import REGISTRIES
from model.corporations import CorporationPopulation
from model.developers import DeveloperPopulation, SwitchContext, latent_demand
from model.malware import MalwareLedger, malware_week
from model.parameters import ModelParameters, ParameterError, changed_parameters, make_parameters
from model.profiles import RegistryCatalogue, RegistryProfile, full_cost_from_downloads
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

    A firm outside an opex contract re-decides yearly (donation with probability q_d, which is
    lower in downturn years, opex with q_o); an opex contract lasts L years and renews with
    probability r, so opex spells last L / ((1 - r)(1 - q_o)) years and the gaps between them
    1 / q_o years. The peer-norm term makes q_d and q_o depend on the share supporting.
    """
    cost_ratio = p.pledge_usd_per_developer / p.it_budget_usd_per_developer
    support = (
        p.support_base_utility
        + p.norm_weight * share_supporting
        + p.regulation_weight * p.regulation_mandates_support
        - p.cost_weight * cost_ratio
    )
    q_support = 1 / (1 + math.exp(-support))
    q_opex = q_support * p.opex_budget_share
    q_donation = (1 - p.downturn_prob_per_year) * q_support * (1 - p.opex_budget_share) + (
        p.downturn_prob_per_year * _donation_probability_in_downturn(support, p)
    )
    if q_opex > 0:
        opex_spell = p.opex_contract_years / max((1 - p.opex_renewal_prob) * (1 - q_opex), 1e-9)
        share_opex = opex_spell / (opex_spell + 1 / q_opex)
    else:
        share_opex = 0.0
    return (1 - share_opex) * q_donation, share_opex


def _donation_probability_in_downturn(support_utility: float, p: ModelParameters) -> float:
    """Logit probability of choosing a donation in a downturn year (no paid tier)."""
    if p.opex_budget_share >= 1:
        return 0.0
    donation = math.exp(support_utility - p.downturn_donation_penalty) * (1 - p.opex_budget_share)
    opex = math.exp(support_utility) * p.opex_budget_share
    return donation / (1 + donation + opex)


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
        self.alternatives: dict[int, RegistryAgent] = {}  # incumbent index -> its alternative
        self.developers = DeveloperPopulation.sample(
            self.p, self.catalogue.profiles, self.streams.generator("developers.population")
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
        self._open_books()
        self.datacollector = DataCollector(
            model_reporters=reporters.MODEL_REPORTERS,
            agenttype_reporters={RegistryAgent: reporters.REGISTRY_REPORTERS},
        )

    # ===== the tick ==================================================================================
    def step(self) -> None:
        """Advance one week in the documented order (docs/model.md, 'Process overview')."""
        self._begin_week()
        for registry in self.registry_list:  # 1. demand
            registry.grow_demand(self.agent_demand_extra_growth)
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
        """At a year boundary, run the yearly reviews; start and end spam bursts."""
        if self.week_of_year == 0:
            self._yearly_reviews()
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
            ecosystem.close_failed_alternatives(self)
            for funder in self.umbrella_funders:
                funder.renew_donors()
        self.public_funder.award_grants()

    def _collect_revenue(self) -> None:
        """Grants, corporate support and steward funding arrive at the registries."""
        for funder in self.umbrella_funders:
            funder.pay_grants()
        self.public_funder.pay_grants()
        for registry in self.registry_list:
            registry.collect_steward_funding()

    def _decide(self) -> None:
        """Corporations and funders decide at their budget boundaries (firms in row order: no firm's choice depends on another's)."""
        self.support_share = self.share_supporting()
        for corporation in self.budget_calendar[self.week_of_year]:
            corporation.decide_support()
        for funder in self.umbrella_funders:
            funder.hold_round()
        ecosystem.switch_registries(self)
        ecosystem.open_alternatives(self)

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
        """Fully costed yearly cost of a registry in 2026 (before in-kind donations)."""
        p = self.p
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
        self.budget_calendar: list[list[CorporationAgent]] = [[] for _ in range(WEEKS_PER_YEAR)]
        for corporation in views:  # the firms deciding in each week of the year, in row order
            self.budget_calendar[corporation.budget_week].append(corporation)
        share_donation, share_opex = self.stationary_support_shares(p)
        self.support_share = share_donation + share_opex
        contract_weeks = p.opex_contract_years * WEEKS_PER_YEAR
        uniforms = self.streams.generator("corporations.start").random((len(views), 3))
        for corporation, (draw, contract, choice) in zip(views, uniforms):  # the long-run mix of modes (spun up)
            if draw < share_opex:
                corporation.set_mode(SupportMode.OPEX)
                corporation.contract_end_time = 1 + min(int(contract * contract_weeks), contract_weeks - 1)
            elif draw < share_opex + share_donation:
                corporation.set_mode(SupportMode.DONATION)
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
        """Umbrella grants each registry received at the start under the reference budget."""
        budget = REFERENCE.umbrella_budget_usd_per_year * REFERENCE.umbrella_registry_share
        return self.umbrella_funders[0].allocate(budget)

    # ===== services the agents call ==================================================================
    @property
    def open_registries(self) -> list[RegistryAgent]:
        """Registries that have not shut down."""
        return [r for r in self.registry_list if r.status != Status.SHUT_DOWN]

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

    def sells_enterprise_tier(self, name: str) -> bool:
        """Whether a registry sells an enterprise tier (the lever is set and it is open)."""
        p = self.p
        return (
            p.enterprise_tier_usd_per_year > 0
            and name in p.fee_registries
            and self.registries_by_name[name].status != Status.SHUT_DOWN
        )

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
        totals = [v for payer, v in self._payment_totals.items() if v > 0 and payer != "publishers"]
        return max(totals) / sum(totals) if totals else 0.0

    def log_event(self, kind: str, registry: str, detail: str) -> None:
        """Append an event to the run's log."""
        self.events.append(
            {"time": int(self.time), "year": self.year, "kind": kind, "registry": registry, "detail": detail}
        )
