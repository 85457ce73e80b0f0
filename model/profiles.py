"""Sourced starting profiles of the five incumbent registries (values for 2026).

Each number names its source key in `docs/calibration.md` (the `source` notes below are
short forms). Where a number is an assumption, the note says so. Values are for the start
of 2026; a run that starts earlier (the history scenario) scales them back along each
registry's growth rate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

#: Winser (2026): running a crates.io-size registry (~125 B downloads/yr) costs $5-8 M/yr.
CRATES_FULL_COST_USD = 6_500_000
CRATES_DOWNLOADS_PER_WEEK = 125e9 / 52
#: Fully costed cost scales as downloads ** 0.6 across registries (assumption, facts 3).
COST_SCALING_EXPONENT = 0.6

#: Fully costed cost shares at the start (Winser / Alpha-Omega 2026); staff + other is the rest.
COST_SHARES = {"bandwidth": 0.25, "storage": 0.18, "compute": 0.15, "malware_mitigation": 0.12}


def full_cost_from_downloads(downloads_per_week: float) -> float:
    """Fully costed USD per year of a registry, scaled from the crates.io anchor."""
    ratio = downloads_per_week / CRATES_DOWNLOADS_PER_WEEK
    return CRATES_FULL_COST_USD * ratio**COST_SCALING_EXPONENT


@dataclass(frozen=True)
class RegistryProfile:
    """Starting state and structural constants of one registry."""

    name: str
    label: str
    downloads_per_week: float  # requests served per week, start of 2026
    download_growth_per_year: float  # yearly growth rate of downloads
    packages: float  # package (project) stock
    new_packages_per_week: float
    uploads_per_week: float  # files or versions uploaded per week
    publishers: float  # active publishing accounts
    malware_share: float  # share of all malicious arrivals that target this registry
    cdn_share: float  # share of bandwidth carried free by a CDN donor (0 = none)
    cdn_contract_end_year: int | None  # a multi-year CDN contract's last year, else None
    cloud_credit_cover: float  # share of storage + compute + origin bandwidth covered by credits at start
    cloud_credit_growth_per_year: float
    volunteer_cover: float  # share of mitigation + other labour done unpaid at start
    ops_fte: float
    own_security_fte: float
    umbrella_eligible: bool  # can receive umbrella-funder grants (non-profit steward)
    reserves_months: float  # cash reserves at start, in months of cash cost
    corporate_revenue_share: float  # share of start revenue from corporate support
    start_balance: float  # start revenue / start cash cost
    steward_responsiveness: float  # yearly share of the gap to the projected deficit the steward closes
    steward_restores_reserves: bool  # a company steward also budgets to restore the reserve target
    incumbent_name: str = ""  # for an alternative registry: the incumbent whose ecosystem it serves


INCUMBENTS: tuple[RegistryProfile, ...] = (
    RegistryProfile(
        name="pypi",
        label="PyPI",
        downloads_per_week=21e9,  # >3 B requests/day (PyPI blog, Aug 2026) [A1]
        download_growth_per_year=0.50,  # PyPI-like default +50%/yr [calibration table 1]
        packages=736_344,  # 2026 project count [A1]
        new_packages_per_week=130_000 / 52,  # 130,000 new projects in 2025 [A1]
        uploads_per_week=3.9e6 / 52,  # 3.9 M new files in 2025 [A1]
        publishers=150_000,  # assumption: active publishing accounts
        malware_share=0.05,  # assumption within npm share 0.85-0.99 [B1]
        cdn_share=0.99,  # Fastly edge hit ratio just under 99% [A1]
        cdn_contract_end_year=2028,  # Fastly 5-year agreement signed 2024 [A1]
        cloud_credit_cover=0.97,  # AWS credits; 2026 "first year it broke" [A1], 3% cash assumed
        cloud_credit_growth_per_year=0.03,  # credit use +25% over 8 years [A1]
        volunteer_cover=0.70,  # assumption: "heroic efforts ... and unpaid volunteers" [A8]
        ops_fte=2.5,  # 1.5 FTE engineering + 1 FTE support [A1]
        own_security_fte=0.5,  # assumption: admins' security time; the Safety engineer is a grant
        umbrella_eligible=True,  # security engineer funded by Alpha-Omega [A1]
        reserves_months=6.5,  # PSF runway just over 6 months (2025) [A1]
        corporate_revenue_share=0.55,  # assumption: sponsors and PyPI Organizations
        start_balance=0.97,  # assumption: PSF ran deficits (PyCon losses, 2025) [A1]
        steward_responsiveness=0.80,  # assumption: PSF fundraising answers part of a deficit
        steward_restores_reserves=False,
    ),
    RegistryProfile(
        name="npm",
        label="npm",
        downloads_per_week=4.5e12 * 1.5**2 / 52,  # 4.5 T requests 2024 [A2], +50%/yr to 2026
        download_growth_per_year=0.50,  # npm-like default +50%/yr [calibration table 1]
        packages=4.8e6 * 1.23**2,  # 4.8 M projects 2024, +23%/yr [A2]
        new_packages_per_week=1.39e6 / 52,  # 1.39 M created in a year, most spam (2023) [A2]
        uploads_per_week=200_000,  # assumption: versions published per week
        publishers=1_000_000,  # assumption
        malware_share=0.90,  # 75% (Q1 2026) to 99% (2025) [B1]
        cdn_share=0.0,  # GitHub pays its own CDN; npm costs are not public [A2]
        cdn_contract_end_year=None,
        cloud_credit_cover=0.0,
        cloud_credit_growth_per_year=0.0,
        volunteer_cover=0.0,
        ops_fte=10.0,  # assumption: npm staffing is not public
        own_security_fte=1.4,  # calibrated so the malware-weighted removal median is ~39 h [0]
        umbrella_eligible=False,
        reserves_months=9.0,  # assumption: a division's budget, not a foundation's reserves
        corporate_revenue_share=0.0,
        start_balance=1.0,
        steward_responsiveness=1.0,  # assumption: GitHub/Microsoft budget for projected costs
        steward_restores_reserves=True,
    ),
    RegistryProfile(
        name="crates",
        label="crates.io",
        downloads_per_week=CRATES_DOWNLOADS_PER_WEEK,  # ~125 B downloads/yr [0]
        download_growth_per_year=0.70,  # 0.5 -> 2.5 PB/month over 2021-24 [A3]
        packages=200_000,  # assumption
        new_packages_per_week=250,  # assumption
        uploads_per_week=8_000,  # assumption
        publishers=60_000,  # assumption
        malware_share=0.01,  # assumption
        cdn_share=0.95,  # Fastly Fast Forward since 2023 [A3]; hit ratio assumed
        cdn_contract_end_year=None,
        cloud_credit_cover=0.90,  # AWS in-kind originally [A3]; share assumed
        cloud_credit_growth_per_year=0.03,
        volunteer_cover=0.60,  # assumption: crates.io team volunteers
        ops_fte=4.0,  # 4-person on-call rotation (Ferrous Systems, 2021) [A3]
        own_security_fte=0.5,  # assumption; Security Initiative is Alpha-Omega funded [A3]
        umbrella_eligible=True,
        reserves_months=12.0,  # assumption
        corporate_revenue_share=0.60,  # assumption: Rust Foundation members
        start_balance=1.0,
        steward_responsiveness=0.80,  # assumption: Rust Foundation raises member fees [A3]
        steward_restores_reserves=False,
    ),
    RegistryProfile(
        name="rubygems",
        label="RubyGems",
        downloads_per_week=3e9 * 12 / 52,  # 3 B gem downloads/month [A4]
        download_growth_per_year=0.15,  # assumption: mature registry, low end of 14-40%
        packages=190_000,  # assumption
        new_packages_per_week=150,  # assumption
        uploads_per_week=3_000,  # assumption
        publishers=40_000,  # assumption
        malware_share=0.02,  # assumption
        cdn_share=0.95,  # Fastly CDN free since 2013 [A4]; hit ratio assumed
        cdn_contract_end_year=None,
        cloud_credit_cover=0.80,  # assumption
        cloud_credit_growth_per_year=0.03,
        volunteer_cover=0.50,  # assumption
        ops_fte=3.0,  # assumption
        own_security_fte=0.3,  # assumption
        umbrella_eligible=True,
        reserves_months=6.5,  # assumption: after losing a $250k/yr sponsor [A4]
        corporate_revenue_share=0.70,  # assumption: Shopify and other sponsors
        start_balance=0.95,  # assumption: Sidekiq's $250k/yr withdrawn (2025) [A4]
        steward_responsiveness=0.50,  # assumption
        steward_restores_reserves=False,
    ),
    RegistryProfile(
        name="maven",
        label="Maven Central",
        downloads_per_week=1.5e12 * 1.3**2 / 52,  # 1.5 T requests 2024 [A5], +30%/yr to 2026
        download_growth_per_year=0.30,  # mature-registry default +30%/yr [calibration table 1]
        packages=557_000 * 1.2,  # 557 K projects (2023) [A5]; growth assumed
        new_packages_per_week=1_000,  # assumption
        uploads_per_week=100_000,  # assumption: files per week
        publishers=100_000,  # assumption
        malware_share=0.02,  # assumption
        cdn_share=0.0,  # Sonatype pays its CDN
        cdn_contract_end_year=None,
        cloud_credit_cover=0.0,
        cloud_credit_growth_per_year=0.0,
        volunteer_cover=0.0,
        ops_fte=8.0,  # assumption
        own_security_fte=2.0,  # assumption
        umbrella_eligible=False,
        reserves_months=9.0,  # assumption
        corporate_revenue_share=0.05,  # assumption: Publisher Pro is new (Aug 2026) [A5]
        start_balance=1.0,
        steward_responsiveness=0.9,  # assumption: Sonatype budgets for costs, seeks charges [A5]
        steward_restores_reserves=True,
    ),
)

INCUMBENT_NAMES: tuple[str, ...] = tuple(profile.name for profile in INCUMBENTS)
ALTERNATIVE_NAMES: tuple[str, ...] = tuple(f"{name}-alt" for name in INCUMBENT_NAMES)


def alternative_profile(incumbent: RegistryProfile, entry_reach_share: float) -> RegistryProfile:
    """A free alternative (mirror, fork or new entrant) to an incumbent: small, volunteer-run, sponsored.

    Every number here is an assumption: a sponsor covers its cash costs; it has no CDN or
    cloud donors; volunteers do most of its labour; it gets no umbrella grants.
    """
    return replace(
        incumbent,
        name=f"{incumbent.name}-alt",
        label=f"{incumbent.label} alternative",
        downloads_per_week=incumbent.downloads_per_week * entry_reach_share,  # reference sizes for costs:
        packages=incumbent.packages * entry_reach_share,  # a registry this small has its costs scaled
        new_packages_per_week=incumbent.new_packages_per_week * entry_reach_share,  # from the incumbent's
        uploads_per_week=incumbent.uploads_per_week * entry_reach_share,
        publishers=0.0,
        malware_share=incumbent.malware_share * entry_reach_share,
        cdn_share=0.0,
        cdn_contract_end_year=None,
        cloud_credit_cover=0.0,
        cloud_credit_growth_per_year=0.0,
        volunteer_cover=0.9,
        ops_fte=0.5,
        own_security_fte=0.1,
        umbrella_eligible=False,
        reserves_months=12.0,
        corporate_revenue_share=0.0,
        start_balance=1.0,
        steward_responsiveness=1.0,
        steward_restores_reserves=True,
        incumbent_name=incumbent.name,
    )


PROFILES: dict[str, RegistryProfile] = {profile.name: profile for profile in INCUMBENTS}
