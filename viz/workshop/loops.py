"""The debrief's explanation of the causal loops behind what teams saw (text for the debrief page)."""

CAUSAL_LOOPS_MARKDOWN = """
### The loops behind what happened

**R1 — Borrowed time (reinforcing, slow).** Downloads and uploads grow every year; bandwidth,
compute and malware-review costs grow with them, while donations, grants and in-kind donors grow
slowly and each owner can raise only so much (its fundraising capacity). Reserves fall → runway
shrinks → the owner appeals and cuts costs (strained), then cuts security (degraded) → slower
removal → more harm → firms remember incidents. *Delay:* the steward reviews its budget only once
a year.

**B1 — Fees and defection (balancing, with a side effect).** A fee raises revenue → developers
weigh the fee against switching cost and peers → some move to a cheaper alternative registry →
fee revenue grows less than hoped, and the alternative removes malware five times slower, so
ecosystem harm rises even where the incumbent's books improve. *Delay:* moving is slow (inertia),
and peers who moved pull others.

**B2 — Security spending (balancing, delayed).** Money for security posts and tooling → hires
arrive after about half a year → the removal queue's capacity grows → removal median falls → live malware and worm windows shrink → harm falls.
Cut the money and staff leave after a month's notice: security is quick to lose, slow to rebuild.

**R2 — Worms (reinforcing, fast).** A stolen publish token republishes trojanised versions →
maintainers who install them lose their tokens → more republishing. Fast removal and good token
hygiene push the loop below its threshold; slow removal lets it explode within days.

**R3 — Incidents and corporate norms (reinforcing).** Incidents hit firms → firms remember them →
more firms support registries → peers see others supporting (norm) → more support. Downturns
break it: donations are cut first; opex contracts survive the year.

**Correlated shock.** One umbrella funder pays security staff at several registries: a missed
round cuts all of them at once, and their removal delays rise together half a year later.
Multi-year commitments and several independent funders break the correlation.

### Questions to ask
- Which of your decisions showed up in the charts at once, and which only a year or two later?
- Where did one team's gain become another's loss (fees → alternatives → everyone's harm)?
- Which event card hurt most, and what had (or would have) made the system resilient to it?
- Who paid for security, and who benefited? Would you change the shared goal's weight?
"""
