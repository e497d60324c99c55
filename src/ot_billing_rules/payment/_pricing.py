"""Price one patient's lines of one date of service.

Order of operations (each step's public source):

1. the fee of each unit (RVU file formula, SSA §1848(b));
2. the therapy MPPR across every always-therapy unit of the day, all
   disciplines together (Pub. 100-04 Ch. 5 §10.7);
3. the allowed amount: the lower of the line's charge and its fee schedule
   amount (SSA §1834(k)(1)(B));
4. coinsurance, 20% of the allowed amount (SSA §1833(a)(1)); the Part B
   deductible is taken as met;
5. CQ/CO lines from 2022-01-01: 15% off the Medicare payment, after the MPPR
   and right before sequestration (SSA §1834(v); Pub. 100-04 Ch. 5 §20.1);
6. sequestration of the Medicare payment (2 USC 901a): 2% from 2013-04-01,
   none from 2020-05-01 (CARES Act §3709 and its extensions), 1% from
   2022-04-01, 2% from 2022-07-01 (Pub. L. 117-71 §2).

Steps 4–6 round each line's amount half-up to cents; the sources read leave
the rounding of those steps open (flagged in ``Pricing.explanation``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from .._coerce import coerce_date, coerce_discipline, coerce_enum
from .._html import html_table
from .._money import coerce_money, format_money
from ..errors import FeeNotFoundError, InvalidInputError, InvalidModifierError, InvalidTypeError
from ..lines import ClaimLine, ServiceLine, as_service_line
from ..modifiers import ASSISTANT_MODIFIERS, BYPASS_MODIFIERS
from ..terms import Discipline
from ._model import ClaimType, Fee, cents
from ._mppr import full_unit_line
from ._schedule import FeeSchedule, _fee, _require_bool

#: Modifiers that change a line's payment (the CQ/CO reduction).
_PAYMENT_MODIFIERS = ASSISTANT_MODIFIERS
#: Modifiers that never change a line's payment.
_NEUTRAL_MODIFIERS = frozenset({"KX", *BYPASS_MODIFIERS})

COINSURANCE = Decimal("0.20")
#: CQ/CO payment reduction and its first date of service (SSA §1834(v)(1)).
ASSISTANT_REDUCTION = Decimal("0.15")
ASSISTANT_FROM = date(2022, 1, 1)
_ASSISTANT_MODS = frozenset({"CQ", "CO"})
_BUCKETS = {"GO": "OT", "GP": "PT_SLP", "GN": "PT_SLP"}

#: Sequestration rate of the Medicare payment from each date of service on.
SEQUESTRATION = (
    (date(2013, 4, 1), Decimal("0.02")),
    (date(2020, 5, 1), Decimal("0")),
    (date(2022, 4, 1), Decimal("0.01")),
    (date(2022, 7, 1), Decimal("0.02")),
)


def sequestration_rate(on: date | str) -> Decimal:
    """The sequestration rate for date of service ``on``.

    >>> sequestration_rate("2022-05-02"), sequestration_rate("2025-06-02")
    (Decimal('0.01'), Decimal('0.02'))
    """
    day = coerce_date(on, default_today=False)
    rate = Decimal("0")
    for start, value in SEQUESTRATION:
        if day >= start:
            rate = value
    return rate


@attrs.frozen
class PricedLine:
    """One line's dollars.

    ``fee`` is the one-unit fee (``None`` when the line cannot be priced;
    ``note`` says why). ``full_units`` and ``reduced_units`` split the units
    under the therapy MPPR; ``fee_schedule_amount`` is their sum,
    ``allowed`` the lower of it and ``charge``; ``paid`` what Medicare pays
    after coinsurance, the CQ/CO reduction and sequestration.
    """

    line: ServiceLine
    kx_bucket: str | None
    fee: Fee | None
    full_units: int
    reduced_units: int
    fee_schedule_amount: Decimal
    charge: Decimal | None
    allowed: Decimal
    coinsurance: Decimal
    assistant_reduction: Decimal
    sequestration: Decimal
    paid: Decimal
    note: str

    @property
    def priced(self) -> bool:
        """Whether the fee schedule priced the line."""
        return self.fee is not None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (amounts as strings)."""

        def money(v: Decimal | None) -> str | None:
            return None if v is None else str(v)

        return {
            "line": self.line.to_dict(),
            "kx_bucket": self.kx_bucket,
            "fee": self.fee.to_dict() if self.fee else None,
            "full_units": self.full_units,
            "reduced_units": self.reduced_units,
            "fee_schedule_amount": money(self.fee_schedule_amount),
            "charge": money(self.charge),
            "allowed": money(self.allowed),
            "coinsurance": money(self.coinsurance),
            "assistant_reduction": money(self.assistant_reduction),
            "sequestration": money(self.sequestration),
            "paid": money(self.paid),
            "note": self.note,
        }


@attrs.frozen
class Pricing:
    """The dollars of one date of service's lines.

    ``allowed`` is the total allowed amount; ``kx_amounts`` what the visit
    adds to each KX threshold (``"OT"``, ``"PT_SLP"``): the MPPR-reduced
    allowed amount of the lines of that bucket.
    """

    on: date
    release: str
    locality: str | None
    facility: bool
    qp: bool
    lines: tuple[PricedLine, ...]
    sequestration_rate: Decimal
    allowed: Decimal
    coinsurance: Decimal
    assistant_reduction: Decimal
    sequestration: Decimal
    paid: Decimal
    kx: tuple[tuple[str, Decimal], ...]

    @property
    def kx_amounts(self) -> dict[str, Decimal]:
        """Accrual per KX bucket: ``{"OT": ..., "PT_SLP": ...}``."""
        return dict(self.kx)

    @property
    def unpriced(self) -> tuple[PricedLine, ...]:
        """Lines the fee schedule could not price."""
        return tuple(p for p in self.lines if not p.priced)

    @property
    def explanation(self) -> str:
        """The pricing in words, line by line."""
        where = f"locality {self.locality}" if self.locality else "national GPCIs (1.0)"
        out = [
            f"Priced with CMS release {self.release}, {where}, "
            f"{'facility' if self.facility else 'non-facility'} PE"
            f"{', QP conversion factor' if self.qp else ''}, date of service {self.on.isoformat()}."
        ]
        for p in self.lines:
            out.append(f"{_label(p.line)}: {p.note}")
        kx = ", ".join(f"{k} {format_money(v)}" for k, v in self.kx) or "nothing"
        out.append(
            f"Total allowed {format_money(self.allowed)}, coinsurance "
            f"{format_money(self.coinsurance)}, CQ/CO reduction "
            f"{format_money(self.assistant_reduction)}, sequestration "
            f"{format_money(self.sequestration)} ({self.sequestration_rate * 100:.0f}%), "
            f"Medicare pays {format_money(self.paid)}. KX accrual: {kx}."
        )
        out.append(
            "Inferred (no source fixes it): amounts of steps after the fee schedule are rounded "
            "half-up to cents per line; the Part B deductible is taken as met; a CQ/CO line "
            "accrues its unreduced allowed amount toward the KX threshold."
        )
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (amounts as strings)."""
        return {
            "on": self.on.isoformat(),
            "release": self.release,
            "locality": self.locality,
            "facility": self.facility,
            "qp": self.qp,
            "sequestration_rate": str(self.sequestration_rate),
            "allowed": str(self.allowed),
            "coinsurance": str(self.coinsurance),
            "assistant_reduction": str(self.assistant_reduction),
            "sequestration": str(self.sequestration),
            "paid": str(self.paid),
            "kx_amounts": {k: str(v) for k, v in self.kx},
            "lines": [p.to_dict() for p in self.lines],
        }

    def _repr_html_(self) -> str:
        rows: list[tuple[object, ...]] = [
            (_label(p.line), p.full_units, p.reduced_units, p.fee_schedule_amount, p.allowed,
             p.coinsurance, p.assistant_reduction, p.sequestration, p.paid)
            for p in self.lines
        ]  # fmt: skip
        rows.append(("total", "", "", "", self.allowed, self.coinsurance,
                     self.assistant_reduction, self.sequestration, self.paid))  # fmt: skip
        header = ["line", "full units", "reduced units", "fee schedule", "allowed",
                  "coinsurance", "CQ/CO", "sequestration", "paid"]  # fmt: skip
        return html_table(f"Medicare payment, {self.on.isoformat()}", rows, header=header)


def _tie_key(line: ServiceLine) -> tuple[str, ...]:
    """Who takes the full-PE unit when two lines tie on PE and amount (the same code).

    Pub. 100-04 Ch. 5 §10.7 names no rule for identical units. Inferred and
    flagged: the CQ/CO line first, so its 15% reduction applies to the
    larger amount and the estimate never overstates the payment; then the
    larger line; then the remaining modifiers. Modifiers that never change a
    payment (KX, the PTP-bypass modifiers) are left out, so adding them never
    moves the full unit.
    """
    assistant = "0" if set(line.modifiers) & _PAYMENT_MODIFIERS else "1"
    kept = tuple(m for m in line.modifiers if m not in _NEUTRAL_MODIFIERS)
    return (line.code, assistant, f"{99999 - line.units:05d}", *kept)


def _label(line: ServiceLine) -> str:
    mods = f":{','.join(line.modifiers)}" if line.modifiers else ""
    return f"{line.code}x{line.units}{mods}"


def _bucket(line: ServiceLine, discipline: Discipline | None) -> str | None:
    found = {_BUCKETS[m] for m in line.modifiers if m in _BUCKETS}
    mods = [m for m in line.modifiers if m in _BUCKETS]
    if len(mods) > 1:
        raise InvalidModifierError(
            f"line {_label(line)} carries {len(mods)} therapy modifiers ({', '.join(mods)}); "
            "a line is under one plan of care: GO (OT), GP (PT) or GN (SLP)",
            value=line.modifiers,
            field="modifiers",
        )
    if found:
        return found.pop()
    return discipline.kx_bucket if discipline is not None else None


def _charges(charges: object, count: int) -> list[Decimal | None]:
    if charges is None:
        return [None] * count
    if isinstance(charges, (str, bytes, Mapping)) or not isinstance(charges, Sequence):
        raise InvalidTypeError(
            f"charges must be a list with one charge (or None) per line, not "
            f"{type(charges).__name__} {charges!r}",
            value=charges,
            field="charges",
        )
    if len(charges) != count:
        raise InvalidInputError(
            f"charges has {len(charges)} entries for {count} lines: give one per line "
            "(None where there is no charge)",
            value=charges,
            field="charges",
        )
    return [None if c is None else coerce_money(c, field="charges") for c in charges]


def price_lines(
    lines: Iterable[ServiceLine | ClaimLine | str | tuple[object, ...] | Mapping[str, object]],
    *,
    on: date | str,
    locality: str | None = None,
    facility: bool = False,
    qp: bool = False,
    schedule: FeeSchedule | None = None,
    discipline: Discipline | str | None = None,
    charges: Sequence[Decimal | int | str | None] | None = None,
    claim: ClaimType | str = ClaimType.PROFESSIONAL,
) -> Pricing:
    """Price one patient's lines of one date of service; see the module docstring."""
    if isinstance(lines, (str, bytes, Mapping)) or not isinstance(lines, Iterable):
        raise InvalidTypeError(
            f"lines must be a list of lines, not {type(lines).__name__} {lines!r}",
            value=lines,
            field="lines",
        )
    items = [as_service_line(x) for x in lines]
    sched = FeeSchedule.bundled() if schedule is None else schedule
    if not isinstance(sched, FeeSchedule):
        raise InvalidTypeError(
            f"schedule must be a FeeSchedule, not {type(sched).__name__}",
            value=schedule,
            field="schedule",
        )
    day = coerce_date(on, default_today=False)
    release = sched.release_for(day)
    facility = _require_bool(facility, "facility")
    qp = _require_bool(qp, "qp")
    kind = coerce_enum(ClaimType, claim, field="claim")
    disc = None if discipline is None else coerce_discipline(discipline)
    loc = sched.locality(release, locality)
    charge_list = _charges(charges, len(items))
    buckets = [_bucket(line, disc) for line in items]

    fees: list[Fee | None] = []
    notes: list[str] = []
    for line in items:
        try:
            fees.append(_fee(sched, release, line.code, day, loc, facility, qp, kind))
            notes.append("")
        except FeeNotFoundError as exc:
            fees.append(None)
            notes.append(f"not priced: {exc}")
    candidates = [i for i, f in enumerate(fees) if f is not None and f.mppr]
    best = full_unit_line(
        [
            (
                fees[i].pe_rvu,  # type: ignore[union-attr]
                fees[i].amount,  # type: ignore[union-attr]
                _tie_key(items[i]),
            )
            for i in candidates
        ]
    )
    full_line = candidates[best] if best is not None else None
    rate = sequestration_rate(day)
    priced: list[PricedLine] = []
    for i, (line, fee_, charge) in enumerate(zip(items, fees, charge_list, strict=True)):
        priced.append(_price_one(line, fee_, charge, buckets[i], i, full_line, candidates, day,
                                 rate, notes[i]))  # fmt: skip

    def total(attr: str) -> Decimal:
        return sum((getattr(p, attr) for p in priced), Decimal("0.00"))

    kx: dict[str, Decimal] = {}
    for p in priced:
        if p.kx_bucket is not None and p.priced:
            kx[p.kx_bucket] = kx.get(p.kx_bucket, Decimal("0.00")) + p.allowed
    return Pricing(
        on=day,
        release=release.name,
        locality=locality if locality is None else loc.id,
        facility=facility,
        qp=qp,
        lines=tuple(priced),
        sequestration_rate=rate,
        allowed=total("allowed"),
        coinsurance=total("coinsurance"),
        assistant_reduction=total("assistant_reduction"),
        sequestration=total("sequestration"),
        paid=total("paid"),
        kx=tuple(sorted(kx.items())),
    )


def _price_one(
    line: ServiceLine,
    fee_: Fee | None,
    charge: Decimal | None,
    bucket: str | None,
    index: int,
    full_line: int | None,
    candidates: list[int],
    day: date,
    rate: Decimal,
    note: str,
) -> PricedLine:
    zero = Decimal("0.00")
    if fee_ is None:
        return PricedLine(line, bucket, None, 0, 0, zero, charge, zero, zero, zero, zero, zero,
                          note)  # fmt: skip
    if index in candidates:
        full = 1 if index == full_line else 0
        reduced = line.units - full
    else:
        full, reduced = line.units, 0
    amount = fee_.amount * full + fee_.reduced_amount * reduced
    allowed = min(amount, charge) if charge is not None else amount
    coins = cents(allowed * COINSURANCE)
    payment = allowed - coins
    assistant = day >= ASSISTANT_FROM and bool(_ASSISTANT_MODS & set(line.modifiers))
    cut = cents(payment * ASSISTANT_REDUCTION) if assistant else zero
    seq = cents((payment - cut) * rate)
    paid = payment - cut - seq
    words = [f"{full} unit(s) at {format_money(fee_.amount)}"] if full else []
    if reduced:
        words.append(
            f"{reduced} unit(s) at {format_money(fee_.reduced_amount)} (therapy MPPR: "
            f"{fee_.mppr_pe_share * 100:.0f}% of the practice expense)"
        )
    text = " + ".join(words) + f" = {format_money(amount)}"
    if charge is not None:
        text += f"; charge {format_money(charge)}, allowed the lower: {format_money(allowed)}"
    if assistant:
        text += f"; CQ/CO: 15% of the Medicare payment ({format_money(cut)})"
    if bucket is None:
        text += "; no GO/GP/GN modifier and no discipline given: counted toward no KX threshold"
    return PricedLine(line, bucket, fee_, full, reduced, amount, charge, allowed, coins, cut,
                      seq, paid, text)  # fmt: skip
