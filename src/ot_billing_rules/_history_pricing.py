"""A patient-day's claims priced together: the therapy MPPR across disciplines.

The therapy MPPR (Pub. 100-04 Ch. 5 §10.7; the PFS multiple procedure
payment reduction) pays the one "always therapy" unit with the highest
practice expense in full and reduces the PE of every other unit furnished to
the patient that day, in any discipline (OT, PT, SLP), by the same billing
provider. :func:`~ot_billing_rules.audit_visit` prices one claim; the
history knows the whole day, so it prices the lines of all the day's claims
of one billing provider in one :func:`~ot_billing_rules.payment.price_lines`
call and gives each visit its share:

- **per line**: each claim line keeps the amount ``price_lines`` gives it
  within the day (full or reduced units as the day's ranking falls), so the
  day's total is the sum of its lines and nothing is re-spread;
- **per visit**: a visit's amount is the allowed amount of the lines it bills
  (a pooled same-day line goes to the visit that furnished most of its
  minutes) in its discipline's KX bucket; that amount accrues toward KX.

Claims are priced together when they share the billing provider and the
payer (one payer's claims), and the locality, facility rate and claim type
(``price_lines`` prices one claim form at one rate); a visit without
``billing_provider`` counts as the same unknown provider as the patient's
other such visits that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from ._audit_pricing import NOT_PAID, amounts_at_risk, relabel
from .errors import FeeNotFoundError, InvalidModifierError
from .findings import Finding
from .lines import ClaimLine, ServiceLine
from .modifiers import MAX_MODIFIERS, THERAPY_MODIFIERS, order_modifiers
from .payment import ClaimType, FeeSchedule, PricedLine, Pricing, price_lines
from .terms import Setting

if TYPE_CHECKING:
    from .audit import AuditReport
    from .visit import Visit

__all__ = ["DayClaim", "alone_share", "price_day", "repriced"]

_ZERO = Decimal("0.00")


@attrs.frozen
class DayClaim:
    """One pooled claim of the day: its first visit, its report, who bills each line."""

    first: Visit
    report: AuditReport | None
    #: Per claim line (in ``report.lines`` order): the index of the visit billing it.
    owners: tuple[int, ...]
    visits: int


def _key(v: Visit) -> tuple[object, ...]:
    return (
        v.billing_provider or "",
        v.payer.name,
        v.locality,
        v.facility_rate or False,
        v.setting is Setting.OUTPATIENT_HOSPITAL,
    )


def price_day(
    claims: Sequence[DayClaim],
) -> tuple[list[list[Decimal | None]], list[Pricing | None]]:
    """Each claim's per-visit amounts, and its lines' part of the day's joint pricing.

    Amounts are ``None`` where the claim was not priced (no locality, a payer
    that does not price as Medicare) or a line of the visit's bucket has no
    fee. A claim alone under its key keeps the audit's own pricing (the
    second list holds ``None`` for it); claims priced together get a
    :class:`~ot_billing_rules.payment.Pricing` of their own lines, as billed.
    """
    shares: list[list[Decimal | None]] = [[None] * c.visits for c in claims]
    parts: list[Pricing | None] = [None] * len(claims)
    keys: dict[tuple[object, ...], list[int]] = {}
    for n, c in enumerate(claims):
        if c.report is not None and c.report.pricing is not None:
            keys.setdefault(_key(c.first), []).append(n)
    for members in keys.values():
        joint = _joint(claims, members) if len(members) > 1 else None
        if joint is None:  # one claim, or the day could not be priced as one
            for n in members:
                report = claims[n].report
                assert report is not None
                assert report.pricing is not None
                shares[n] = _shares(claims[n], report.pricing.lines)
            continue
        start = 0
        for n in members:
            report = claims[n].report
            assert report is not None
            part = joint.lines[start : start + len(report.lines)]
            start += len(report.lines)
            parts[n] = _part(joint, part, report.lines)
            shares[n] = _shares(claims[n], part)
    return shares, parts


def _joint(claims: Sequence[DayClaim], members: Sequence[int]) -> Pricing | None:
    first = claims[members[0]].first
    lines: list[ServiceLine] = []
    for n in members:
        report = claims[n].report
        assert report is not None
        own = report.visit.discipline.therapy_modifier
        lines.extend(_with_discipline(ln, own) for ln in report.lines)
    try:
        return price_lines(
            lines,
            on=first.date_of_service,
            locality=first.locality,
            facility=first.facility_rate or False,
            claim=ClaimType.INSTITUTIONAL
            if first.setting is Setting.OUTPATIENT_HOSPITAL
            else ClaimType.PROFESSIONAL,
            schedule=FeeSchedule.bundled(),
        )
    except (FeeNotFoundError, InvalidModifierError):
        # The claims' own audits said why (fee.unknown): each keeps its own pricing.
        return None


def _with_discipline(line: ClaimLine, own: str) -> ServiceLine:
    # price_lines takes one discipline for lines without GO/GP/GN (a payer that
    # adds none): each line gets its own claim's, as its audit priced it.
    mods = line.modifiers
    if not THERAPY_MODIFIERS & set(mods) and len(mods) < MAX_MODIFIERS:
        mods = order_modifiers([*mods, own])
    return ServiceLine(line.code, line.units, mods)


def _part(joint: Pricing, part: Sequence[PricedLine], lines: Sequence[ClaimLine]) -> Pricing:
    kx: dict[str, Decimal] = {}
    for p in part:
        if p.kx_bucket is not None and p.priced:
            kx[p.kx_bucket] = kx.get(p.kx_bucket, _ZERO) + p.allowed
    mine = attrs.evolve(
        joint,
        lines=tuple(part),
        allowed=sum((p.allowed for p in part), _ZERO),
        coinsurance=sum((p.coinsurance for p in part), _ZERO),
        assistant_reduction=sum((p.assistant_reduction for p in part), _ZERO),
        sequestration=sum((p.sequestration for p in part), _ZERO),
        paid=sum((p.paid for p in part), _ZERO),
        kx=tuple(sorted(kx.items())),
    )
    return relabel(mine, lines)  # shown as billed (a discipline modifier added above goes)


def _shares(claim: DayClaim, priced: Sequence[PricedLine]) -> list[Decimal | None]:
    return shares_of(claim.first, claim.owners, claim.visits, priced)


def alone_share(visit: Visit, priced: Sequence[PricedLine]) -> Decimal | None:
    """The amount of a claim of one visit, alone under its key: every line is its own."""
    return shares_of(visit, (0,) * len(priced), 1, priced)[0]


def shares_of(
    first: Visit, owners: Sequence[int], visits: int, priced: Sequence[PricedLine]
) -> list[Decimal | None]:
    """Per visit of a claim (``owners``: the visit billing each priced line), its share."""
    bucket = first.discipline.kx_bucket
    release = FeeSchedule.bundled().release_for(first.date_of_service)
    out: list[Decimal | None] = [_ZERO] * visits
    for owner, p in zip(owners, priced, strict=True):
        if (p.kx_bucket or bucket) != bucket:
            continue
        amount = out[owner]
        if p.priced:
            out[owner] = None if amount is None else amount + p.allowed
            continue
        row = release.rows.get((p.line.code, ""))
        if row is None or row.status not in NOT_PAID:
            out[owner] = None  # an amount the schedule does not know
    return out


def repriced(report: AuditReport, pricing: Pricing) -> AuditReport:
    """``report`` with its lines priced within the day: pricing and amounts at risk."""
    findings = [attrs.evolve(f, amount_at_risk=None) for f in report.findings]
    found, total = amounts_at_risk(findings, pricing, _per_line_mue(report, findings))
    return attrs.evolve(report, pricing=pricing, findings=tuple(found), amount_at_risk=total)


def _per_line_mue(report: AuditReport, findings: Sequence[Finding]) -> dict[Finding, int]:
    """For each MAI-1 ``ncci.mue`` finding, the units of the lines it denies (as the audit)."""
    if not any(f.rule == "ncci.mue" for f in findings):
        return {}
    from .bundling import _mue_finding, hits, prepare

    v = report.visit
    bundle = prepare(
        [ServiceLine(ln.code, ln.units, ln.modifiers) for ln in report.lines],
        on=v.date_of_service,
        setting=v.setting,
        edits=v.payer.edits,
        discipline=v.discipline if v.payer.discipline_modifiers else None,
    )
    _, mue = hits(bundle)
    return {_mue_finding(bundle, h): h.units for h in mue if h.scope == "per_line"}
