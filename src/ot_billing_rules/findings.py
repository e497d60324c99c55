"""Findings: what a check found, why, and what to do about it.

Every rule family (units, bundling, modifiers, thresholds, plan-of-care
timing) reports through :class:`Finding`, so a caller can sort, filter and
store them the same way whatever produced them.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from ._fast import compact_pickle, slotted_base
from ._html import html_table
from .errors import InvalidInputError, InvalidTypeError

__all__ = ["Finding", "Severity", "findings_html", "sort_findings"]


class Severity(str, enum.Enum):
    """How much a finding matters.

    ``error``: the claim line will be denied or is wrong as billed;
    ``warning``: at risk (audit, review, missing documentation);
    ``info``: context the biller should know.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for info (sort key)."""
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _codes(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


_CENT = Decimal("0.01")
_MONEY_TEXT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?", re.ASCII)


def _amount(value: object) -> Decimal | None:
    """``None``, or dollars as a Decimal with exactly two places (``"31.8"`` -> ``31.80``).

    A finding read back from its dict carries the amount as a string; floats
    are refused as everywhere money is taken (binary rounding moves cents).
    """
    if value is None:
        return None
    if isinstance(value, str) and _MONEY_TEXT.fullmatch(value):
        value = Decimal(value)
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidTypeError(
            "amount_at_risk must be None or dollars as a Decimal, an int or a string such as "
            f"'31.85' (never a float), not {type(value).__name__} {value!r}",
            value=value,
            field="amount_at_risk",
        )
    try:
        amount = Decimal(value)
        cents = amount.quantize(_CENT)
    except InvalidOperation:
        cents = None
    if cents is None or cents != amount or amount < 0:
        raise InvalidInputError(
            f"amount_at_risk={value!r} is not a non-negative amount of dollars and cents",
            value=value,
            field="amount_at_risk",
        )
    # Adding a positive zero turns -0.00 into 0.00.
    return cents + Decimal("0.00")


@compact_pickle
@attrs.frozen
@slotted_base
class Finding:
    """One finding.

    ``rule`` is a stable dotted id (``"ncci.ptp"``, ``"ncci.mue"``,
    ``"status.bundled"`` ...) safe to key on; ``message`` says what is wrong
    and ``suggestion`` what to do; ``source`` cites the public rule.
    ``amount_at_risk`` is the Medicare allowed amount of the claim lines the
    finding denies, when the audit priced the visit (the rules are listed in
    :mod:`ot_billing_rules._audit_pricing`); ``None`` otherwise.
    """

    rule: str
    severity: Severity = attrs.field(converter=Severity)
    codes: tuple[str, ...] = attrs.field(converter=_codes)
    message: str
    suggestion: str = ""
    source: str = ""
    amount_at_risk: Decimal | None = attrs.field(default=None, converter=_amount)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "codes": list(self.codes),
            "message": self.message,
            "suggestion": self.suggestion,
            "source": self.source,
            "amount_at_risk": None if self.amount_at_risk is None else str(self.amount_at_risk),
        }

    def _repr_html_(self) -> str:
        return findings_html((self,))


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return findings in a stable order: severity, then rule, codes and message."""
    return tuple(sorted(findings, key=lambda f: (f.severity.rank, f.rule, f.codes, f.message)))


def findings_html(findings: Iterable[Finding], title: str = "Findings") -> str:
    """Render findings as an escaped HTML table."""
    return html_table(
        title,
        [(f.severity.value, f.rule, " ".join(f.codes), f.message, f.suggestion) for f in findings],
        header=("severity", "rule", "codes", "message", "suggestion"),
    )
