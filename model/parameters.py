"""Model parameters: every lever and constant, documented once, validated at construction.

Each field carries its unit in its name or description and its allowed range. Sources for
the defaults are in `docs/calibration.md`; values marked *assumption* there are not sourced.
A bad value raises `ParameterError`, whose message names the field and what is allowed.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from model.profiles import INCUMBENT_NAMES


class ParameterError(ValueError):
    """A parameter or scenario value is invalid; the message is one line naming the field."""


Share = Annotated[float, Field(ge=0.0, le=1.0)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegativeUSD = Annotated[float, Field(ge=0.0, le=1e12)]


class ModelParameters(BaseModel):
    """All parameters of `RegistryModel`; see `docs/calibration.md` for each default's source."""

    # strict: a bool is not a number, text is not a bool or a number; an int is fine where a float is asked for
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, strict=True)

    # --- Calendar -------------------------------------------------------------------------
    start_year: int = Field(2026, ge=2000, le=2100, description="Calendar year of week 1.")

    # --- Demand ---------------------------------------------------------------------------
    demand_growth_multiplier: float = Field(
        1.0, ge=0.0, le=5.0, description="Scales every registry's yearly download growth rate."
    )
    agent_demand_extra_growth: float = Field(
        0.0,
        ge=0.0,
        le=2.0,
        description="Extra yearly download growth from AI/CI agents (0.2 = +20 points).",
    )
    agent_demand_years: int = Field(
        2, ge=0, le=50, description="Years from the start during which the agent-demand shock lasts."
    )

    publishing_growth_per_year: float = Field(
        0.20, ge=0.0, le=3.0, description="Yearly growth of new packages and uploads (PyPI +18-25%/yr)."
    )
    rate_limit_demand_cut: Share = Field(
        0.3, description="Share of downloads a strained (or worse) registry stops serving by rate-limiting heavy users."
    )

    # --- Costs ----------------------------------------------------------------------------
    fte_cost_usd_per_year: float = Field(
        160_000, ge=10_000, le=1_000_000, description="Loaded cost of one full-time staff member."
    )
    compute_scaling_exponent: float = Field(
        0.6, ge=0.1, le=1.5, description="Compute cost grows as downloads to this power."
    )
    mitigation_scaling_exponent: float = Field(
        0.5,
        ge=0.1,
        le=1.5,
        description="Malware-mitigation cost grows as security workload to this power (automated triage).",
    )
    infrastructure_price_decline_per_year: Share = Field(
        0.10, description="Yearly fall in the unit price of bandwidth, storage and compute."
    )
    uploads_per_report_equivalent: float = Field(
        5_000,
        gt=0,
        le=1e9,
        description="Uploads whose review takes as much security time as one malware report.",
    )

    # --- Malware workload (full arrivals and removal come with the malware submodel) -------
    malware_arrivals_per_day: float = Field(
        250.0, ge=0.0, le=1e6, description="Malicious packages arriving per day, all registries, at the start."
    )
    malware_growth_per_year: float = Field(0.40, ge=0.0, le=3.0, description="Yearly growth rate of malware arrivals.")

    # --- Security capacity and removal delay ---------------------------------------------
    removal_hours_unstaffed: float = Field(
        300.0,
        gt=0.0,
        le=10_000,
        description="Median hours from identification to removal with no security staff.",
    )
    removal_staffing_effect: float = Field(
        6_500.0,
        gt=0.0,
        le=1e7,
        description="k in median = H / (1 + k * security_fte / workload); workload in reports per week.",
    )
    removal_delay_sigma: float = Field(
        1.5, gt=0.0, le=4.0, description="Log-scale spread of the lognormal removal delay."
    )
    hiring_delay_weeks: int = Field(
        26, ge=0, le=156, description="Weeks between funding a security post and the hire starting."
    )
    staff_notice_weeks: int = Field(
        4, ge=0, le=52, description="Weeks security staff stay after the money for their posts stops."
    )
    min_security_share: Share = Field(
        0.0, description="Lever: minimum share of a registry's cash spending that goes to security staff."
    )
    security_cut_when_degraded: Share = Field(
        0.5, description="Share of own-funded security staff cut when a registry is degraded."
    )

    # --- Registry status thresholds -------------------------------------------------------
    strained_runway_months: float = Field(6.0, gt=0, le=120, description="Below this runway a registry is strained.")
    degraded_runway_months: float = Field(3.0, gt=0, le=120, description="Below this runway it is degraded.")
    read_only_runway_months: float = Field(1.0, gt=0, le=120, description="Below this runway it is read-only.")
    status_recovery_margin_months: float = Field(
        2.0, ge=0, le=24, description="Runway above a threshold needed before a registry's status improves."
    )

    # --- In-kind infrastructure -----------------------------------------------------------
    cdn_donation: bool = Field(True, description="Lever: CDN donors (Fastly-like) carry edge bandwidth.")
    cdn_donor_leaves_year: int | None = Field(
        None, ge=2000, le=2200, description="Shock: every CDN donor leaves at the start of this year."
    )
    inkind_contract_years: int = Field(
        1, ge=1, le=10, description="Lever: length of cloud-credit contracts; no renewal risk during one."
    )
    inkind_renewal_prob: Probability = Field(
        0.93, description="Yearly probability that an in-kind donor renews at contract end."
    )
    inkind_replacement_weeks: int = Field(
        13, ge=1, le=520, description="Weeks until a registry finds a new donor after one leaves (emergency migration)."
    )
    service_incident_memory_per_week: float = Field(
        0.02,
        ge=0,
        le=10,
        description="Incident memory a firm gains per week a registry it uses is degraded or read-only.",
    )

    # --- Umbrella security funder (Alpha-Omega-like) --------------------------------------
    umbrella_budget_usd_per_year: NonNegativeUSD = Field(
        5_000_000, description="Lever: umbrella security funder's yearly budget."
    )
    umbrella_registry_share: Share = Field(
        0.15, description="Share of the umbrella budget granted to package registries."
    )
    n_umbrella_funders: int = Field(
        1, ge=1, le=20, description="Lever: independent umbrella funders sharing that budget."
    )
    umbrella_donors: int = Field(3, ge=1, le=50, description="Big donors behind each umbrella funder.")
    umbrella_donor_renewal_prob: Probability = Field(0.85, description="Yearly probability that a big donor renews.")
    umbrella_donor_return_prob: Probability = Field(
        0.5, description="Yearly probability that a lapsed donor slot is filled again."
    )
    umbrella_rounds_per_year: int = Field(4, ge=1, le=12, description="Lever: grant rounds per year.")
    umbrella_miss_prob_per_year: Probability = Field(
        0.10, description="Yearly probability that the umbrella funder misses a round."
    )
    umbrella_commitment_years: int = Field(
        1,
        ge=1,
        le=5,
        description="Lever: grant commitment length; at 2+ years a missed round stops no committed grant.",
    )
    umbrella_missed_round_year: int | None = Field(
        None, ge=2000, le=2200, description="Shock: the umbrella funder misses its first round of this year."
    )

    # --- Public funder (Sovereign-Tech-like) ----------------------------------------------
    public_funder_budget_usd_per_year: NonNegativeUSD = Field(
        0.0, description="Lever: public funder's yearly budget for registry security projects."
    )
    public_grant_years: int = Field(2, ge=1, le=5, description="Length of a public project grant.")

    # --- Corporations ---------------------------------------------------------------------
    n_corporations: int = Field(2000, ge=1, le=200_000, description="Sampled consumer corporations.")
    corporations_represented: float = Field(
        100_000, ge=1, le=1e8, description="Real consuming firms the sampled corporations stand for."
    )
    corporate_developers_median: float = Field(
        50, gt=0, le=1e6, description="Median developers per firm (sizes are lognormal)."
    )
    consumer_pareto_alpha: float = Field(1.05, ge=1.0, le=5.0, description="Pareto tail of corporate download volume.")
    pledge_usd_per_developer: NonNegativeUSD = Field(
        2_000, description="Lever: yearly support per developer a supporting firm pays (Open Source Pledge)."
    )
    it_budget_usd_per_developer: float = Field(
        20_000, gt=0, le=1e7, description="A firm's yearly discretionary tooling budget per developer."
    )
    opex_budget_share: Share = Field(
        0.05, description="Lever: share of supporting firms that budget support as opex rather than donation."
    )
    opex_contract_years: int = Field(3, ge=1, le=10, description="Length of an opex support contract.")
    opex_renewal_prob: Probability = Field(0.75, description="Probability an ending opex contract renews.")
    regulation_mandates_support: bool = Field(
        False, description="Lever: a regulation requires firms to support the registries they use."
    )
    downturn_prob_per_year: Probability = Field(
        0.15, description="Yearly probability of an economic downturn (donations are cut first)."
    )
    support_base_utility: float = Field(
        -1.5, ge=-20, le=20, description="Logit utility of supporting, before other terms."
    )
    norm_weight: float = Field(1.0, ge=0, le=20, description="Logit weight on the share of peers who support.")
    memory_weight: float = Field(1.0, ge=0, le=20, description="Logit weight on a firm's incident memory.")
    regulation_weight: float = Field(5.0, ge=0, le=50, description="Logit weight of a support mandate.")
    cost_weight: float = Field(10.0, ge=0, le=100, description="Logit weight on support cost / firm budget.")
    downturn_donation_penalty: float = Field(
        2.0, ge=0, le=20, description="Logit utility lost by donations in a downturn year."
    )
    paid_tier_base_utility: float = Field(
        1.0, ge=-20, le=20, description="Logit utility of a paid tier for a heavy consumer, before price."
    )
    incident_memory_half_life_years: float = Field(
        1.5, gt=0, le=50, description="Half-life of a firm's memory of incidents that hit it."
    )

    # --- Developers (publishers) --------------------------------------------------------
    n_developers: int = Field(
        10_000, ge=10, le=1_000_000, description="Sampled developers; each stands for many real publishers."
    )
    ai_publishing_multiplier: float = Field(
        1.0, ge=0.0, le=20.0, description="Lever: AI-assisted coding multiplies every developer's publishing rate."
    )
    token_hygiene_mean: float = Field(
        0.3,
        gt=0.0,
        lt=1.0,
        description="Lever: mean share of publishing done with trusted publishing or short-lived tokens.",
    )
    switching_hazard_per_week: Probability = Field(
        0.01, description="Most a developer leaves its registry in a week (the hazard's ceiling; inertia)."
    )
    switching_cost_mean: float = Field(3.0, ge=0, le=50, description="Mean utility cost of moving registry.")
    fee_reference_usd_per_year: float = Field(
        20.0, gt=0, le=1e6, description="Yearly fee burden that counts as one unit of utility (before sensitivity)."
    )
    fee_weight: float = Field(1.0, ge=0, le=50, description="Switching-utility weight on fee burden.")
    security_weight: float = Field(1.0, ge=0, le=50, description="Switching-utility weight on log removal-delay ratio.")
    peer_weight: float = Field(
        3.0, ge=0, le=50, description="Switching-utility weight on the share of peers already there."
    )
    network_weight: float = Field(0.3, ge=0, le=50, description="Switching-utility weight on log reach ratio.")

    # --- Alternative registries -----------------------------------------------------------
    alternatives_enabled: bool = Field(True, description="Whether alternative registries can enter.")
    alt_entry_demand_share: Share = Field(
        0.02, description="An alternative enters when this share of an ecosystem's developers would gain by moving."
    )
    alt_exit_developer_share: Share = Field(
        0.002, description="An alternative fails at a year boundary if it holds less than this share of its ecosystem."
    )
    alt_entry_reach_share: float = Field(
        0.001, gt=0, le=1, description="A new alternative's downloads as a share of its incumbent's."
    )
    alt_reach_discount: Share = Field(
        0.3, description="Downloads an alternative draws per package, relative to its incumbent."
    )
    alt_removal_multiplier: float = Field(
        5.0, ge=1, le=100, description="Alternative's removal median over its incumbent's."
    )
    alt_fast_detection_share: Probability = Field(0.4, description="Share of malware an alternative detects fast.")
    alt_hygiene_factor: Share = Field(0.5, description="Token hygiene of developers on an alternative, relative.")
    alt_malware_attraction: float = Field(
        2.0, ge=0, le=100, description="Malware per package at an alternative, relative to its incumbent."
    )

    # --- Malware --------------------------------------------------------------------------
    fast_detection_share: Probability = Field(
        0.7, description="Share of malicious packages identified fast (median 3 h); the rest median 30 days."
    )
    malware_draw_vs_average_package: float = Field(
        0.01, ge=0, le=10, description="Downloads a live malicious package draws, relative to an average package."
    )
    spam_bursts_per_year: float = Field(
        0.3, ge=0, le=52, description="Yearly rate of AI spam / token-farming bursts on npm."
    )
    spam_burst_packages: float = Field(125_000, ge=0, le=1e8, description="Packages in one spam burst.")
    spam_burst_weeks: int = Field(6, ge=1, le=52, description="Weeks a spam burst lasts.")
    harm_usd_per_malicious_download: float = Field(
        1.0, ge=0, le=1e7, description="Corporate harm (USD) per download of live malware by a firm."
    )
    corporate_download_share: Share = Field(0.8, description="Share of downloads made by corporations (cloud/CI).")
    incident_harm_reference_usd: float = Field(
        5_000_000, gt=0, le=1e10, description="Harm to one firm that counts as one serious incident in its memory."
    )

    # --- Worms ----------------------------------------------------------------------------
    worm_waves_per_year: float = Field(
        2.0, ge=0, le=52, description="Yearly rate of worm outbreaks (2 major waves in 2025)."
    )
    worm_outbreak_week: int | None = Field(
        None, ge=1, le=5200, description="Shock: a worm outbreak starts in this week of the run."
    )
    worm_outbreak_registry: str = Field("npm", description="Registry where scheduled outbreaks start.")
    worm_packages_per_token: int = Field(
        20, ge=1, le=1000, description="Packages a stolen token republishes (20 in wave 1, up to 100 in wave 2)."
    )
    worm_maintainer_installs_per_hour: float = Field(
        0.006,
        ge=0,
        le=100,
        description="Installs of one trojanised version per hour by maintainers holding publish tokens.",
    )
    worm_token_theft_prob: Probability = Field(0.5, description="Chance an install steals a token when hygiene is nil.")
    worm_detection_hours: float = Field(
        2.0, gt=0, le=1000, description="Median hours until a trojanised version is reported."
    )
    worm_spill_prob: Probability = Field(
        0.001, description="Chance a stolen token is for another registry (cross-registry spill)."
    )
    worm_containment_factor: float = Field(
        4.0,
        ge=0.1,
        le=1000,
        description="A registry revokes tokens en masse this many removal medians after a worm reaches it.",
    )
    worm_containment_max_hours: float = Field(
        168.0, gt=0, le=10_000, description="Longest a registry takes to contain an outbreak (emergency response)."
    )
    worm_max_packages: int = Field(20_000, ge=1, le=10_000_000, description="Outbreak size at which it is contained.")
    worm_popularity_factor: float = Field(
        10.0, ge=0, le=1e6, description="Installs of a trojanised version relative to an average package."
    )

    # --- Fees and paid tiers --------------------------------------------------------------
    per_package_fee_usd: NonNegativeUSD = Field(0.0, description="Lever: fee per new package published.")
    publisher_subscription_usd_per_year: NonNegativeUSD = Field(
        0.0, description="Lever: yearly subscription each active publisher pays."
    )
    enterprise_tier_usd_per_year: NonNegativeUSD = Field(
        0.0, description="Lever: yearly price of an enterprise tier for heavy consumers (0 = none)."
    )
    fee_registries: list[str] = Field(
        default_factory=lambda: list(INCUMBENT_NAMES),
        description="Registries that apply the fee and paid-tier levers.",
    )

    per_package_fee_usd_by_registry: dict[str, NonNegativeUSD] = Field(
        default_factory=dict,
        description="Lever: per-registry fee per new package; a named registry uses this instead of the shared fee levers.",
    )
    publisher_subscription_usd_by_registry: dict[str, NonNegativeUSD] = Field(
        default_factory=dict,
        description="Lever: per-registry yearly publisher subscription; a named registry uses this instead of the shared fee levers.",
    )
    extra_security_fte_by_registry: dict[str, Annotated[float, Field(ge=0.0, le=1000.0)]] = Field(
        default_factory=dict,
        description="Lever: security staff (FTE) a registry funds from its own budget on top of its profile's posts.",
    )

    @field_validator("worm_outbreak_registry")
    @classmethod
    def _known_worm_registry(cls, value: str) -> str:
        """Allow only incumbent registry names."""
        if value not in INCUMBENT_NAMES:
            raise ValueError(f"unknown registry {value!r}; allowed: {', '.join(INCUMBENT_NAMES)}")
        return value

    @field_validator(
        "fee_registries",
        "per_package_fee_usd_by_registry",
        "publisher_subscription_usd_by_registry",
        "extra_security_fte_by_registry",
    )
    @classmethod
    def _known_registries(cls, value: Any) -> Any:
        """Allow only incumbent registry names (as list items or mapping keys)."""
        unknown = [name for name in value if name not in INCUMBENT_NAMES]
        if unknown:
            raise ValueError(f"unknown registry {unknown[0]!r}; allowed: {', '.join(INCUMBENT_NAMES)}")
        return value

    def updated(self, **overrides: Any) -> ModelParameters:
        """Return a validated copy with `overrides` applied."""
        return make_parameters({**self.model_dump(), **overrides})


def _describe(error: dict[str, Any]) -> str:
    """Turn one pydantic error into 'field: what is wrong (allowed ...)'."""
    field = ".".join(str(part) for part in error["loc"]) or "parameters"
    kind = error["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(field, ModelParameters.model_fields, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown parameter {field!r}{hint}"
    got = _shown(error.get("input"))
    ctx = error.get("ctx", {})
    bounds = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    limits = [f"{sym} {ctx[key]}" for key, sym in bounds.items() if key in ctx]
    if limits:
        spec = ModelParameters.model_fields.get(str(error["loc"][0]))
        own_bounds = spec is not None and any(hasattr(m, "ge") or hasattr(m, "le") for m in spec.metadata)
        allowed = _allowed_range(spec) if own_bounds else " and ".join(limits)
        return f"parameter {field!r} must be {allowed} (got {got})"
    if kind in EXPECTED_TYPE:
        spec = ModelParameters.model_fields.get(str(error["loc"][0]))
        own_bounds = (
            len(error["loc"]) == 1
            and spec is not None
            and any(hasattr(m, "ge") or hasattr(m, "le") for m in spec.metadata)
        )
        bounds = f" {_allowed_range(spec)}" if own_bounds else ""
        return f"parameter {field!r} must be {EXPECTED_TYPE[kind]}{bounds} (got {got})"
    return f"parameter {field!r}: {error['msg']} (got {got})"


#: What a field of each type accepts, in words, by pydantic's error type.
EXPECTED_TYPE = {
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a table of name = value",
}


def _shown(value: Any, limit: int = 80) -> str:
    """A value as shown in an error message: its repr, shortened when long."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _allowed_range(spec: Any) -> str:
    """Describe a field's numeric bounds, for example 'between 0 and 1'."""
    low = high = None
    for item in spec.metadata:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        low = getattr(item, "gt", None) if getattr(item, "gt", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
        high = getattr(item, "lt", None) if getattr(item, "lt", None) is not None else high
    if low is not None and high is not None:
        return f"between {low:g} and {high:g}"
    if low is not None:
        return f"at least {low:g}"
    return f"at most {high:g}"


def make_parameters(values: dict[str, Any] | None = None) -> ModelParameters:
    """Build `ModelParameters` from plain values, raising a one-line `ParameterError`."""
    try:
        params = ModelParameters(**(values or {}))
    except ValidationError as exc:
        raise ParameterError(_describe(exc.errors()[0])) from None
    _check_consistency(params)
    return params


def _check_consistency(params: ModelParameters) -> None:
    """Check rules that span several fields."""
    if not (params.read_only_runway_months < params.degraded_runway_months < params.strained_runway_months):
        raise ParameterError(
            "parameters 'read_only_runway_months' < 'degraded_runway_months' < 'strained_runway_months' must hold"
        )


def parameter_table() -> list[dict[str, str]]:
    """One row per parameter (name, default, allowed range, description) for docs and the CLI."""
    rows = []
    for name, spec in ModelParameters.model_fields.items():
        default = spec.default_factory() if spec.default_factory else spec.default
        has_bounds = any(hasattr(m, attr) for m in spec.metadata for attr in ("ge", "gt", "le", "lt"))
        rows.append(
            {
                "name": name,
                "default": repr(default),
                "allowed": _allowed_range(spec) if has_bounds else "",
                "description": spec.description or "",
            }
        )
    return rows
