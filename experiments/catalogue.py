"""The metric catalogue: label, unit, range and meaning of every outcome, and how figures and tables show it.

Every column of the `model` and `registries` frames has one entry here, with its unit and meaning
as `docs/outputs.md` gives them (`tests/test_catalogue.py` checks that the two agree and that every
reported column has an entry); the derived whole-run metrics of `experiments/metrics.py` have
theirs too. `outcome_info` turns an outcome name (`npm.removal_median_hours.mean`) into a title,
an axis label with its unit, a display scale (dollars as $M, shares as %) and the range a value
can take (bands are clipped to it). Parameters are described from the parameter catalogue
(`model/parameters.py`): `parameter_info` reads their description, bounds and type there.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass

import pandas as pd

from agents.registry import COST_ITEMS
from model.catalogue import REGISTRIES
from model.parameters import ModelParameters

INF = float("inf")


@dataclass(frozen=True)
class Column:
    """One output column: a short label, its unit and meaning as in docs/outputs.md, and its range."""

    name: str
    label: str
    unit: str  # as docs/outputs.md writes it
    description: str  # docs/outputs.md's meaning, as plain text
    flow: bool = False  # a quantity per week: summed over weeks it is a total
    lower: float = 0.0
    upper: float = INF
    whole: bool = False  # counts of things


MODEL_COLUMNS = (
    Column(
        "consumer_charges_usd",
        "Heavy consumers' payments for charges",
        "USD/week",
        "Tier, usage-charge and paid-mirror revenue received by incumbents this week (docs/model.md 7.18).",
        flow=True,
    ),
    Column(
        "consortium_usd",
        "Hyperscaler consortium payments",
        "USD/week",
        "What the hyperscaler consortium paid this week.",
        flow=True,
    ),
    Column(
        "heavy_share_use",
        "Heavy firms using registries as they are",
        "share",
        "Of the (heavy firm, registry) pairs where a heavy firm uses a registry: the share at which it uses it as it is (paying any charge, bearing any limit). The five heavy_share_* sum to 1.",
        upper=1.0,
    ),
    Column(
        "heavy_share_cache",
        "Heavy firms caching",
        "share",
        "Of the (heavy firm, registry) pairs where a heavy firm uses a registry: the share at which it caches or mirrors it itself. The five heavy_share_* sum to 1.",
        upper=1.0,
    ),
    Column(
        "heavy_share_tier",
        "Heavy firms on the enterprise tier",
        "share",
        "Of the (heavy firm, registry) pairs where a heavy firm uses a registry: the share at which it holds the enterprise tier. The five heavy_share_* sum to 1.",
        upper=1.0,
    ),
    Column(
        "heavy_share_mirror",
        "Heavy firms on a paid mirror",
        "share",
        "Of the (heavy firm, registry) pairs where a heavy firm uses a registry: the share at which it subscribes to the registry's paid mirror. The five heavy_share_* sum to 1.",
        upper=1.0,
    ),
    Column(
        "heavy_share_move",
        "Heavy firms moved to an alternative",
        "share",
        "Of the (heavy firm, registry) pairs where a heavy firm uses a registry: the share at which it has moved to an alternative. The five heavy_share_* sum to 1.",
        upper=1.0,
    ),
    Column(
        "harmful_downloads",
        "Harmful malicious downloads",
        "downloads/week",
        "Corporate downloads of live malware that consumers' defences did not stop: malware_downloads × corporate_download_share × the undefended share (model.md 7.16), plus the same for the trojan downloads of worms that started this week. A harm index: divide a run's by the status quo's.",
        flow=True,
    ),
    Column(
        "support_share_none",
        "Firms not supporting any registry",
        "share of firms (0–1)",
        "Sampled firms that do not support any registry, after this week's decisions.",
        upper=1.0,
    ),
    Column(
        "support_share_donation",
        "Firms donating",
        "share of firms",
        "Firms in donation mode (a yearly discretionary payment).",
        upper=1.0,
    ),
    Column(
        "support_share_opex",
        "Firms on opex contracts",
        "share of firms",
        "Firms holding an opex support contract.",
        upper=1.0,
    ),
    Column(
        "support_share_paid",
        "Firms on a paid tier",
        "share of firms",
        "Firms buying a paid (enterprise) tier. The four shares sum to 1.",
        upper=1.0,
    ),
    Column(
        "largest_funder_share",
        "Largest payer's share of money",
        "share (0–1)",
        "Share of all money paid to registries over the last 52 weeks (up to and including this week) that came "
        "from the single largest payer. Payers are each incumbent's steward, each sampled corporation, each umbrella "
        "funder and the public funder; publisher fees and alternatives' sponsor payments are excluded. Stewards "
        "count as payers, so with defaults npm's steward (GitHub) dominates (about 0.65–0.70).",
        upper=1.0,
    ),
    Column(
        "umbrella_budget_usd_per_year",
        "Umbrella funders' budget",
        "USD/year",
        "Sum of the umbrella funders' current yearly budgets, after donor lapses; before the registry share is taken.",
    ),
    Column(
        "grants_usd",
        "Grant revenue",
        "USD/week",
        "Grant revenue received by all registries this week (umbrella and public funders).",
        flow=True,
    ),
    Column(
        "corporate_support_usd",
        "Corporate support received",
        "USD/week",
        "Donation plus opex revenue received by all registries this week (after each registry's support scale and, "
        "for opex, cost index). Excludes paid tiers. Firms pay a year at once at their budget week, so this column "
        "is spiky.",
        flow=True,
    ),
    Column(
        "corporate_support_offered_usd",
        "Corporate support offered",
        "USD/week",
        "Donations and opex payments firms made this week (in step 6), whether or not the registry could receive "
        "them (a shut-down registry receives nothing). They appear in corporate_support_usd the following week. "
        "Used to compare money levels across scenarios.",
        flow=True,
    ),
    Column(
        "total_cash_usd",
        "Cash reserves, all registries",
        "USD",
        "Sum of all registries' cash reserves at the end of the week (alternatives included).",
    ),
    Column(
        "removal_median_hours_pooled",
        "Removal delay, pooled median",
        "hours",
        "Median time from identification to removal over all malware: the median of the open registries' "
        "lognormal delay distributions (alternatives included), weighted by their malware reports this week. "
        "Shut-down registries and registries with no reports are left out; NaN if none is left.",
    ),
    Column(
        "registries_shut_down",
        "Registries shut down",
        "registries",
        "Registries that have shut down: insolvent incumbents plus failed alternatives (0–10).",
        upper=10,
        whole=True,
    ),
    Column(
        "downturn",
        "Economic downturn",
        "flag",
        "Whether the current year is an economic downturn.",
        upper=1.0,
    ),
    Column(
        "cumulative_malicious_identified",
        "Malicious packages identified, cumulative",
        "packages",
        "Malicious and spam packages identified at all registries since the start of the run (a running total; "
        "worm versions excluded). The history preset is calibrated on its last value (about 845,000).",
    ),
    Column(
        "malware_downloads",
        "Malware downloads",
        "downloads",
        "Downloads of the malicious and spam packages that arrived this week at all registries, over their whole "
        "live time (booked in the arrival week; spam weighted 0.1). Excludes worms' trojan downloads (see worms).",
        flow=True,
    ),
    Column(
        "corporate_harm_usd",
        "Corporate harm",
        "USD/week",
        "Harm to corporations this week: harmful_downloads × harm_usd_per_malicious_download (an assumption, bounded 0.01–10 USD; compare runs by harmful_downloads, not by dollars).",
        flow=True,
    ),
    Column(
        "share_developers_on_alternatives",
        "Developers on alternative registries",
        "share (0–1)",
        "Share of all sampled developers whose home is an alternative registry, after this week's switching.",
        upper=1.0,
    ),
    Column(
        "share_new_packages_on_alternatives",
        "New packages on alternative registries",
        "share (0–1)",
        "Share of this week's new packages published on alternatives (counted even when an alternative is "
        "read-only and does not accept them). In an alternative's entry week its value is the alternative's "
        "reference figure, not its developers' (an artefact; see registries).",
        upper=1.0,
    ),
    Column(
        "alternatives_open",
        "Alternative registries open",
        "registries",
        "Alternatives that have entered and not failed (0–5).",
        upper=5,
        whole=True,
    ),
    Column(
        "worm_outbreaks",
        "Worm outbreaks so far",
        "outbreaks",
        "Worm outbreaks so far (cumulative; equals the rows of worms with start_time up to this week).",
        whole=True,
    ),
)

_REVENUE = {
    "organisations": (
        "Organisation-seat revenue",
        "Organisation seats bought by companies for their publishers (organisation_usd_per_member_per_year; community organisations are free).",
    ),
    "usage": (
        "Usage-charge revenue",
        "Usage charges heavy consumers paid for a year of downloads above their free allowance, at their budget week (50 real firms per sampled firm).",
    ),
    "mirror": (
        "Paid-mirror revenue",
        "The registry's paid mirror service, bought by heavy consumers for a year at their budget week.",
    ),
    "consortium": (
        "Consortium revenue",
        "The hyperscaler consortium's payment for its members' downloads this week (up to its yearly budget).",
    ),
    "appeal": (
        "Emergency-appeal revenue",
        "A one-off emergency appeal when the registry leaves health (at most once a year; model.md 7.5).",
    ),
    "donation": (
        "Donation revenue",
        "Corporate donations: a fixed sum paid once a year per firm, at its budget week; arrives the week after.",
    ),
    "opex": (
        "Opex-contract revenue",
        "Corporate opex contracts: invoiced once a year per firm at its budget week, priced by the registry's cost "
        "index; arrives the week after.",
    ),
    "grant": ("Grant revenue", "Umbrella-funder and public-funder grants. All of it funds security staff."),
    "fees": (
        "Fee revenue",
        "Publisher fees: per-package fees and publisher subscriptions (incumbents in fee_registries only).",
    ),
    "paid_tier": (
        "Paid-tier revenue",
        "Enterprise (paid) tier bought by heavy consumers, paid at the firm's budget week: bought as support (the logit), the price × the registry's support_scale, like other voluntary corporate money; bought to escape usage charges or rate limits, a year's price for the 50 real firms each sampled firm stands for (docs/model.md 7.11, 7.18).",
    ),
    "steward": (
        "Steward budget",
        "The steward's weekly budget (foundation or parent company). For an alternative: its sponsor's payment of "
        "whatever cash cost its other revenue does not cover.",
    ),
}
COST_DESCRIPTION = (
    "Cash paid for the item this week: the fully costed item less its in-kind cover. In the week a registry shuts "
    "down, every item is scaled down to what it could pay."
)
INKIND_DESCRIPTION = (
    "In-kind cover of the item this week: CDN (bandwidth), cloud credits (bandwidth, storage, compute), volunteer "
    "labour (malware mitigation, other). inkind_staff_usd is always 0."
)

REGISTRY_COLUMNS = (
    Column(
        "removal_wait_hours",
        "Wait behind the removal backlog",
        "hours",
        "Wait behind the backlog carried over to next week (0 unless arrivals exceeded capacity).",
    ),
    Column("removal_backlog_reports", "Removal backlog", "reports", "Reports carried over to next week."),
    Column(
        "security_capacity_reports_per_week",
        "Security capacity",
        "reports/week",
        "Reports the registry can serve a week: (security staff + tooling staff-equivalents) × reports per FTE-week (reports_per_security_fte_week, raised by automation at scale).",
    ),
    Column(
        "queue_utilisation",
        "Removal queue utilisation",
        "share",
        "This week's reports over capacity (above 1: the backlog grows).",
        upper=1.0,
    ),
    Column(
        "mitigation_unfunded_usd",
        "Mitigation work not funded",
        "USD/week",
        "Cash malware-mitigation work wanted this week that its owner's mitigation budget did not pay for, so it was "
        "not done (model.md 7.4). Not in cost_malware_mitigation_usd.",
        flow=True,
    ),
    Column(
        "steward_capacity_usd_per_year",
        "Owner's fundraising capacity",
        "USD/year",
        "The owner's fundraising capacity for the registry: the most its steward budget can be (model.md 7.4).",
    ),
    Column(
        "cash_usd",
        "Cash reserves",
        "USD",
        "Cash reserves at the end of the week. An alternative's cash stays at its entry level (its sponsor pays its "
        "bills).",
    ),
    Column(
        "runway_months",
        "Runway",
        "months",
        "Cash ÷ this week's cash cost expressed per month (× 52/12). 0 when shut down.",
    ),
    *(
        Column(f"revenue_{source}_usd", label, "USD/week", text, flow=True)
        for source, (label, text) in _REVENUE.items()
    ),
    *(
        Column(f"cost_{item}_usd", f"Cash cost: {item.replace('_', ' ')}", "USD/week", COST_DESCRIPTION, flow=True)
        for item in COST_ITEMS
    ),
    *(
        Column(
            f"inkind_{item}_usd", f"In-kind cover: {item.replace('_', ' ')}", "USD/week", INKIND_DESCRIPTION, flow=True
        )
        for item in COST_ITEMS
    ),
    Column(
        "downloads",
        "Downloads served",
        "downloads/week",
        "Downloads served this week: demand less what heavy consumers cache, throttle, take to a mirror or move (model.md 7.18), less the rate-limited share (rate_limit_demand_cut) when strained, degraded or read-only; 0 when shut down. An alternative's demand is set from its incumbent's and its package share (model.md 7.1).",
        flow=True,
    ),
    Column("packages", "Packages", "packages", "Stock of packages (never falls; an alternative starts at 0)."),
    Column(
        "security_fte",
        "Security staff",
        "FTE",
        "Security staff on payroll at the end of the week (own and grant-funded; excludes hires still in the hiring "
        "delay; includes staff serving notice).",
    ),
    Column(
        "workload_reports_per_week",
        "Security workload",
        "reports/week",
        "Security workload: this week's malware reports (arrivals including spam, plus packages of a worm that "
        "started here) plus uploads ÷ uploads_per_report_equivalent (uploads only while publishing is open).",
        flow=True,
    ),
    Column(
        "removal_median_hours",
        "Removal delay, median",
        "hours",
        "Median time from identification to removal at this registry: the removal queue's median at this week's utilisation (capped at 96 h) plus the wait behind its backlog at every registry, alternatives included, whose capacity adds volunteer security work (model.md 7.7); removal_hours_unstaffed once shut down. 0 in an alternative's entry week (not yet computed).",
    ),
    Column(
        "publishers",
        "Publishers",
        "publishing accounts",
        "Real publishers whose home is this registry this week (sampled developers × 135), counted before this "
        "week's switching. Summed over registries it is constant (1.35 M by default).",
    ),
    Column(
        "new_packages",
        "New packages",
        "packages/week",
        "New packages published by those developers this week. Recorded even when the registry is read-only (and "
        "the packages are not added). In an alternative's entry week: its profile's reference figure (incumbent's × "
        "alt_entry_reach_share), an artefact.",
        flow=True,
    ),
    Column(
        "malware_arrivals",
        "Malware arrivals",
        "packages/week",
        "Malicious packages (and, at npm, spam packages) arriving this week.",
        flow=True,
        whole=True,
    ),
    Column(
        "malware_identified",
        "Malware identified",
        "packages/week",
        "Packages identified this week, whenever they arrived.",
        flow=True,
        whole=True,
    ),
    Column(
        "malware_removed",
        "Malware removed",
        "packages/week",
        "Packages removed this week, whenever they arrived.",
        flow=True,
        whole=True,
    ),
    Column(
        "malware_live",
        "Live malware",
        "packages",
        "Packages arrived and not yet removed (identified or not) at the end of the week; 0 once shut down.",
        whole=True,
    ),
    Column(
        "malware_downloads",
        "Malware downloads",
        "downloads",
        "Whole-life downloads of this week's arrivals, booked in the arrival week (spam weighted 0.1).",
        flow=True,
    ),
    Column(
        "removal_hours_observed_median",
        "Removal delay, observed median",
        "hours",
        "Median of the removal delays (identification to removal) drawn for this week's arrivals; NaN when nothing "
        "arrived. A sample counterpart of removal_median_hours.",
    ),
)

DERIVED_COLUMNS = (
    Column("insolvencies", "Insolvencies", "events", "Insolvency events in the run.", upper=5, whole=True),
    Column(
        "incumbents_runway_falling",
        "Incumbents with a falling runway",
        "registries",
        "Incumbents whose last-week runway is below their first-week runway.",
        upper=5,
        whole=True,
    ),
    Column(
        "worm_packages_compromised",
        "Packages compromised by worms",
        "packages",
        "Packages compromised by all worm outbreaks in the run.",
        whole=True,
    ),
    Column(
        "worm_largest_outbreak_packages",
        "Largest worm outbreak",
        "packages",
        "Packages compromised by the largest worm outbreak (0 when there was none).",
        whole=True,
    ),
    Column(
        "worm_maintainers_compromised",
        "Maintainers compromised by worms",
        "maintainers",
        "Maintainers whose tokens were stolen, over all outbreaks.",
        whole=True,
    ),
    Column(
        "revenue_volatility",
        "Revenue volatility",
        "std of log yearly change",
        "Mean over registries of the standard deviation of log year-on-year changes in donation plus opex revenue.",
    ),
    Column(
        "years_to_first_insolvency",
        "Years to the first insolvency",
        "years",
        "Years from the start to the first insolvency of any incumbent; the run's length when there is none.",
    ),
    *(
        Column(
            f"years_to_insolvency_{name}",
            f"Years to {name}'s insolvency",
            "years",
            f"Years from the start to {name}'s insolvency; the run's length when it does not fail.",
        )
        for name in REGISTRIES.names
    ),
)

CATALOGUE: dict[str, Column] = {column.name: column for column in (*MODEL_COLUMNS, *DERIVED_COLUMNS)}
REGISTRY_CATALOGUE: dict[str, Column] = {column.name: column for column in REGISTRY_COLUMNS}


# --- How a quantity is shown ---------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """How a number is shown: multiplied by `scale`, in `unit` (for example USD as $M, a share as %)."""

    scale: float
    unit: str


def shown(unit: str) -> Shown:
    """The display of a docs unit: money in $M, shares in %, anything else as it is."""
    if unit.startswith("USD"):
        return Shown(1e-6, "$M" + unit.removeprefix("USD"))
    if unit.startswith("share") or unit == "flag":
        return Shown(100.0, "%")
    return Shown(1.0, {"hours": "h"}.get(unit, unit))


@dataclass(frozen=True)
class Info:
    """What a figure needs to show one quantity: title, axis label with unit, scale and range."""

    name: str
    title: str
    axis_label: str
    scale: float
    unit: str
    lower: float = -INF
    upper: float = INF
    whole: bool = False
    description: str = ""
    model_unit: str = ""  # the unit of the number in the data (USD, share (0–1), ...), before display scaling

    def scaled(self, values):
        """Values in display units."""
        return values * self.scale

    def clip(self, values):
        """Values (model units) clipped to the range the quantity can take."""
        return (
            values.clip(self.lower, self.upper) if hasattr(values, "clip") else min(max(values, self.lower), self.upper)
        )

    @property
    def range_text(self) -> str:
        """The range in display units, e.g. '[0, 100] %' or '[0, ∞)'."""
        low = "−∞" if self.lower == -INF else f"{self.lower * self.scale:g}"
        high = "∞)" if self.upper == INF else f"{self.upper * self.scale:g}]"
        return f"[{low}, {high}"


AGGREGATIONS = ("last", "sum", "mean", "max", "min")
_FINAL_PHRASE = {
    ("last", True): "in the last week",
    ("last", False): "at the end of the run",
    ("sum", True): "total over the run",
    ("sum", False): "summed over weeks",
    ("mean", True): "mean per week",
    ("mean", False): "mean over weeks",
    ("max", True): "highest week",
    ("max", False): "highest over weeks",
    ("min", True): "lowest week",
    ("min", False): "lowest over weeks",
}
_YEARLY_PHRASE = {
    ("last", True): "in each year's last week",
    ("last", False): "at the end of each year",
    ("sum", True): "per year",
    ("sum", False): "summed over each year's weeks",
    ("mean", True): "mean per week of each year",
    ("mean", False): "mean over each year",
    ("max", True): "highest week of each year",
    ("max", False): "highest in each year",
    ("min", True): "lowest week of each year",
    ("min", False): "lowest in each year",
}


def _split(name: str) -> tuple[str | None, str, str]:
    """An outcome name as (registry or None, column, aggregation)."""
    parts = name.split(".")
    aggregation = parts.pop() if len(parts) > 1 and parts[-1] in AGGREGATIONS else "last"
    registry = parts[0] if len(parts) == 2 else None
    return registry, parts[-1], aggregation


def column_entry(name: str, registry: bool = False) -> Column:
    """The catalogue entry of a model (or registry) column; a plain entry named after it if it has none."""
    table = REGISTRY_CATALOGUE if registry else CATALOGUE
    if name in table:
        return table[name]
    unit = "USD/week" if name.endswith("_usd") else "share (0–1)" if name.startswith("share") else "value"
    return Column(name, name.replace("_", " ").capitalize(), unit, "", flow=unit == "USD/week", lower=-INF)


def _unit_after(column: Column, aggregation: str, yearly: bool, display: bool = True) -> str:
    """The unit of a column once aggregated over weeks (shown or in the data): a weekly flow summed is a total."""
    display = shown(column.unit).unit if display else column.unit
    if not column.flow:
        return display
    amount = display.removesuffix("/week")
    if aggregation == "sum":
        return f"{amount} per year" if yearly else amount
    return f"{amount} per week"


def outcome_info(name: str, yearly: bool = False) -> Info:
    """Title, axis label (with unit), display scale and range of a named outcome (see `experiments/metrics.py`)."""
    if name in CATALOGUE and CATALOGUE[name] in DERIVED_COLUMNS:
        column = CATALOGUE[name]
        display = shown(column.unit)
        return Info(
            name,
            f"{column.label} (whole run)",
            f"{column.label} ({display.unit})",
            display.scale,
            display.unit,
            column.lower,
            column.upper,
            column.whole,
            column.description,
            column.unit,
        )
    registry, column_name, aggregation = _split(name)
    column = column_entry(column_name, registry=registry is not None)
    phrases = _YEARLY_PHRASE if yearly else _FINAL_PHRASE
    phrase = phrases[(aggregation, column.flow)]
    who = "" if registry is None else ("Incumbents (sum): " if registry == "incumbents" else f"{registry}: ")
    display = shown(column.unit)
    unit = _unit_after(column, aggregation, yearly)
    model_unit = _unit_after(column, aggregation, yearly, display=False)
    upper = column.upper
    if aggregation == "sum" or registry == "incumbents":
        upper = INF  # sums of weeks (or of registries) leave a share's or a count's upper bound
    whole = column.whole and aggregation in ("sum", "last", "max", "min")
    return Info(
        name,
        f"{who}{column.label}, {phrase}",
        f"{column.label} ({unit})",
        display.scale,
        unit,
        column.lower,
        upper,
        whole,
        column.description,
        model_unit,
    )


# --- Parameters, from the parameter catalogue -------------------------------------------------------

_UNIT_SUFFIXES = (
    ("_hours", "hours"),
    ("_weeks", "weeks"),
    ("_months", "months"),
    ("_years", "years"),
    ("_per_year", "per year"),
    ("_per_day", "per day"),
    ("_per_week", "per week"),
    ("_per_hour", "per hour"),
    ("_year", "calendar year"),
    ("_week", "week of the run"),
)


def parameter_bounds(name: str) -> tuple[float | None, float | None]:
    """A parameter's lower and upper bounds from the parameter catalogue (None where it has none)."""
    low = high = None
    for item in ModelParameters.model_fields[name].metadata:
        for attribute in ("ge", "gt"):
            if getattr(item, attribute, None) is not None:
                low = getattr(item, attribute)
        for attribute in ("le", "lt"):
            if getattr(item, attribute, None) is not None:
                high = getattr(item, attribute)
    return low, high


def parameter_types(name: str) -> tuple[type, ...]:
    """The Python types a parameter takes (None left out), from the parameter catalogue."""
    annotation = ModelParameters.model_fields[name].annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return tuple(kind for kind in typing.get_args(annotation) if kind is not type(None))
    if typing.get_origin(annotation) is typing.Literal:
        return tuple({type(value) for value in typing.get_args(annotation)})
    return (annotation,)


def parameter_unit(name: str) -> str:
    """A parameter's unit, from its name (`_usd`, `_hours`, ...) or its type (a share in [0, 1])."""
    kinds = parameter_types(name)
    if bool in kinds:
        return "true/false"
    if "_usd" in name:
        per = name.split("_usd", 1)[1].removeprefix("_per_")
        return f"USD/{per.replace('_', ' ')}" if per else "USD"
    if "_hours_" in name:
        return "hours"
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return unit
    low, high = parameter_bounds(name)
    if float in kinds and low == 0 and high == 1:
        return "share (0–1)"
    if name.startswith("n_"):
        return name.removeprefix("n_").replace("_", " ")
    return "dimensionless"


def parameter_label(name: str) -> str:
    """A short label: the explorer control's label if the parameter has one, else the start of its description."""
    control = (ModelParameters.model_fields[name].json_schema_extra or {}).get("control")
    if control:
        return control["label"]
    text = ModelParameters.model_fields[name].description or name.replace("_", " ")
    text = re.sub(r"^(Lever|Shock):\s*", "", text).strip()
    text = re.split(r"[.;]\s", re.sub(r"\s*\([^)]*\)", "", text) + " ")[0].strip().rstrip(".,:")
    if len(text) > 60:
        text = text[:60].rsplit(" ", 1)[0] + "…"
    return text[:1].upper() + text[1:]


def parameter_info(name: str, values=None) -> Info:
    """Title, axis label with unit and display scale of a model parameter (money in $ or $M by its values)."""
    unit = parameter_unit(name)
    display = shown(unit) if unit != "calendar year" else Shown(1.0, unit)
    if unit.startswith("USD"):
        default = ModelParameters.model_fields[name].default
        sample = values if values is not None and len(values) else [default if isinstance(default, float | int) else 0]
        largest = float(pd.Series(sample, dtype=float).abs().max())
        rest = unit.removeprefix("USD")
        display = Shown(1e-6, f"$M{rest}") if largest >= 1e5 else Shown(1.0, f"${rest}")
    low, high = parameter_bounds(name)
    label = parameter_label(name)
    return Info(
        name,
        f"{label} [{name}]",
        f"{label} ({display.unit})",
        display.scale,
        display.unit,
        -INF if low is None else float(low),
        INF if high is None else float(high),
        int in parameter_types(name),
        ModelParameters.model_fields[name].description or "",
        unit,
    )


def units_table() -> pd.DataFrame:
    """Every catalogued column: frame (model, registries or derived), name, label, unit, range and meaning."""
    rows = []
    for frame, columns in (("model", MODEL_COLUMNS), ("registries", REGISTRY_COLUMNS), ("derived", DERIVED_COLUMNS)):
        for column in columns:
            rows.append(
                {
                    "frame": frame,
                    "name": column.name,
                    "label": column.label,
                    "unit": column.unit,
                    "weekly_flow": column.flow,
                    "lower": column.lower,
                    "upper": column.upper,
                    "description": column.description,
                }
            )
    return pd.DataFrame(rows)


RUN_COLUMNS = {
    "run_id": ("–", "Run id: <point_id>-<replication>-<policy>."),
    "point_id": ("–", "Design point (scenario), in design order."),
    "replication": ("–", "Replication; it keys the run's seed."),
    "policy": ("–", "Policy: baseline, a named policy, or one drawn from the levers (levers-<k>)."),
    "seed_entropy": ("–", "Root seed of the run's numpy SeedSequence."),
    "seed_spawn_key": ("–", "Spawn key of the run's SeedSequence, dot-separated."),
    "run_hash": ("–", "Hash of what the run computes (scenario, years, overrides, seed, outcomes)."),
    "status": ("–", "ok or failed."),
    "error": ("–", "The error of a failed run."),
    "duration_s": ("seconds", "Wall time of the run in its worker."),
}


def _units_of(name: str) -> dict[str, str] | None:
    """Unit and description of one column of a runs table: bookkeeping, a parameter, or an outcome."""
    from experiments.metrics import check_outcome

    if name in RUN_COLUMNS:
        unit, description = RUN_COLUMNS[name]
        return {"unit": unit, "description": description}
    if name in ModelParameters.model_fields:
        info = parameter_info(name)
        return {"unit": info.model_unit, "description": info.description}
    try:
        check_outcome(name, yearly=False)
    except ValueError:
        return None
    info = outcome_info(name)
    return {"unit": info.model_unit, "description": f"{info.title}. {info.description}".strip()}


def column_units(columns: list[str]) -> dict[str, dict[str, dict[str, str]]]:
    """Units and descriptions of a runs table's columns, for its Parquet schema."""
    return {"columns": {name: entry for name in columns if (entry := _units_of(name))}}


def series_units(series: pd.DataFrame) -> dict[str, dict]:
    """Units of a series table: its columns, and the unit of `value` for each metric (a yearly aggregation)."""
    metrics = sorted(set(series["metric"])) if "metric" in series else []
    units = {name: outcome_info(name, yearly=True).model_unit for name in metrics}
    columns = {
        "year": {"unit": "calendar year", "description": "Calendar year the value summarizes."},
        "value": {
            "unit": "per metric",
            "description": "The metric's yearly value; its unit by metric is in 'metrics'.",
        },
    }
    return {"columns": columns, "metrics": units}
