"""The audit's dollars: the claim lines priced, the KX amount, the amounts at risk.

:func:`~ot_billing_rules.audit_visit` calls these in its pricing, KX and
report steps (its module docstring has the table). The fee schedule is the
bundled one (:meth:`~ot_billing_rules.payment.FeeSchedule.bundled`); what it
cannot price is a ``fee.unknown`` finding, never another year's amount.

Amount at risk (``Finding.amount_at_risk``): the allowed amount, as priced
on the claim as billed (after the therapy MPPR), of the lines a finding
denies:

- ``ncci.ptp``: every line of the column-2 code;
- ``ncci.mue``: MAI 1, each line whose units exceed the MUE (the whole line
  is denied); MAI 2 and 3, and an MUE of 0, every line of the code (all
  units of the date are denied, never only the excess: CMS Medicare NCCI MUE
  page);
- ``status.bundled``, ``status.invalid``, ``status.noncovered``,
  ``status.restricted`` and ``addon.without_primary``: every line of the code.

For a non-Medicare policy with a contracted rate table (``PayerTerms.rates``)
the same rules run on :func:`~ot_billing_rules.payment.price_contract`'s
lines, and a ``payer.daily_cap`` finding is at risk for the units over the
cap: each such line's allowed amount times its unpaid share of units.

A line the fee schedule does not price (status B, I, N ...: Medicare pays
nothing for it) adds nothing; a finding whose lines are all unpriced has
``None``. The visit's amount at risk counts each line once, however many
findings deny it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter
from typing import TYPE_CHECKING

import attrs

from ._audit_payer import prices_from_contract
from ._fast import build
from ._money import format_money
from .errors import FeeNotFoundError, InvalidModifierError
from .findings import Finding, Severity
from .lines import ClaimLine, ServiceLine
from .payment import (
    ClaimType,
    ContractLine,
    ContractPricing,
    FeeSchedule,
    PricedLine,
    Pricing,
    price_contract,
    price_lines,
)
from .sources import cite
from .terms import Setting

if TYPE_CHECKING:
    from .thresholds import KXAssessment
    from .visit import Visit

__all__ = [
    "amounts_at_risk",
    "contract_price",
    "kx_amount",
    "note_computed_amount",
    "price_visit",
    "relabel",
]


def contract_price(visit: Visit, lines: Sequence[ClaimLine]) -> ContractPricing | None:
    """``lines`` priced from the policy's contracted rates, or ``None`` when the
    policy is priced as Medicare or has no rate table."""
    policy = visit.payer
    terms = policy.terms
    if not prices_from_contract(policy) or terms is None:
        return None
    day = visit.date_of_service
    return price_contract(
        [build(ServiceLine, ln.code, ln.units, ln.modifiers) for ln in lines],
        terms.rate_table,
        on=day,
        payer=policy.name,
        mppr=terms.mppr,
        assistant_factor=terms.assistant_factor(day),
    )


#: Fee-schedule statuses Medicare pays nothing for (RVU file documentation,
#: Attachment A): their lines have no fee and add nothing to any amount, and
#: a ``status.*`` finding already says why. Status C (the contractor prices
#: it) and a code without a row are unknown amounts: ``fee.unknown``.
NOT_PAID = frozenset("BEIJMNPX")

#: Rules whose finding denies every line of its code (``codes[0]``).
_DENIES_CODE = frozenset(
    {
        "status.bundled",
        "status.invalid",
        "status.noncovered",
        "status.restricted",
        "addon.without_primary",
    }
)

_ZERO = Decimal("0.00")

_LINE_FIELDS = tuple(a.name for a in attrs.fields(PricedLine))
_line_values = attrgetter(*_LINE_FIELDS)
_PRICING_FIELDS = tuple(a.name for a in attrs.fields(Pricing))
_pricing_values = attrgetter(*_PRICING_FIELDS)


@attrs.frozen
class VisitPricing:
    """What the pricing step leaves for the later steps.

    ``pricing`` is ``None`` when nothing could be priced; ``findings`` the
    ``fee.unknown`` findings; ``incomplete`` the KX buckets (``"OT"``,
    ``"PT_SLP"``) holding a line whose amount is unknown.
    """

    pricing: Pricing | None
    findings: tuple[Finding, ...]
    incomplete: frozenset[str]


def price_visit(visit: Visit, lines: Sequence[ClaimLine]) -> VisitPricing:
    """Price ``lines`` for ``visit`` (which names a locality) with the bundled schedule.

    An unknown locality for the date's release is the
    :class:`~ot_billing_rules.errors.InvalidOptionError` of
    :func:`~ot_billing_rules.payment.price_lines`: the input is wrong.
    """
    day = visit.date_of_service
    schedule = FeeSchedule.bundled()
    from ._audit_telehealth import unpriced_telehealth

    unpriced = unpriced_telehealth(visit)
    if unpriced is not None:
        # A telehealth POS whose rate on the date is unknown: no guess at either rate.
        return VisitPricing(None, (unpriced,), frozenset({"OT", "PT_SLP"}))
    try:
        pricing = price_lines(
            lines,
            on=day,
            locality=visit.locality,
            facility=visit.facility_rate or False,
            discipline=visit.discipline,
            claim=ClaimType.INSTITUTIONAL
            if visit.setting is Setting.OUTPATIENT_HOSPITAL
            else ClaimType.PROFESSIONAL,
            schedule=schedule,
        )
    except FeeNotFoundError:
        return VisitPricing(None, (_no_release(visit, schedule),), frozenset({"OT", "PT_SLP"}))
    except InvalidModifierError as exc:
        # A line under two plans of care (GO and GP given by the clinician, for
        # a payer that adds no discipline modifier) has no one KX bucket.
        finding = Finding(
            "fee.unknown",
            Severity.INFO,
            (),
            f"The claim lines could not be priced: {exc}.",
            suggestion="Give each line one of GO, GP or GN.",
            source=cite("pfs_rvu_file"),
        )
        return VisitPricing(None, (finding,), frozenset({"OT", "PT_SLP"}))
    release = schedule.release_for(day)
    found: list[Finding] = []
    incomplete: set[str] = set()
    seen: set[str] = set()
    for priced in pricing.unpriced:
        code = priced.line.code
        row = release.rows.get((code, ""))
        if row is not None and row.status in NOT_PAID:
            continue
        incomplete.add(priced.kx_bucket or "")
        if code in seen:
            continue
        seen.add(code)
        units = sum(p.line.units for p in pricing.unpriced if p.line.code == code)
        reason = priced.note.removeprefix("not priced: ")
        found.append(
            Finding(
                "fee.unknown",
                Severity.INFO,
                (code,),
                f"{reason}: its {units} unit(s) are left out of the visit's priced amounts "
                "(allowed, KX accrual, amounts at risk).",
                suggestion="Price the line from the MAC's fee schedule (status C) or the "
                "release that holds the code, and pass visit_allowed for the KX check.",
                source=f"{cite('pfs_rvu_file')} {release.name}",
            )
        )
    return VisitPricing(pricing, tuple(found), frozenset(incomplete))


def _no_release(visit: Visit, schedule: FeeSchedule) -> Finding:
    first, last = schedule.releases[0], schedule.releases[-1]
    return Finding(
        "fee.unknown",
        Severity.INFO,
        (),
        f"No Medicare fee schedule release held covers the date of service "
        f"{visit.date_of_service.isoformat()} (the bundled releases cover "
        f"{first.start.isoformat()} to {last.end.isoformat()}): the claim lines were not "
        f"priced for locality {visit.locality}, and no amount was computed for KX or at risk.",
        suggestion="Pass visit_allowed for the KX check; price the lines with "
        "ot_billing_rules.payment.price_lines and FeeSchedule.from_cms_files (the CMS files "
        "of that year).",
        source=cite("pfs_rvu_file"),
    )


def kx_amount(priced: VisitPricing | None, bucket: str) -> Decimal | None:
    """The visit's computed accrual toward KX ``bucket``, or ``None`` when unknown."""
    if priced is None or priced.pricing is None or bucket in priced.incomplete:
        return None
    return priced.pricing.kx_amounts.get(bucket, _ZERO)


def note_computed_amount(assessment: KXAssessment, pricing: Pricing) -> KXAssessment:
    """``assessment`` whose findings say the visit amount came from the fee schedule."""
    amount = assessment.visit_amount
    where = f"locality {pricing.locality}" if pricing.locality else "national GPCIs"
    note = (
        f" This visit's amount, {format_money(amount or _ZERO)}, is its allowed amount "
        f"computed from the Medicare fee schedule (release {pricing.release}, {where}, after "
        "the therapy MPPR), as visit_allowed was not given."
    )
    origin = f"; visit amount: {cite('pfs_rvu_file')} {pricing.release}"
    findings = tuple(
        attrs.evolve(f, message=f.message + note, source=f.source + origin)
        for f in assessment.findings
    )
    return attrs.evolve(assessment, findings=findings)


def relabel(pricing: Pricing, lines: Sequence[ClaimLine]) -> Pricing:
    """``pricing`` showing the final claim lines.

    The audit prices its lines before KX and the bypass modifier are added
    and before the fourth-modifier cut: none of these changes a line's code,
    units, GO/GP/GN or CO/CQ (they come first in the billing order), so the
    amounts stand; only the lines shown change. One line each, in order.
    """
    # build, not attrs.evolve: the values are the pricing's own (evolve re-runs
    # __init__ and costs more than the rest of the step).
    priced = tuple(
        build(
            PricedLine,
            *(
                build(ServiceLine, ln.code, ln.units, ln.modifiers) if name == "line" else value
                for name, value in zip(_LINE_FIELDS, _line_values(p), strict=True)
            ),
        )
        for p, ln in zip(pricing.lines, lines, strict=True)
    )
    return build(
        Pricing,
        *(priced if name == "lines" else value
          for name, value in zip(_PRICING_FIELDS, _pricing_values(pricing), strict=True)),
    )  # fmt: skip


def amounts_at_risk(
    findings: Iterable[Finding],
    pricing: Pricing | ContractPricing,
    per_line_mue: Mapping[Finding, int],
    caps: Sequence[Sequence[tuple[int, int]]] = (),
) -> tuple[list[Finding], Decimal]:
    """The findings with ``amount_at_risk`` set, and the visit's amount at risk.

    ``per_line_mue`` gives, for each MAI-1 ``ncci.mue`` finding, the units
    of the lines it denies (one finding per unit count over the MUE);
    ``caps``, for each ``payer.daily_cap`` finding in order, ``(line index,
    units not paid)`` (:func:`~ot_billing_rules._audit_payer.cap_excess`).
    """
    lines: Sequence[PricedLine | ContractLine] = pricing.lines
    at_risk: dict[int, Decimal] = {}
    out: list[Finding] = []
    excess = iter(caps)
    for f in findings:
        if f.rule == "payer.daily_cap":
            over = next(excess, None)
            if over is None:
                out.append(f)
                continue
            shares = {i: _share(lines[i], units) for i, units in over if lines[i].priced}
            for i, amount in shares.items():
                at_risk[i] = max(at_risk.get(i, _ZERO), amount)
            out.append(attrs.evolve(f, amount_at_risk=sum(shares.values(), _ZERO)) if shares else f)
            continue
        chosen = _denied(f, lines, per_line_mue)
        if chosen is None:
            out.append(f)
            continue
        for i in chosen:
            if lines[i].priced:
                at_risk[i] = lines[i].allowed
        priced = [lines[i].allowed for i in chosen if lines[i].priced]
        out.append(attrs.evolve(f, amount_at_risk=sum(priced, _ZERO)) if priced else f)
    total = sum(at_risk.values(), _ZERO)
    return out, total


def _share(line: PricedLine | ContractLine, units: int) -> Decimal:
    """The allowed amount of ``units`` of ``line``'s units (its last ones: a
    contracted line's units are all paid alike)."""
    if units >= line.line.units:
        return line.allowed
    return (line.allowed * units / line.line.units).quantize(_ZERO, rounding=ROUND_HALF_UP)


def _denied(
    f: Finding, lines: Sequence[PricedLine | ContractLine], per_line_mue: Mapping[Finding, int]
) -> list[int] | None:
    def of(code: str, units: int | None = None) -> list[int]:
        return [
            i
            for i, p in enumerate(lines)
            if p.line.code == code and (units is None or p.line.units == units)
        ]

    if f.rule == "ncci.ptp" and len(f.codes) == 2:
        return of(f.codes[1])
    if f.rule == "ncci.mue" and f.codes:
        return of(f.codes[0], per_line_mue.get(f))
    if f.rule in _DENIES_CODE and f.codes:
        return of(f.codes[0])
    return None
