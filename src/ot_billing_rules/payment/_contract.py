"""Pricing a claim's lines from a payer's contracted rate table (not Medicare's).

``allowed = rate x units`` per line, then:

- MPPR ``whole_rate_50`` (Independence Blue Cross, "Multiple Procedure Payment
  Reduction Guidelines for Physical, Occupational, and Speech Therapy
  Services"): "The procedure code with the highest total allowance is
  eligible for reimbursement at 100 percent of the provider's applicable
  contracted rate. Each subsequent procedure code is eligible for
  reimbursement at 50 percent". Read literally, per *code*: every unit of the
  code with the highest total allowance (rate x its units on the date, after
  any CQ/CO factor) is at
  100%, every unit of each other code at 50% (inferred: the policy does not
  say whether further units of the first code are reduced). A tie goes to the
  code billed first (inferred). Other MPPR values (``none``, ``unknown``, and
  ``cms``, which reduces a PE share a contracted rate does not have) reduce
  nothing; the line notes say so.
- CQ/CO: the policy's assistant factor in force on the date of service
  (e.g. 0.85 from its start date) multiplies the line's allowed amount.

Amounts are rounded half-up to cents per line (inferred). A code without a
rate is not priced (``rate`` ``None``, allowed 0, the note says why).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from .._money import format_money
from ..lines import ServiceLine

__all__ = ["ContractLine", "ContractPricing", "price_contract"]

_CENT = Decimal("0.01")
_HALF = Decimal("0.5")
_ASSISTANT = frozenset({"CO", "CQ"})


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


@attrs.frozen
class ContractLine:
    """One line priced from a contracted rate.

    ``rate`` is the per-unit rate (``None``: the table has no rate for the
    code); ``multiplier`` the MPPR share (1 or 0.5) of every unit of the line;
    ``assistant_factor`` the CQ/CO factor applied (``None``: none);
    ``allowed`` the line's amount after both.
    """

    line: ServiceLine
    rate: Decimal | None
    multiplier: Decimal
    assistant_factor: Decimal | None
    allowed: Decimal
    note: str

    @property
    def priced(self) -> bool:
        """Whether the rate table priced the line."""
        return self.rate is not None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (amounts as strings)."""
        return {
            "line": self.line.to_dict(),
            "rate": None if self.rate is None else str(self.rate),
            "multiplier": str(self.multiplier),
            "assistant_factor": None
            if self.assistant_factor is None
            else str(self.assistant_factor),
            "allowed": str(self.allowed),
            "note": self.note,
        }


@attrs.frozen
class ContractPricing:
    """The lines of one date of service priced from ``payer``'s rate table."""

    on: date
    payer: str
    mppr: str
    lines: tuple[ContractLine, ...]
    allowed: Decimal

    @property
    def unpriced(self) -> tuple[ContractLine, ...]:
        """Lines the rate table has no rate for."""
        return tuple(p for p in self.lines if not p.priced)

    @property
    def explanation(self) -> str:
        """The pricing in words, line by line."""
        out = [f"Priced from {self.payer}'s contracted rates, MPPR {self.mppr}."]
        out += [f"{p.line.code} x {p.line.units}: {p.note}" for p in self.lines]
        out.append(f"Total allowed {format_money(self.allowed)}.")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (amounts as strings)."""
        return {
            "on": self.on.isoformat(),
            "payer": self.payer,
            "mppr": self.mppr,
            "lines": [p.to_dict() for p in self.lines],
            "allowed": str(self.allowed),
        }


def price_contract(
    lines: Sequence[ServiceLine],
    rates: Mapping[str, Decimal],
    *,
    on: date,
    payer: str,
    mppr: str = "none",
    assistant_factor: Decimal | None = None,
) -> ContractPricing:
    """Price ``lines`` from ``rates`` (code -> per-unit dollars); see the module docstring."""
    totals: dict[str, Decimal] = {}
    for ln in lines:
        rate = rates.get(ln.code)
        if rate is not None:
            # The allowance ranked is what the payer allows: after the CQ/CO factor.
            factor = assistant_factor if _ASSISTANT & set(ln.modifiers) else None
            allowance = rate * ln.units * (factor if factor is not None else 1)
            totals[ln.code] = totals.get(ln.code, Decimal(0)) + allowance
    first: str | None = None
    if mppr == "whole_rate_50" and totals:
        # max() keeps the first of equal totals: dicts keep claim order.
        first = max(totals, key=lambda c: totals[c])
    priced: list[ContractLine] = []
    for ln in lines:
        rate = rates.get(ln.code)
        if rate is None:
            priced.append(
                ContractLine(ln, None, Decimal(1), None, Decimal("0.00"), "not priced: no rate")
            )
            continue
        share = _HALF if first is not None and ln.code != first else Decimal(1)
        factor = assistant_factor if _ASSISTANT & set(ln.modifiers) else None
        amount = rate * ln.units * share * (factor if factor is not None else 1)
        note = f"{ln.units} x {format_money(rate)}"
        if first is not None:
            note += (
                " at 100% (the code with the highest total allowance)"
                if share == 1
                else " at 50% (a subsequent procedure code, MPPR whole_rate_50)"
            )
        elif mppr == "cms":
            note += " (CMS MPPR reduces a PE share, which a contracted rate lacks: not applied)"
        if factor is not None:
            note += f", x {factor} (CQ/CO)"
        priced.append(ContractLine(ln, rate, share, factor, _cents(amount), note))
    total = sum((p.allowed for p in priced), Decimal("0.00"))
    return ContractPricing(on, payer, mppr, tuple(priced), total)
