"""The unsourced behavioural weights: which `assumption` parameters are weights, and the range each is varied over.

The parameter catalogue (`model/parameters.py`) tags every unsourced parameter `assumption`. This
module sorts each of them into a behavioural weight (a logit utility or weight, a switching cost, a
responsiveness, an elasticity, a capacity per FTE, a decision threshold, a probability of a choice)
with the range a sensitivity study varies it over, or into a named class of other assumptions (cost
structure, scale, event rates, technical efficacy, heterogeneity spreads, durations, the alternatives'
set-up, the worm). `behavioural_weights()` refuses a table that has drifted from the catalogue: an
assumption left unsorted, a name that is not an assumption, a range outside the field's bounds or not
holding the default. `python -m experiments.weights morris|sobol NAME...|table` writes the study's specs or the table.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Literal

from model.parameters import ModelParameters


@dataclass(frozen=True)
class Weight:
    """A behavioural weight's range for a sensitivity study, and why that range."""

    low: float
    high: float
    basis: str
    distribution: Literal["uniform", "loguniform"] = "uniform"


# Range rules (the `basis` of each entry): "doc" = the range docs/calibration.md gives; "x2" = from half to
# double the default (loguniform: a scale with no source is as likely to be off by a factor either way);
# "+-50%" = the default plus or minus half of it (shares and probabilities, within [0, 1]); "+-1.5" = the
# default plus or minus 1.5 utility units (a logit intercept: about a factor 4.5 on the odds); "order" =
# thresholds kept in their required order (read-only < degraded < strained).
X2 = "x2"
HALF = "+-50%"
WEIGHTS: dict[str, Weight] = {
    # Corporations: the support choice (logit) and its follow-through
    "support_base_utility": Weight(-3.0, 0.0, "+-1.5"),
    "norm_weight": Weight(0.5, 2.0, X2, "loguniform"),
    "memory_weight": Weight(0.5, 2.0, X2, "loguniform"),
    "regulation_weight": Weight(2.5, 10.0, X2, "loguniform"),
    "cost_weight": Weight(5.0, 20.0, X2, "loguniform"),
    "downturn_donation_penalty": Weight(1.0, 4.0, X2, "loguniform"),
    "paid_tier_base_utility": Weight(-0.5, 2.5, "+-1.5"),
    "downturn_payment_cut": Weight(0.1, 0.3, HALF),
    "opex_renewal_prob": Weight(0.5, 0.95, "+-0.25, capped below certainty"),
    "incident_memory_half_life_years": Weight(1.0, 3.0, "doc (range 1-3 years)"),
    "service_incident_memory_per_week": Weight(0.01, 0.04, X2, "loguniform"),
    "incident_harm_reference_usd": Weight(2.5e6, 1e7, X2, "loguniform"),
    "consumer_defence_adoption_per_year": Weight(0.05, 0.2, X2, "loguniform"),
    # Heavy consumers' responses to charges (logit)
    "response_inertia_utility": Weight(0.5, 2.0, X2, "loguniform"),
    "response_cost_scale_usd_per_year": Weight(15_000.0, 60_000.0, X2, "loguniform"),
    # Owners (stewards): the budget rule and the distress thresholds
    "steward_responsiveness": Weight(0.5, 1.0, "doc (the borrowed-time sweep's 0.5-1.0)"),
    "steward_capacity_multiplier": Weight(0.5, 3.0, "doc (1-3 in the borrowed-time sweep), and below 1", "loguniform"),
    "steward_reserve_rebuild_years": Weight(1.5, 6.0, X2, "loguniform"),
    "strained_cost_cut_share": Weight(0.1, 0.3, HALF),
    "strained_runway_months": Weight(3.0, 6.0, "order"),
    "degraded_runway_months": Weight(1.5, 2.5, "order"),
    "read_only_runway_months": Weight(0.5, 1.25, "order"),
    "status_recovery_margin_months": Weight(1.0, 4.0, X2, "loguniform"),
    "security_cut_when_degraded": Weight(0.25, 0.75, HALF),
    "security_target_utilisation": Weight(0.6, 0.9, "0.8 -0.2/+0.1 (a queue is unstable near 1)"),
    "workload_trend_weeks": Weight(6.5, 26.0, X2, "loguniform"),
    # Security work: capacities per FTE and per dollar
    "reports_per_security_fte_week": Weight(50.0, 200.0, X2, "loguniform"),
    "mitigation_capacity_per_staff_usd": Weight(0.15, 0.6, X2, "loguniform"),
    "spam_report_weight": Weight(0.01, 0.04, X2, "loguniform"),
    "uploads_per_report_equivalent": Weight(2500.0, 10_000.0, X2, "loguniform"),
    # Funders
    "umbrella_registry_share": Weight(0.075, 0.225, HALF),
    "umbrella_need_share": Weight(0.25, 0.75, HALF),
    "umbrella_donor_return_prob": Weight(0.25, 0.75, HALF),
    "umbrella_donor_renewal_prob": Weight(0.7, 0.95, "doc (range 0.7-0.95)"),
    "inkind_renewal_prob": Weight(0.85, 0.98, "doc (range 0.85-0.98)"),
    # Developers: moving registry
    "switching_hazard_per_week": Weight(0.005, 0.02, X2, "loguniform"),
    "switching_cost_mean": Weight(1.5, 6.0, X2, "loguniform"),
    "switching_hours": Weight(8.0, 32.0, X2, "loguniform"),
    "switching_payback_years": Weight(1.5, 6.0, X2, "loguniform"),
    "fee_weight": Weight(0.5, 2.0, X2, "loguniform"),
    "security_weight": Weight(0.5, 2.0, X2, "loguniform"),
    "peer_weight": Weight(1.5, 6.0, X2, "loguniform"),
    "network_weight": Weight(0.15, 0.6, X2, "loguniform"),
    "organisation_value_usd_per_member_per_year": Weight(15.0, 60.0, X2, "loguniform"),
    # Alternatives' sponsors: entry, exit and renewal thresholds
    "alt_entry_demand_share": Weight(0.01, 0.04, X2, "loguniform"),
    "alt_exit_developer_share": Weight(0.001, 0.004, X2, "loguniform"),
    "alt_sponsor_renewal_share": Weight(0.005, 0.02, X2, "loguniform"),
    # Attackers
    "malware_publishing_elasticity": Weight(0.0, 1.0, "doc (range 0-1)"),
    "unwatched_malware_attraction": Weight(1.0, 4.0, X2, "loguniform"),
}

COST = "cost structure or a price (how costs scale, what a response costs), not a choice"
SCALE = "scale of the sample or of money (what the sampled agents stand for, a budget)"
EVENTS = "an event rate or a shock's setting (how often the world changes, not how agents respond)"
TECHNICAL = "technical efficacy or a physical share (what a tool or a mirror achieves)"
SPREAD = "a heterogeneity spread (the shape of a distribution around a weight, not the weight)"
DURATION = "a duration or calendar setting (weeks, years, contract lengths)"
ALTERNATIVE = "an alternative registry's set-up (staff, reserves, build cost, reach)"
HARM = "a valuation of damage or of malware's reach (an outcome's scale, not a decision)"
OTHER_ASSUMPTIONS: dict[str, str] = {
    "cost_scaling_exponent": COST,
    "start_grant_fte": SCALE,
    "compute_scaling_exponent": COST,
    "mitigation_scaling_exponent": COST,
    "infrastructure_price_decline_per_year": COST,
    "malware_growth_per_year": EVENTS,
    "slopsquatting_per_1k_new_packages": EVENTS,
    "removal_hours_unstaffed": TECHNICAL,
    "removal_utilisation_ceiling": TECHNICAL,
    "removal_automation_exponent": TECHNICAL,  # what triage tooling achieves at scale; added after the screening ran
    "staff_notice_weeks": DURATION,
    "hiring_delay_weeks": DURATION,
    "inkind_replacement_weeks": DURATION,
    "umbrella_miss_prob_per_year": EVENTS,
    "corporations_represented": SCALE,
    "corporate_developers_median": SCALE,
    "firm_size_sigma": SPREAD,
    "it_budget_usd_per_developer": SCALE,
    "opex_contract_years": DURATION,
    "downturn_prob_per_year": EVENTS,
    "throttle_cost_usd_per_million_downloads": COST,
    "waste_share": TECHNICAL,
    "cache_cost_usd_per_year": COST,
    "move_cost_usd_per_year": COST,
    "mirror_origin_cut": TECHNICAL,
    "consortium_budget_usd_per_year": SCALE,
    "hyperscaler_cache_cost_usd_per_year": COST,
    "publish_rate_sigma": SPREAD,
    "package_years": DURATION,
    "token_hygiene_concentration": SPREAD,
    "fee_sensitivity_sigma": SPREAD,
    "security_awareness_beta": SPREAD,
    "switching_cost_sigma": SPREAD,
    "alt_entry_reach_share": ALTERNATIVE,
    "alt_reach_discount": ALTERNATIVE,
    "scanner_full_coverage_reach_share": TECHNICAL,
    "alt_hygiene_factor": ALTERNATIVE,
    "alt_volunteer_security_fte": ALTERNATIVE,
    "alt_sustained_demand_weeks": DURATION,
    "alt_build_weeks": DURATION,
    "alt_build_cost_usd": ALTERNATIVE,
    "alt_reserve_months": ALTERNATIVE,
    "alt_sponsor_review_weeks": DURATION,
    "alt_sponsor_commitment_years": DURATION,
    "alt_volunteer_cover": ALTERNATIVE,
    "alt_ops_fte": ALTERNATIVE,
    "alt_security_fte": ALTERNATIVE,
    "detection_sigma": SPREAD,
    "malware_draw_vs_average_package": HARM,
    "spam_detection_median_hours": TECHNICAL,
    "spam_download_factor": HARM,
    "harm_usd_per_malicious_download": HARM,
    "consumer_defended_share_start": TECHNICAL,
    "consumer_defence_block_share": TECHNICAL,
    "worm_token_theft_prob": EVENTS,
    "worm_detection_sigma": EVENTS,
    "worm_spill_prob": EVENTS,
    "worm_containment_factor": EVENTS,
    "worm_containment_max_hours": EVENTS,
    "worm_max_packages": EVENTS,
    "worm_popularity_factor": EVENTS,
    "company_publisher_share": SCALE,
}


def assumption_names() -> list[str]:
    """Every parameter the catalogue tags `assumption`, in catalogue order."""
    return [
        name
        for name, field in ModelParameters.model_fields.items()
        if (field.json_schema_extra or {}).get("kind") == "assumption"
    ]


def _bounds(name: str) -> tuple[float | None, float | None]:
    """A field's allowed bounds (ge/gt, le/lt) from the catalogue."""
    low = high = None
    for item in ModelParameters.model_fields[name].metadata:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        low = getattr(item, "gt", None) if getattr(item, "gt", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
        high = getattr(item, "lt", None) if getattr(item, "lt", None) is not None else high
    return low, high


def check_table() -> list[str]:
    """What is wrong with the weight table against the catalogue (an empty list when it agrees)."""
    assumptions = set(assumption_names())
    problems = [
        f"{name}: assumption neither a weight nor classed"
        for name in assumptions - set(WEIGHTS) - set(OTHER_ASSUMPTIONS)
    ]
    problems += [
        f"{name}: not an assumption in the catalogue" for name in (set(WEIGHTS) | set(OTHER_ASSUMPTIONS)) - assumptions
    ]
    problems += [f"{name}: both a weight and classed otherwise" for name in set(WEIGHTS) & set(OTHER_ASSUMPTIONS)]
    for name, weight in WEIGHTS.items():
        if name not in assumptions:
            continue
        default = ModelParameters.model_fields[name].default
        low, high = _bounds(name)
        if not weight.low < weight.high:
            problems.append(f"{name}: range [{weight.low}, {weight.high}] is empty")
        if not weight.low <= default <= weight.high:
            problems.append(f"{name}: range [{weight.low}, {weight.high}] does not hold the default {default}")
        if (low is not None and weight.low < low) or (high is not None and weight.high > high):
            problems.append(f"{name}: range [{weight.low}, {weight.high}] leaves the field's bounds [{low}, {high}]")
        if weight.distribution == "loguniform" and weight.low <= 0:
            problems.append(f"{name}: a loguniform range must be positive")
    return sorted(problems)


def behavioural_weights() -> dict[str, Weight]:
    """The behavioural weights in catalogue order, refusing a table that has drifted from the catalogue."""
    problems = check_table()
    if problems:
        raise ValueError("weight table and parameter catalogue disagree: " + "; ".join(problems))
    return {name: WEIGHTS[name] for name in assumption_names() if name in WEIGHTS}


HEADER = {
    "morris": """# Morris screening of every unsourced behavioural weight (experiments/weights.py) on the status quo.
# Generated by `python -m experiments.weights morris`; do not edit by hand (tests check it matches the table).
# r = {samples} trajectories of D + 1 = {points} points: {runs} runs of {years} years, one seed for all
# (common random numbers), so the effects describe the model at fixed random draws.
name = "weights-morris"
description = "Which unsourced behavioural weights move the status quo's insolvencies, runway, removal delay, defection, harm and corporate money?"
""",
    "sobol": """# Sobol indices of the behavioural weights that matter most in weights-morris, on the status quo.
# Generated by `python -m experiments.weights sobol NAME...`; the other weights stay at their defaults.
# N = {samples} base samples x (D + 2) = {runs} runs of {years} years, one seed for all (common random numbers).
name = "weights-sobol"
description = "Sobol indices of the status quo's findings on the behavioural weights that Morris ranked highest."
""",
}

FINAL_OUTCOMES = (
    "insolvencies",
    "years_to_first_insolvency",
    "years_to_insolvency_pypi",
    "years_to_insolvency_crates",
    "years_to_insolvency_rubygems",
    "incumbents_runway_falling",
    "removal_median_hours_pooled.mean",
    "share_developers_on_alternatives",
    "corporate_harm_usd.sum",
    "corporate_support_usd.sum",
)
YEARLY_OUTCOMES = ("registries_shut_down", "corporate_support_usd.sum")


def spec_text(kind: str, names: list[str] | None = None, samples: int = 10, years: int = 10, seed: int = 15) -> str:
    """The TOML text of a status-quo spec varying `names` (default: every weight) by Morris or Sobol."""
    weights = behavioural_weights()
    names = list(weights) if names is None else names
    unknown = [name for name in names if name not in weights]
    if unknown:
        raise ValueError(f"not behavioural weights: {', '.join(unknown)}; allowed: {', '.join(weights)}")
    points = len(names) + (1 if kind == "morris" else 2)
    lines = [HEADER[kind].format(samples=samples, points=points, runs=samples * points, years=years)]
    lines += [f'scenario = "status-quo"\nyears = {years}\nreplications = 1\nseed = {seed}\n']
    design = f'[design]\nkind = "{kind}"\nsamples = {samples}\n'
    lines.append(design + ("levels = 4\n" if kind == "morris" else "second_order = false\n"))
    for name in names:
        weight = weights[name]
        lines.append(f"[parameters.{name}]  # {weight.basis}")
        lines.append(f"range = [{weight.low!r}, {weight.high!r}]")
        if weight.distribution == "loguniform":
            lines.append('distribution = "loguniform"')
        lines.append("")
    quoted = ", ".join(f'"{name}"' for name in FINAL_OUTCOMES)
    lines.append(f"[outcomes]\nfinal = [{quoted}]")
    lines.append("yearly = [" + ", ".join(f'"{name}"' for name in YEARLY_OUTCOMES) + "]\n")
    return "\n".join(lines)


def markdown_table() -> str:
    """The weights as a markdown table: name, default, range, scale and the range's basis."""
    lines = ["| Weight | Default | Range | Scale | Range chosen by |", "|---|---|---|---|---|"]
    for name, weight in behavioural_weights().items():
        default = ModelParameters.model_fields[name].default
        scale = "log" if weight.distribution == "loguniform" else "linear"
        lines.append(f"| `{name}` | {default:g} | {weight.low:g} – {weight.high:g} | {scale} | {weight.basis} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the Morris spec (`morris`), a Sobol spec over the named weights (`sobol NAME...`) or the table."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["table"]:
        sys.stdout.write(markdown_table())
        return 0
    if not args or args[0] not in ("morris", "sobol") or (args[0] == "sobol" and len(args) < 2):
        print("usage: python -m experiments.weights morris | sobol NAME... [--samples N] | table", file=sys.stderr)
        return 2
    samples = 10 if args[0] == "morris" else 32  # Sobol's N must be a power of 2
    if "--samples" in args:
        at = args.index("--samples")
        samples = int(args[at + 1])
        args = args[:at] + args[at + 2 :]
    try:
        text = spec_text(args[0], args[1:] or None, samples=samples)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
