"""Model parameters: every lever and constant, documented, tagged and validated once.

Each field carries its unit in its name or description, its allowed range, and tags:

- its **kind**: `lever` (a policy control), `shock` (an event switch, off by default),
  `calibrated` (taken from a source or fitted to a target), `assumption` (not sourced; a
  modelling choice to vary in sensitivity runs) or `setting` (how a run is set up: its calendar
  and sample sizes, not a claim about the world);
- whether it is **live**: read by the running model every week (or pushed into the agents that
  copy it), so it may change mid-run through `RegistryModel.set_parameters`; every other
  parameter is read when the model is built and is refused there;
- for the explorer, an optional **control**: the actor who pulls it, a label and a unit.

Sources for the defaults are in `docs/calibration.md`. A bad value raises `ParameterError`, whose
message names the field and what is allowed. Parameters are immutable (their lists are tuples,
their tables frozen mappings): a running model's parameters change only through
`RegistryModel.set_parameters`, which validates them with `changed_parameters`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from model.catalogue import CRATES_DOWNLOADS_PER_WEEK, REGISTRIES
from model.errors import FrozenDict, ParameterError, allowed_range, describe_error
from model.profiles import RegistryCatalogue

__all__ = ["KINDS", "ModelParameters", "ParameterError", "changed_parameters", "make_parameters"]

#: The kinds a parameter is tagged with (module docstring).
KINDS = ("lever", "shock", "calibrated", "assumption", "setting")
#: Explorer groups: the actor who pulls a lever, in the order the explorer shows them.
ACTORS = (
    "Registries and their fees",
    "Corporations",
    "Funders",
    "Security",
    "Infrastructure donors",
    "Demand and the run",
)


def tags(kind: str, *, live: bool = False, control: tuple[str, str, str] | None = None) -> dict[str, Any]:
    """A field's tags: its kind, whether it may change mid-run, and its explorer control (actor, label, unit)."""
    if kind not in KINDS:
        raise ValueError(f"unknown parameter kind {kind!r}; allowed: {', '.join(KINDS)}")
    tagged: dict[str, Any] = {"kind": kind, "live": live}
    if control is not None:
        actor, label, unit = control
        if actor not in ACTORS:
            raise ValueError(f"unknown actor {actor!r}; allowed: {', '.join(ACTORS)}")
        tagged["control"] = {"actor": actor, "label": label, "unit": unit}
    return tagged


def _frozen(value: dict[str, Any]) -> FrozenDict:
    """A validated table as an unchangeable mapping."""
    return FrozenDict(value)


Share = Annotated[float, Field(ge=0.0, le=1.0)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegativeUSD = Annotated[float, Field(ge=0.0, le=1e12)]
RegistryNames = Annotated[
    tuple[str, ...], Field(strict=False)
]  # a list of names becomes a tuple (still no bare string)
USDByRegistry = Annotated[dict[str, NonNegativeUSD], AfterValidator(_frozen)]
FTEByRegistry = Annotated[dict[str, Annotated[float, Field(ge=0.0, le=1000.0)]], AfterValidator(_frozen)]
ShareByRegistry = Annotated[dict[str, Share], AfterValidator(_frozen)]
WeightByRegistry = Annotated[dict[str, Annotated[float, Field(ge=0.0, le=1000.0)]], AfterValidator(_frozen)]


class ModelParameters(BaseModel):
    """All parameters of `RegistryModel`; see `docs/calibration.md` for each default's source."""

    # strict: a bool is not a number, text is not a bool or a number; an int is fine where a float is asked for
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    # --- Calendar -------------------------------------------------------------------------
    start_year: int = Field(
        2026, ge=2000, le=2100, description="Calendar year of week 1.", json_schema_extra=tags("setting")
    )
    history_inputs: bool = Field(
        False,
        description="Apply the hindcast's dated inputs (model/data/history.toml: 2019 state, funding, staff, malware by year).",
        json_schema_extra=tags("setting"),
    )

    # --- Demand ---------------------------------------------------------------------------
    demand_growth_multiplier: float = Field(
        1.0,
        ge=0.0,
        le=5.0,
        description="Scales every registry's yearly download growth rate.",
        json_schema_extra=tags("lever", live=True),
    )
    agent_demand_extra_growth: float = Field(
        0.0,
        ge=0.0,
        le=2.0,
        description="Extra yearly download growth from AI/CI agents (0.2 = +20 points).",
        json_schema_extra=tags(
            "shock",
            live=True,
            control=("Demand and the run", "AI/CI agent demand", "extra download growth per year"),
        ),
    )
    agent_demand_years: int = Field(
        2,
        ge=0,
        le=50,
        description="Years from the start during which the agent-demand shock lasts.",
        json_schema_extra=tags("calibrated", live=True),
    )

    publishing_growth_per_year: float = Field(
        0.20,
        ge=0.0,
        le=3.0,
        description="Yearly growth of new packages and uploads (PyPI +18-25%/yr).",
        json_schema_extra=tags("calibrated"),
    )

    # --- Costs ----------------------------------------------------------------------------
    fte_cost_usd_per_year: float = Field(
        160_000,
        ge=10_000,
        le=1_000_000,
        description="Loaded cost of one full-time staff member.",
        json_schema_extra=tags("calibrated"),
    )
    cost_anchor_usd_per_year: float = Field(
        6_500_000,
        gt=0,
        le=1e10,
        description="Fully costed yearly cost in 2026 of the anchor registry (crates.io, $5-8 M): the scale of all costs.",
        json_schema_extra=tags("calibrated"),
    )
    cost_anchor_downloads_per_week: float = Field(
        CRATES_DOWNLOADS_PER_WEEK,
        gt=0,
        le=1e15,
        description="Weekly downloads of the anchor registry in 2026 (crates.io, ~125 B a year).",
        json_schema_extra=tags("calibrated"),
    )
    cost_scaling_exponent: float = Field(
        0.6,
        ge=0.1,
        le=1.5,
        description="Fully costed cost scales across registries as weekly downloads to this power.",
        json_schema_extra=tags("assumption"),
    )
    bandwidth_cost_share: Share = Field(
        0.25,
        description="Bandwidth's share of a registry's fully costed cost in 2026.",
        json_schema_extra=tags("calibrated"),
    )
    storage_cost_share: Share = Field(
        0.18, description="Storage's share of fully costed cost in 2026.", json_schema_extra=tags("calibrated")
    )
    compute_cost_share: Share = Field(
        0.15, description="Compute's share of fully costed cost in 2026.", json_schema_extra=tags("calibrated")
    )
    mitigation_cost_share: Share = Field(
        0.12,
        description="Malware mitigation's share of fully costed cost in 2026 (staff and other make up the rest).",
        json_schema_extra=tags("calibrated"),
    )
    start_grant_fte: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="Grant-funded staff (FTE) counted in a grant-eligible registry's starting staff cost.",
        json_schema_extra=tags("assumption"),
    )
    compute_scaling_exponent: float = Field(
        0.6,
        ge=0.1,
        le=1.5,
        description="Compute cost grows as downloads to this power.",
        json_schema_extra=tags("assumption", live=True),
    )
    mitigation_scaling_exponent: float = Field(
        0.5,
        ge=0.1,
        le=1.5,
        description="Malware-mitigation cost grows as security workload to this power (automated triage).",
        json_schema_extra=tags("assumption", live=True),
    )
    infrastructure_price_decline_per_year: Share = Field(
        0.10,
        description="Yearly fall in the unit price of bandwidth, storage and compute.",
        json_schema_extra=tags("assumption", live=True),
    )
    uploads_per_report_equivalent: float = Field(
        5_000,
        gt=0,
        le=1e9,
        description="Uploads whose review takes as much security time as one malware report.",
        json_schema_extra=tags("assumption"),
    )

    # --- Malware workload (full arrivals and removal come with the malware submodel) -------
    malware_arrivals_per_day: float = Field(
        250.0,
        ge=0.0,
        le=1e6,
        description="Malicious packages arriving per day, all registries, at the start.",
        json_schema_extra=tags("calibrated", live=True),
    )
    malware_growth_per_year: float = Field(
        0.40,
        ge=0.0,
        le=3.0,
        description="Yearly growth rate of malware arrivals.",
        json_schema_extra=tags("assumption", live=True),
    )

    malware_publishing_elasticity: float = Field(
        0.5,
        ge=0.0,
        le=3.0,
        description="Elasticity of a registry's malware arrivals to its new packages per week (AI-assisted "
        "publishing raises both); the attackers' own growth makes up the rest of malware_growth_per_year.",
        json_schema_extra=tags("assumption", live=True),
    )
    slopsquatting_per_1k_new_packages: float = Field(
        0.0,
        ge=0.0,
        le=1_000.0,
        description="Optional: malicious registrations of LLM-invented dependency names per 1,000 new packages "
        "(off by default).",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Security capacity: removal as a queue -------------------------------------------
    removal_hours_unstaffed: float = Field(
        300.0,
        gt=0.0,
        le=10_000,
        description="Median hours from identification to removal at a registry that has shut down (nobody serves reports).",
        json_schema_extra=tags("assumption", live=True),
    )
    reports_per_security_fte_week: float = Field(
        100.0,
        gt=0.0,
        le=1e6,
        description="Reports one security FTE serves per week (PyPI: ~40-50 reports a week with about one engineer, 2024-25).",
        json_schema_extra=tags("assumption", live=True),
    )
    removal_automation_exponent: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="Reports a security FTE (or its tooling equivalent) serves per week rise as the registry's "
        "workload trend over its 2026 reference workload to this power, never below 1x (automated triage; 0 = none).",
        json_schema_extra=tags("assumption", live=True),
    )
    mitigation_capacity_per_staff_usd: float = Field(
        0.3,
        ge=0.0,
        le=100.0,
        description="Removal capacity a dollar of malware-mitigation spending (tooling and volunteer hours) buys, "
        "relative to a dollar of security staff.",
        json_schema_extra=tags("assumption", live=True),
    )
    removal_min_hours: float = Field(
        0.5,
        ge=0.0,
        le=1_000,
        description="Median removal hours of an idle queue (PyPI 2023: 80% of reports answered within an hour).",
        json_schema_extra=tags("calibrated", live=True),
    )
    removal_queue_hours: float = Field(
        15.5,
        gt=0.0,
        le=10_000,
        description="q in median = m + q * u / (1 - u) at utilisation u: calibrated to the ~39 h cross-registry median.",
        json_schema_extra=tags("calibrated", live=True),
    )
    removal_utilisation_ceiling: float = Field(
        0.95,
        gt=0.0,
        lt=1.0,
        description="Utilisation at which the queue formula stops rising; above full capacity a backlog carries over.",
        json_schema_extra=tags("assumption", live=True),
    )
    removal_max_hours_not_overloaded: float = Field(
        96.0,
        gt=0.0,
        le=10_000,
        description="Longest removal delay of a registry without a backlog (PyPI's longest in 2025: 4 days).",
        json_schema_extra=tags("calibrated", live=True),
    )
    removal_delay_sigma: float = Field(
        1.5,
        gt=0.0,
        le=4.0,
        description="Log-scale spread of the lognormal removal delay.",
        json_schema_extra=tags("calibrated", live=True),
    )
    spam_report_weight: float = Field(
        0.02,
        ge=0.0,
        le=1.0,
        description="Reports' worth of security work per spam package (floods are removed in batches).",
        json_schema_extra=tags("assumption", live=True),
    )
    workload_trend_weeks: float = Field(
        13.0,
        ge=1.0,
        le=520.0,
        description="Weeks over which an owner averages its queue's arrivals when it plans security staff.",
        json_schema_extra=tags("assumption", live=True),
    )
    security_target_utilisation: float = Field(
        0.8,
        gt=0.0,
        lt=1.0,
        description="An owner hires security staff to keep its queue's expected utilisation under this, "
        "within its spare fundraising capacity.",
        json_schema_extra=tags("assumption", live=True),
    )
    hiring_delay_weeks: int = Field(
        26,
        ge=0,
        le=156,
        description="Weeks between funding a security post and the hire starting.",
        json_schema_extra=tags("assumption", live=True, control=("Security", "Hiring delay", "weeks")),
    )
    staff_notice_weeks: int = Field(
        4,
        ge=0,
        le=52,
        description="Weeks security staff stay after the money for their posts stops.",
        json_schema_extra=tags("assumption", live=True),
    )
    min_security_share: Share = Field(
        0.0,
        description="Lever: minimum share of a registry's cash spending that goes to security staff.",
        json_schema_extra=tags(
            "lever", live=True, control=("Security", "Minimum security share of spending", "share, 0 to 1")
        ),
    )
    security_cut_when_degraded: Share = Field(
        0.5,
        description="Share of own-funded security staff cut when a registry is degraded.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Stewards: one budget rule for every owner ----------------------------------------
    steward_responsiveness: Share = Field(
        0.8,
        description="Yearly share of the gap to its funding need that an owner closes (within its fundraising capacity).",
        json_schema_extra=tags("assumption", live=True),
    )
    steward_capacity_multiplier: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="Scales every owner's fitted fundraising capacity (1 = as fitted; for sensitivity runs).",
        json_schema_extra=tags("assumption"),
    )
    steward_reserve_rebuild_years: float = Field(
        3.0,
        gt=0.0,
        le=50.0,
        description="Years over which an owner budgets to bring its reserves back to target.",
        json_schema_extra=tags("assumption", live=True),
    )
    emergency_appeal_share: float = Field(
        0.03,
        ge=0.0,
        le=1.0,
        description="One-off emergency appeal on becoming strained, as a share of a year's cash cost "
        "(PSF 2025: $135 K from 1,400 donors on a ~$5 M budget).",
        json_schema_extra=tags("calibrated", live=True),
    )
    strained_cost_cut_share: Share = Field(
        0.2,
        description="Share of 'other' costs a strained (or worse) registry cuts (the PSF paused its grants in 2025).",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Registry status thresholds -------------------------------------------------------
    strained_runway_months: float = Field(
        4.0,
        gt=0,
        le=120,
        description="Below this runway a registry is strained: an emergency appeal and cost cuts.",
        json_schema_extra=tags("assumption", live=True),
    )
    degraded_runway_months: float = Field(
        2.0,
        gt=0,
        le=120,
        description="Below this runway it is degraded: security staff cut as well.",
        json_schema_extra=tags("assumption", live=True),
    )
    read_only_runway_months: float = Field(
        1.0,
        gt=0,
        le=120,
        description="Below this runway it is read-only.",
        json_schema_extra=tags("assumption", live=True),
    )
    receivership_instead_of_shutdown: bool = Field(
        False,
        description="Setting (the workshop's rule): an incumbent that cannot pay its bills enters receivership "
        "(an administrator advances the shortfall and it stays open, read-only, owing the advance) instead of "
        "shutting down.",
        json_schema_extra=tags("setting", live=True),
    )
    status_recovery_margin_months: float = Field(
        2.0,
        ge=0,
        le=24,
        description="Runway above a threshold needed before a registry's status improves.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- In-kind infrastructure -----------------------------------------------------------
    cdn_donation: bool = Field(
        True,
        description="Lever: CDN donors (Fastly-like) carry edge bandwidth.",
        json_schema_extra=tags("lever", control=("Infrastructure donors", "Donated CDN", "on/off")),
    )
    cdn_donor_leaves_year: int | None = Field(
        None,
        ge=2000,
        le=2200,
        description="Shock: every CDN donor leaves at the start of this year.",
        json_schema_extra=tags("shock", live=True),
    )
    inkind_contract_years: int = Field(
        1,
        ge=1,
        le=10,
        description="Lever: length of cloud-credit contracts; no renewal risk during one.",
        json_schema_extra=tags(
            "lever", live=True, control=("Infrastructure donors", "Cloud-credit contract length", "years")
        ),
    )
    inkind_renewal_prob: Probability = Field(
        0.93,
        description="Yearly probability that an in-kind donor renews at contract end.",
        json_schema_extra=tags(
            "assumption",
            live=True,
            control=("Infrastructure donors", "Donor renewal chance", "probability per year, 0 to 1"),
        ),
    )
    inkind_replacement_weeks: int = Field(
        13,
        ge=1,
        le=520,
        description="Weeks until a registry finds a new donor after one leaves (emergency migration).",
        json_schema_extra=tags("assumption", live=True),
    )
    service_incident_memory_per_week: float = Field(
        0.02,
        ge=0,
        le=10,
        description="Incident memory a firm gains per week a registry it uses is degraded or read-only.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Umbrella security funder (Alpha-Omega-like) --------------------------------------
    umbrella_budget_usd_per_year: NonNegativeUSD = Field(
        5_000_000,
        description="Lever: umbrella security funder's yearly budget.",
        json_schema_extra=tags("lever", live=True, control=("Funders", "Umbrella funder budget", "USD per year")),
    )
    umbrella_registry_share: Share = Field(
        0.15,
        description="Share of the umbrella budget granted to package registries.",
        json_schema_extra=tags("assumption", live=True),
    )
    n_umbrella_funders: int = Field(
        1,
        ge=1,
        le=20,
        description="Lever: independent umbrella funders sharing that budget.",
        json_schema_extra=tags("lever", control=("Funders", "Independent umbrella funders", "funders")),
    )
    umbrella_donors: int = Field(
        3,
        ge=1,
        le=50,
        description="Big donors behind each umbrella funder.",
        json_schema_extra=tags("calibrated"),
    )
    umbrella_donor_renewal_prob: Probability = Field(
        0.85,
        description="Yearly probability that a big donor renews.",
        json_schema_extra=tags("assumption", live=True),
    )
    umbrella_donor_return_prob: Probability = Field(
        0.5,
        description="Yearly probability that a lapsed donor slot is filled again.",
        json_schema_extra=tags("assumption", live=True),
    )
    umbrella_rounds_per_year: int = Field(
        4,
        ge=1,
        le=12,
        description="Lever: grant rounds per year.",
        json_schema_extra=tags("lever", control=("Funders", "Grant rounds", "rounds per year")),
    )
    umbrella_miss_prob_per_year: Probability = Field(
        0.10,
        description="Yearly probability that the umbrella funder misses a round.",
        json_schema_extra=tags(
            "assumption", control=("Funders", "Chance of a missed round", "probability per year, 0 to 1")
        ),
    )
    umbrella_commitment_years: int = Field(
        1,
        ge=1,
        le=5,
        description="Lever: grant commitment length; at 2+ years a missed round stops no committed grant.",
        json_schema_extra=tags("lever", live=True, control=("Funders", "Grant commitment", "years")),
    )
    umbrella_need_share: Share = Field(
        0.5,
        description="Share of an umbrella budget allocated by security workload; the rest is split equally.",
        json_schema_extra=tags("assumption", live=True),
    )
    umbrella_allocation_weights_by_registry: WeightByRegistry = Field(
        default_factory=FrozenDict,
        description="Lever: relative grant weights by registry; when set, they replace allocation by need.",
        json_schema_extra=tags("lever", live=True),
    )
    umbrella_missed_round_year: int | None = Field(
        None,
        ge=2000,
        le=2200,
        description="Shock: the umbrella funder misses its first round of this year.",
        json_schema_extra=tags("shock", live=True),
    )

    # --- Public funder (Sovereign-Tech-like) ----------------------------------------------
    public_funder_budget_usd_per_year: NonNegativeUSD = Field(
        0.0,
        description="Lever: public funder's yearly budget for registry security projects.",
        json_schema_extra=tags("lever", live=True, control=("Funders", "Public funder budget", "USD per year")),
    )
    public_grant_years: int = Field(
        2,
        ge=1,
        le=5,
        description="Length of a public project grant.",
        json_schema_extra=tags("calibrated", live=True),
    )

    # --- Corporations ---------------------------------------------------------------------
    n_corporations: int = Field(
        2000, ge=1, le=200_000, description="Sampled consumer corporations.", json_schema_extra=tags("setting")
    )
    corporations_represented: float = Field(
        100_000,
        ge=1,
        le=1e8,
        description="Real consuming firms the sampled corporations stand for.",
        json_schema_extra=tags("assumption"),
    )
    corporate_developers_median: float = Field(
        50,
        gt=0,
        le=1e6,
        description="Median developers per firm (sizes are lognormal).",
        json_schema_extra=tags("assumption"),
    )
    firm_size_sigma: float = Field(
        1.0,
        ge=0,
        le=5,
        description="Log-scale spread of developers per firm.",
        json_schema_extra=tags("assumption"),
    )
    consumer_pareto_alpha: float = Field(
        1.05,
        ge=1.0,
        le=5.0,
        description="Pareto tail of corporate download volume.",
        json_schema_extra=tags("calibrated"),
    )
    heavy_consumer_share: float = Field(
        0.01,
        gt=0,
        le=0.5,
        description="Share of firms, the heaviest users, that count as heavy consumers (only they buy a paid tier).",
        json_schema_extra=tags("calibrated"),
    )
    pledge_usd_per_developer: NonNegativeUSD = Field(
        2_000,
        description="Lever: yearly support per developer a supporting firm pays (Open Source Pledge).",
        json_schema_extra=tags(
            "lever", live=True, control=("Corporations", "Pledge per developer", "USD per developer per year")
        ),
    )
    it_budget_usd_per_developer: float = Field(
        20_000,
        gt=0,
        le=1e7,
        description="A firm's yearly discretionary tooling budget per developer.",
        json_schema_extra=tags("assumption", live=True),
    )
    opex_budget_share: Share = Field(
        0.05,
        description="Lever: share of supporting firms that budget support as opex rather than donation.",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Corporations", "Support budgeted as opex", "share of supporting firms, 0 to 1"),
        ),
    )
    opex_contract_years: int = Field(
        3,
        ge=1,
        le=10,
        description="Length of an opex support contract.",
        json_schema_extra=tags("assumption", live=True, control=("Corporations", "Opex contract length", "years")),
    )
    opex_renewal_prob: Probability = Field(
        0.75,
        description="Probability an ending opex contract renews.",
        json_schema_extra=tags("assumption", live=True),
    )
    regulation_mandates_support: bool = Field(
        False,
        description="Lever: a regulation requires firms to support the registries they use.",
        json_schema_extra=tags("lever", live=True, control=("Corporations", "Regulation mandates support", "on/off")),
    )
    downturn_prob_per_year: Probability = Field(
        0.15,
        description="Yearly probability of an economic downturn (donations are cut first).",
        json_schema_extra=tags("assumption", live=True),
    )
    support_base_utility: float = Field(
        -1.5,
        ge=-20,
        le=20,
        description="Logit utility of supporting, before other terms.",
        json_schema_extra=tags("assumption", live=True),
    )
    norm_weight: float = Field(
        1.0,
        ge=0,
        le=20,
        description="Logit weight on the share of peers who support.",
        json_schema_extra=tags("assumption", live=True),
    )
    memory_weight: float = Field(
        1.0,
        ge=0,
        le=20,
        description="Logit weight on a firm's incident memory.",
        json_schema_extra=tags("assumption", live=True),
    )
    regulation_weight: float = Field(
        5.0,
        ge=0,
        le=50,
        description="Logit weight of a support mandate.",
        json_schema_extra=tags("assumption", live=True),
    )
    cost_weight: float = Field(
        10.0,
        ge=0,
        le=100,
        description="Logit weight on support cost / firm budget.",
        json_schema_extra=tags("assumption", live=True),
    )
    downturn_donation_penalty: float = Field(
        2.0,
        ge=0,
        le=20,
        description="Logit utility lost by donations in a downturn year.",
        json_schema_extra=tags("assumption", live=True),
    )
    paid_tier_base_utility: float = Field(
        1.0,
        ge=-20,
        le=20,
        description="Logit utility of a paid tier for a heavy consumer, before price.",
        json_schema_extra=tags("assumption", live=True),
    )
    incident_memory_half_life_years: float = Field(
        1.5,
        gt=0,
        le=50,
        description="Half-life of a firm's memory of incidents that hit it.",
        json_schema_extra=tags("assumption"),
    )

    # --- Support channels: the four parts of "opex against donations" ----------------------
    donation_support_utility: float = Field(
        0.0,
        ge=-20,
        le=20,
        description="Lever: logit utility added to donating (raises or lowers the share of firms that donate).",
        json_schema_extra=tags("lever", live=True),
    )
    opex_support_utility: float = Field(
        0.0,
        ge=-20,
        le=20,
        description="Lever: logit utility added to an opex contract (raises or lowers the share of firms on opex).",
        json_schema_extra=tags("lever", live=True),
    )
    donation_cost_indexed: bool = Field(
        False,
        description="Lever: donations follow each registry's cost index (as an operating cost would).",
        json_schema_extra=tags("lever", live=True),
    )
    opex_cost_indexed: bool = Field(
        True,
        description="Lever: opex contracts follow each registry's cost index.",
        json_schema_extra=tags("lever", live=True),
    )
    donation_contract_years: int = Field(
        1,
        ge=1,
        le=10,
        description="Years a donation pledge runs before the firm re-decides (1 = every budget year).",
        json_schema_extra=tags("lever", live=True),
    )
    donation_renewal_prob: Probability = Field(
        0.0,
        description="Probability an ending multi-year donation pledge renews without a new decision.",
        json_schema_extra=tags("lever", live=True),
    )
    donation_downturn_immune: bool = Field(
        False,
        description="Lever: donations are neither avoided nor cut in downturn years.",
        json_schema_extra=tags("lever", live=True),
    )
    opex_downturn_immune: bool = Field(
        True,
        description="Lever: opex contracts are neither avoided nor cut in downturn years.",
        json_schema_extra=tags("lever", live=True),
    )
    downturn_payment_cut: Share = Field(
        0.2,
        description="Share by which a support payment that is not downturn-immune falls in a downturn year.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Heavy consumers: responses to charges and limits ---------------------------------
    usage_charge_usd_per_million_downloads: NonNegativeUSD = Field(
        0.0,
        description="Lever: usage charge a heavy firm pays per million downloads above its free allowance, at registries in fee_registries.",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Registries and their fees", "Usage charge, heavy consumers", "USD per million downloads"),
        ),
    )
    usage_free_million_downloads_per_year: float = Field(
        100.0,
        ge=0,
        le=1e9,
        description="Free allowance per real heavy firm and registry before usage charges apply (million downloads per year).",
        json_schema_extra=tags("lever", live=True),
    )
    rate_limit_heavy_share_by_registry: ShareByRegistry = Field(
        default_factory=FrozenDict,
        description="Lever: per registry, the share of heavy consumers' traffic it throttles as a chosen policy (HTTP 429s).",
        json_schema_extra=tags("lever", live=True),
    )
    throttle_cost_usd_per_million_downloads: float = Field(
        100.0,
        ge=0,
        le=1e6,
        description="Cost to a throttled firm per million throttled downloads (retries, failed builds, engineer time).",
        json_schema_extra=tags("assumption", live=True),
    )
    waste_share: Share = Field(
        0.5,
        description="Share of a heavy firm's downloads that are redundant and that caching removes.",
        json_schema_extra=tags("assumption", live=True),
    )
    cache_cost_usd_per_year: float = Field(
        30_000,
        ge=0,
        le=1e9,
        description="Yearly cost to one real heavy firm of caching one registry's traffic (a repository manager, shadow downloads fixed).",
        json_schema_extra=tags("assumption", live=True),
    )
    move_cost_usd_per_year: float = Field(
        100_000,
        ge=0,
        le=1e9,
        description="Yearly cost to one real heavy firm of taking one registry's traffic to an open alternative.",
        json_schema_extra=tags("assumption", live=True),
    )
    response_cost_scale_usd_per_year: float = Field(
        30_000,
        gt=0,
        le=1e9,
        description="Spread of heavy firms' unobserved costs of each response: a response costing this much more loses one unit of logit utility.",
        json_schema_extra=tags("assumption", live=True),
    )
    response_inertia_utility: float = Field(
        1.0,
        ge=0,
        le=20,
        description="Logit utility a heavy firm gives to keeping last year's response to charges.",
        json_schema_extra=tags("assumption", live=True),
    )
    mirror_service_usd_per_year: NonNegativeUSD = Field(
        0.0,
        description="Lever: yearly price of a registry-run paid mirror/cache for one real heavy firm, at registries in fee_registries (0 = none).",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Registries and their fees", "Paid mirror service", "USD per heavy consumer per year"),
        ),
    )
    mirror_origin_cut: Share = Field(
        0.9,
        description="Share of a mirror subscriber's downloads that the registry's paid mirror takes off origin.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Hyperscaler consortium -----------------------------------------------------------
    consortium_usd_per_million_downloads: NonNegativeUSD = Field(
        0.0,
        description="Lever: what a hyperscaler consortium pays each incumbent per million downloads its members make (0 = none).",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Corporations", "Hyperscaler consortium", "USD per million downloads"),
        ),
    )
    hyperscaler_traffic_share: Share = Field(
        0.8,
        description="Share of a registry's downloads that come from hyperscale clouds (Maven Central 75-86%).",
        json_schema_extra=tags("calibrated", live=True),
    )
    consortium_member_share: Share = Field(
        1.0,
        description="Share of hyperscaler traffic whose clouds are in the consortium.",
        json_schema_extra=tags("lever", live=True),
    )
    consortium_budget_usd_per_year: NonNegativeUSD = Field(
        30_000_000,
        description="The consortium's yearly budget across all registries: payments stop at it.",
        json_schema_extra=tags("assumption", live=True),
    )
    hyperscaler_cache_cost_usd_per_year: NonNegativeUSD = Field(
        500_000,
        description="Yearly cost to the consortium's members of caching one registry's redundant traffic.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Developers (publishers) --------------------------------------------------------
    n_developers: int = Field(
        10_000,
        ge=10,
        le=1_000_000,
        description="Sampled developers; each stands for many real publishers.",
        json_schema_extra=tags("setting"),
    )
    publish_rate_sigma: float = Field(
        1.5,
        ge=0,
        le=5,
        description="Log-scale spread of developers' publishing rates (heavy-tailed publishing).",
        json_schema_extra=tags("assumption"),
    )
    package_years: float = Field(
        5.0,
        gt=0,
        le=50,
        description="Years of publishing in a developer's package stock (packages = 1 + rate * 52 * this).",
        json_schema_extra=tags("assumption"),
    )
    ai_publishing_multiplier: float = Field(
        1.0,
        ge=0.0,
        le=20.0,
        description="Lever: AI-assisted coding multiplies every developer's publishing rate.",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Demand and the run", "AI-assisted publishing", "times today's publishing rate"),
        ),
    )
    token_hygiene_mean: float = Field(
        0.3,
        gt=0.0,
        lt=1.0,
        description="Lever: mean share of publishing done with trusted publishing or short-lived tokens.",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Security", "Token hygiene", "share of publishing with trusted publishing, 0 to 1"),
        ),
    )
    token_hygiene_concentration: float = Field(
        4.0,
        gt=0,
        le=1000,
        description="Concentration c of developers' token hygiene, Beta(c * mean, c * (1 - mean)).",
        json_schema_extra=tags("assumption"),
    )
    fee_sensitivity_sigma: float = Field(
        0.5,
        ge=0,
        le=5,
        description="Log-scale spread of developers' fee sensitivity (median 1).",
        json_schema_extra=tags("assumption"),
    )
    security_awareness_beta: float = Field(
        2.0,
        gt=0,
        le=100,
        description="Shape b of developers' security awareness, Beta(b, b) (mean 0.5).",
        json_schema_extra=tags("assumption"),
    )
    switching_hazard_per_week: Probability = Field(
        0.01,
        description="Most a developer leaves its registry in a week (the hazard's ceiling; inertia).",
        json_schema_extra=tags("assumption", live=True),
    )
    switching_cost_mean: float = Field(
        3.0,
        ge=0,
        le=50,
        description="Mean utility cost of moving registry.",
        json_schema_extra=tags("assumption"),
    )
    switching_cost_sigma: float = Field(
        0.5,
        ge=0,
        le=5,
        description="Log-scale spread of developers' switching cost (its mean stays switching_cost_mean).",
        json_schema_extra=tags("assumption"),
    )
    switching_hours: float = Field(
        16.0,
        gt=0,
        le=10_000,
        description="Hours a publisher spends moving its packages to another registry (accounts, namespaces, CI, "
        "telling users), mean.",
        json_schema_extra=tags("assumption", live=True),
    )
    publisher_hour_usd: float = Field(
        90.0,
        gt=0,
        le=10_000,
        description="Value of an hour of a publisher's time, USD (a loaded developer salary over working hours).",
        json_schema_extra=tags("calibrated", live=True),
    )
    switching_payback_years: float = Field(
        3.0,
        gt=0,
        le=50,
        description="Years of fee savings a publisher weighs against the one-off cost of moving.",
        json_schema_extra=tags("assumption", live=True),
    )
    fee_weight: float = Field(
        1.0,
        ge=0,
        le=50,
        description="Switching-utility weight on fee burden (1: fees saved over the payback years weigh as much as "
        "the same money of switching cost).",
        json_schema_extra=tags("assumption", live=True),
    )
    security_weight: float = Field(
        1.0,
        ge=0,
        le=50,
        description="Switching-utility weight on the log ratio of malware live hours (detection plus removal).",
        json_schema_extra=tags("assumption", live=True),
    )
    peer_weight: float = Field(
        3.0,
        ge=0,
        le=50,
        description="Switching-utility weight on the share of peers already there.",
        json_schema_extra=tags("assumption", live=True),
    )
    network_weight: float = Field(
        0.3,
        ge=0,
        le=50,
        description="Switching-utility weight on log reach ratio.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Alternative registries -----------------------------------------------------------
    alternatives_enabled: bool = Field(
        True,
        description="Whether alternative registries can enter.",
        json_schema_extra=tags("lever", live=True),
    )
    alt_entry_demand_share: Share = Field(
        0.02,
        description="An alternative enters when this share of an ecosystem's developers would gain by moving.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_exit_developer_share: Share = Field(
        0.002,
        description="An alternative fails at a year boundary if it holds less than this share of its ecosystem.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_entry_reach_share: float = Field(
        0.001,
        gt=0,
        le=1,
        description="A new alternative's downloads as a share of its incumbent's.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_reach_discount: Share = Field(
        0.3,
        description="Downloads an alternative draws per package, relative to its incumbent.",
        json_schema_extra=tags("assumption", live=True),
    )
    scanner_full_coverage_reach_share: float = Field(
        0.05,
        gt=0,
        le=1,
        description="Share of its ecosystem's downloads from which outside scanners watch an alternative as closely "
        "as its incumbent (below it, in proportion).",
        json_schema_extra=tags("assumption", live=True),
    )
    unwatched_malware_attraction: float = Field(
        2.0,
        ge=0,
        le=100,
        description="Malware per package at an alternative no scanner watches, relative to its incumbent.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_hygiene_factor: Share = Field(
        0.5,
        description="Token hygiene of developers on an alternative, relative (no trusted publishing there).",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_volunteer_security_fte: float = Field(
        0.2,
        ge=0,
        le=1000,
        description="Volunteer security work (report triage, takedowns) at an alternative, FTE.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_sustained_demand_weeks: int = Field(
        13,
        ge=1,
        le=520,
        description="Weeks in a row that demand must exceed alt_entry_demand_share before a sponsor commits.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_build_weeks: int = Field(
        26,
        ge=0,
        le=520,
        description="Weeks from a sponsor's commitment to an alternative's opening (building and migrating).",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_build_cost_usd: NonNegativeUSD = Field(
        1_000_000.0,
        description="Cost of building an alternative registry, paid by its sponsor over the build weeks.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_sponsor_budget_usd_per_year: NonNegativeUSD = Field(
        5_000_000.0,
        description="Yearly budget of the pool of would-be sponsors of alternative registries (all alternatives).",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Funders", "Sponsors of alternatives", "USD per year, all alternatives"),
        ),
    )
    alt_reserve_months: float = Field(
        9.0,
        gt=0,
        le=120,
        description="Months of its cost an alternative holds when it opens (paid by its sponsor) and its reserve target.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_sponsor_review_weeks: int = Field(
        13,
        ge=1,
        le=52,
        description="Weeks between a sponsor's reviews of its alternative's budget (by the steward rule).",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_sponsor_commitment_years: int = Field(
        3,
        ge=1,
        le=50,
        description="Years a sponsor commits to an alternative after it opens (then it renews or stops).",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_sponsor_renewal_share: Share = Field(
        0.01,
        description="A sponsor renews only if at least this share of the ecosystem's developers publish on the "
        "alternative.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_volunteer_cover: Share = Field(
        0.9,
        description="Share of an alternative's mitigation and other labour done by volunteers.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_ops_fte: float = Field(
        0.5,
        ge=0,
        le=1000,
        description="Operations staff (FTE) of an alternative registry.",
        json_schema_extra=tags("assumption", live=True),
    )
    alt_security_fte: float = Field(
        0.1,
        ge=0,
        le=1000,
        description="Security staff (FTE) of an alternative registry.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Malware --------------------------------------------------------------------------
    fast_detection_share: Probability = Field(
        0.7,
        description="Share of malicious packages identified fast (median 3 h); the rest median 30 days.",
        json_schema_extra=tags("calibrated", live=True),
    )
    fast_detection_median_hours: float = Field(
        3.0,
        gt=0,
        le=10_000,
        description="Median hours from publication to identification of a fast-detected malicious package.",
        json_schema_extra=tags("calibrated", live=True),
    )
    slow_detection_median_hours: float = Field(
        720.0,
        gt=0,
        le=100_000,
        description="Median hours to identification of a slow-detected malicious package (30 days).",
        json_schema_extra=tags("calibrated", live=True),
    )
    detection_sigma: float = Field(
        1.0,
        gt=0,
        le=5,
        description="Log-scale spread of the detection delay (fast and slow lognormals).",
        json_schema_extra=tags("assumption", live=True),
    )
    max_detection_hours: float = Field(
        8_760.0,
        gt=0,
        le=1e6,
        description="Longest detection delay: slower detections are cut here (a year).",
        json_schema_extra=tags("calibrated", live=True),
    )
    malware_draw_vs_average_package: float = Field(
        0.01,
        ge=0,
        le=10,
        description="Downloads a live malicious package draws, relative to an average package.",
        json_schema_extra=tags("assumption", live=True),
    )
    spam_bursts_per_year: float = Field(
        0.3,
        ge=0,
        le=52,
        description="Yearly rate of AI spam / token-farming bursts (on spam_burst_registry).",
        json_schema_extra=tags("calibrated", live=True),
    )
    spam_burst_registry: str = Field(
        default_factory=lambda: REGISTRIES.malware_target,
        description="Registry that spam bursts hit (default: the one most malware targets).",
        json_schema_extra=tags("calibrated", live=True),
    )
    spam_burst_packages: float = Field(
        125_000,
        ge=0,
        le=1e8,
        description="Packages in one spam burst.",
        json_schema_extra=tags("calibrated", live=True),
    )
    spam_burst_weeks: int = Field(
        6, ge=1, le=52, description="Weeks a spam burst lasts.", json_schema_extra=tags("calibrated", live=True)
    )
    spam_detection_median_hours: float = Field(
        24.0,
        gt=0,
        le=10_000,
        description="Median hours until a spam package is identified (floods are flagged within a day or so).",
        json_schema_extra=tags("assumption", live=True),
    )
    spam_download_factor: float = Field(
        0.1,
        ge=0,
        le=100,
        description="Downloads a live spam package draws, relative to a malicious one.",
        json_schema_extra=tags("assumption", live=True),
    )
    harm_usd_per_malicious_download: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Corporate harm (USD) per undefended download of live malware by a firm: bounded 0.01-10 "
        "(a rebuild to a credential clean-up amortised over CI installs); outputs compare harm with the status quo.",
        json_schema_extra=tags("assumption", live=True),
    )
    consumer_defended_share_start: Share = Field(
        0.3,
        description="Share of corporate downloads behind defences (scanners, lockfiles, private mirrors) at the start.",
        json_schema_extra=tags("assumption"),
    )
    consumer_defence_adoption_per_year: Share = Field(
        0.1,
        description="Yearly share of undefended corporate downloads that come behind defences.",
        json_schema_extra=tags("assumption"),
    )
    consumer_defence_block_share: Share = Field(
        0.8,
        description="Share of malicious installs a consumer's defences stop.",
        json_schema_extra=tags("assumption", live=True),
    )
    corporate_download_share: Share = Field(
        0.8,
        description="Share of downloads made by corporations (cloud/CI).",
        json_schema_extra=tags("calibrated", live=True),
    )
    incident_harm_reference_usd: float = Field(
        5_000_000,
        gt=0,
        le=1e10,
        description="Harm to one firm that counts as one serious incident in its memory.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Worms ----------------------------------------------------------------------------
    worm_waves_per_year: float = Field(
        2.0,
        ge=0,
        le=52,
        description="Yearly rate of worm outbreaks (2 major waves in 2025).",
        json_schema_extra=tags("calibrated", live=True),
    )
    worm_outbreak_week: int | None = Field(
        None,
        ge=1,
        le=5200,
        description="Shock: a worm outbreak starts in this week of the run.",
        json_schema_extra=tags("shock", live=True),
    )
    worm_outbreak_registry: str = Field(
        default_factory=lambda: REGISTRIES.malware_target,
        description="Registry where scheduled outbreaks (and worms fired by hand) start (default: the one most malware targets).",
        json_schema_extra=tags("shock", live=True),
    )
    worm_packages_per_token: int = Field(
        20,
        ge=1,
        le=1000,
        description="Packages a stolen token republishes (20 in wave 1, up to 100 in wave 2).",
        json_schema_extra=tags("calibrated", live=True),
    )
    worm_maintainer_installs_per_hour: float = Field(
        0.007,
        ge=0,
        le=100,
        description="Installs of one trojanised version per hour by maintainers holding publish tokens.",
        json_schema_extra=tags("calibrated", live=True),
    )
    worm_token_theft_prob: Probability = Field(
        0.5,
        description="Chance an install steals a token when hygiene is nil.",
        json_schema_extra=tags("assumption", live=True),
    )
    worm_detection_hours: float = Field(
        2.0,
        gt=0,
        le=1000,
        description="Median hours until a trojanised version is reported.",
        json_schema_extra=tags("calibrated", live=True),
    )
    worm_detection_sigma: float = Field(
        1.0,
        gt=0,
        le=5,
        description="Log-scale spread of the hours until a trojanised version is reported.",
        json_schema_extra=tags("assumption", live=True),
    )
    worm_spill_prob: Probability = Field(
        0.001,
        description="Chance a stolen token is for another registry (cross-registry spill).",
        json_schema_extra=tags("assumption", live=True),
    )
    worm_containment_factor: float = Field(
        4.0,
        ge=0.1,
        le=1000,
        description="A registry revokes tokens en masse this many removal medians after a worm reaches it.",
        json_schema_extra=tags("assumption", live=True),
    )
    worm_containment_max_hours: float = Field(
        168.0,
        gt=0,
        le=10_000,
        description="Longest a registry takes to contain an outbreak (emergency response).",
        json_schema_extra=tags("assumption", live=True),
    )
    worm_max_packages: int = Field(
        20_000,
        ge=1,
        le=10_000_000,
        description="Outbreak size at which it is contained.",
        json_schema_extra=tags("assumption", live=True),
    )
    worm_popularity_factor: float = Field(
        10.0,
        ge=0,
        le=1e6,
        description="Installs of a trojanised version relative to an average package.",
        json_schema_extra=tags("assumption", live=True),
    )

    # --- Fees and paid tiers --------------------------------------------------------------
    per_package_fee_usd: NonNegativeUSD = Field(
        0.0,
        description="Lever: fee per new package published.",
        json_schema_extra=tags(
            "lever", live=True, control=("Registries and their fees", "Per-package fee", "USD per new package")
        ),
    )
    publisher_subscription_usd_per_year: NonNegativeUSD = Field(
        0.0,
        description="Lever: yearly subscription each active publisher pays.",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Registries and their fees", "Publisher subscription", "USD per publisher per year"),
        ),
    )
    organisation_usd_per_member_per_year: NonNegativeUSD = Field(
        0.0,
        description="Lever: yearly price of an organisation seat for a company publisher (community organisations "
        "are free; 0 = not sold). PyPI Organizations: USD 60 (5 a month).",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Registries and their fees", "Organisation accounts", "USD per company member per year"),
        ),
    )
    company_publisher_share: Share = Field(
        0.4,
        description="Share of publishers who publish for a company (the rest are community publishers).",
        json_schema_extra=tags("assumption"),
    )
    organisation_value_usd_per_member_per_year: float = Field(
        30.0,
        ge=0,
        le=1e6,
        description="Median yearly worth of an organisation seat to a company (team access, ownership on "
        "staff changes), LogNormal(0, 1) across companies.",
        json_schema_extra=tags("assumption"),
    )
    enterprise_tier_usd_per_year: NonNegativeUSD = Field(
        0.0,
        description="Lever: yearly price of an enterprise tier for heavy consumers (0 = none).",
        json_schema_extra=tags(
            "lever",
            live=True,
            control=("Registries and their fees", "Enterprise tier price", "USD per heavy consumer per year"),
        ),
    )
    fee_registries: RegistryNames = Field(
        default_factory=lambda: REGISTRIES.names,
        description="Registries that apply the fee and paid-tier levers (default: every incumbent).",
        json_schema_extra=tags(
            "lever", live=True, control=("Registries and their fees", "Registries charging", "registries")
        ),
    )

    per_package_fee_usd_by_registry: USDByRegistry = Field(
        default_factory=FrozenDict,
        description="Lever: per-registry fee per new package; a named registry uses this instead of the shared fee levers.",
        json_schema_extra=tags("lever", live=True),
    )
    publisher_subscription_usd_by_registry: USDByRegistry = Field(
        default_factory=FrozenDict,
        description="Lever: per-registry yearly publisher subscription; a named registry uses this instead of the shared fee levers.",
        json_schema_extra=tags("lever", live=True),
    )
    extra_security_fte_by_registry: FTEByRegistry = Field(
        default_factory=FrozenDict,
        description="Lever: security staff (FTE) a registry funds from its own budget on top of its profile's posts.",
        json_schema_extra=tags("lever", live=True),
    )

    @model_validator(mode="wrap")
    @classmethod
    def _registry_defaults(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        """Defaults that name registries follow the model's catalogue, and stay defaults (not 'set').

        Every incumbent applies the fee levers; worms and spam start at the incumbent most
        malware targets (npm in the shipped catalogue).
        """
        if not isinstance(data, dict):
            return handler(data)
        catalogue = _catalogue(info)
        defaults = {
            "fee_registries": catalogue.names,
            "worm_outbreak_registry": catalogue.malware_target,
            "spam_burst_registry": catalogue.malware_target,
        }
        filled = {name: value for name, value in defaults.items() if name not in data}
        params = handler({**filled, **data})
        params.__pydantic_fields_set__.difference_update(filled)
        return params

    @field_validator("worm_outbreak_registry", "spam_burst_registry")
    @classmethod
    def _known_registry(cls, value: str, info: ValidationInfo) -> str:
        """Allow only incumbent registry names."""
        names = _catalogue(info).names
        if value not in names:
            raise ValueError(f"unknown registry {value!r}; allowed: {', '.join(names)}")
        return value

    @field_validator(
        "fee_registries",
        "per_package_fee_usd_by_registry",
        "publisher_subscription_usd_by_registry",
        "extra_security_fte_by_registry",
        "umbrella_allocation_weights_by_registry",
        "rate_limit_heavy_share_by_registry",
    )
    @classmethod
    def _known_registries(cls, value: Any, info: ValidationInfo) -> Any:
        """Allow only incumbent registry names (as list items or mapping keys)."""
        names = _catalogue(info).names
        unknown = [name for name in value if name not in names]
        if unknown:
            raise ValueError(f"unknown registry {unknown[0]!r}; allowed: {', '.join(names)}")
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        """Parameters never change in place; a running model changes them with `set_parameters`."""
        raise ParameterError(
            f"parameters are immutable ({name!r}); use model.set_parameters({name}=...) on a running model, "
            "or build new parameters"
        )

    def updated(self, catalogue: RegistryCatalogue | None = None, **overrides: Any) -> ModelParameters:
        """Return a validated copy with `overrides` applied (any parameter; for a model not yet built)."""
        return changed_parameters(self, overrides, catalogue=catalogue, mid_run=False)


def _catalogue(info: ValidationInfo) -> RegistryCatalogue:
    """The catalogue parameters are validated against: the one in the validation context, else the shipped one."""
    context = info.context or {}
    return context.get("catalogue") or REGISTRIES


def field_tags(name: str) -> dict[str, Any]:
    """A parameter's tags: kind, live and (for an explorer control) its actor, label and unit."""
    return ModelParameters.model_fields[name].json_schema_extra  # type: ignore[return-value]


def parameter_kind(name: str) -> str:
    """A parameter's kind: lever, shock, calibrated, assumption or setting."""
    return field_tags(name)["kind"]


#: Parameters a running model reads every week (or pushes into its agents): they may change mid-run.
LIVE_PARAMETERS = frozenset(name for name in ModelParameters.model_fields if field_tags(name)["live"])


def controls() -> dict[str, dict[str, str]]:
    """Parameters the explorer offers as controls, in definition order: name -> actor, label, unit."""
    return {name: field_tags(name)["control"] for name in ModelParameters.model_fields if "control" in field_tags(name)}


def make_parameters(
    values: dict[str, Any] | None = None, catalogue: RegistryCatalogue | None = None
) -> ModelParameters:
    """Build `ModelParameters` from plain values (registry names checked against `catalogue`); one-line errors."""
    values = values or {}
    try:
        params = ModelParameters.model_validate(values, context={"catalogue": catalogue or REGISTRIES})
    except ValidationError as exc:
        raise ParameterError(describe_error(exc.errors()[0], ModelParameters.model_fields)) from None
    _check_consistency(params)
    return params


def changed_parameters(
    params: ModelParameters,
    changes: dict[str, Any],
    *,
    catalogue: RegistryCatalogue | None = None,
    mid_run: bool = True,
) -> ModelParameters:
    """The one way to change parameters: `params` with `changes`, validated as a whole (cross-field rules too).

    With `mid_run` (a model already running), a parameter that the model reads only when it is
    built is refused with a one-line `ParameterError`.
    """
    if mid_run:
        fixed = [name for name in changes if name in ModelParameters.model_fields and name not in LIVE_PARAMETERS]
        if fixed:
            raise ParameterError(
                f"parameter {fixed[0]!r} cannot change in a running model (it is read when the model is built); "
                "build a new model with it"
            )
    return make_parameters({**params.model_dump(), **changes}, catalogue)


def _check_consistency(params: ModelParameters) -> None:
    """Check rules that span several fields."""
    if not (params.read_only_runway_months < params.degraded_runway_months < params.strained_runway_months):
        raise ParameterError(
            "parameters 'read_only_runway_months' < 'degraded_runway_months' < 'strained_runway_months' must hold"
        )
    shares = (
        params.bandwidth_cost_share
        + params.storage_cost_share
        + params.compute_cost_share
        + params.mitigation_cost_share
    )
    if shares > 1:
        raise ParameterError(
            "parameters 'bandwidth_cost_share' + 'storage_cost_share' + 'compute_cost_share' + "
            f"'mitigation_cost_share' must be at most 1 (got {shares:g})"
        )


def parameter_table() -> list[dict[str, str]]:
    """One row per parameter (name, default, allowed range, kind, live, description) for docs and the CLI."""
    rows = []
    for name, spec in ModelParameters.model_fields.items():
        default = spec.default_factory() if spec.default_factory else spec.default
        if isinstance(default, tuple):
            default = list(default)
        rows.append(
            {
                "name": name,
                "default": repr(default),
                "allowed": allowed_range(spec),
                "kind": parameter_kind(name),
                "live": "yes" if name in LIVE_PARAMETERS else "no",
                "description": spec.description or "",
            }
        )
    return rows


def catalogue_table(catalogue: RegistryCatalogue | None = None) -> list[dict[str, str]]:
    """One row per incumbent of a catalogue: what the model assumes about it beyond its profile."""
    return [
        {
            "name": entry.name,
            "label": entry.label,
            "dependency_probability": f"{entry.dependency_probability:g}",
            "grant_eligible": "yes" if entry.grant_eligible else "no",
            "worm_card_weight": f"{entry.worm_card_weight:g}",
            "colour": entry.colour,
        }
        for entry in (catalogue or REGISTRIES)
    ]
