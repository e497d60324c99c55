"""Money amounts: :class:`~decimal.Decimal` dollars, never floats.

Allowed amounts are compared against dollar thresholds, so a float's binary
rounding could put a claim on the wrong side of one. An ``int`` is whole
dollars; a ``str`` or ``Decimal`` may carry cents (nothing below a cent).
Every amount comes back with exactly two places and no sign on zero, so it
echoes the same way whatever spelling it arrived in (``'1e2'`` and ``100``
are both ``100.00``; ``'-0.0'`` is ``0.00``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import InvalidInputError, InvalidTypeError

#: Larger amounts are not one patient's therapy spend for a year.
MAX_AMOUNT = Decimal("10000000")

_CENT = Decimal("0.01")

# ``Decimal()`` also reads other scripts' digits ('٣٠', '３٠') and underscores
# ('1_0'); a typed amount must be ASCII: digits, one point, an optional exponent.
_AMOUNT_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def coerce_money(value: object, *, field: str) -> Decimal:
    """Return ``value`` as non-negative Decimal dollars, exactly two decimal places.

    >>> coerce_money("2330.5", field="ytd_allowed")
    Decimal('2330.50')
    >>> coerce_money(2330, field="ytd_allowed")
    Decimal('2330.00')
    """
    if isinstance(value, (bool, float)) or not isinstance(value, (int, str, Decimal)):
        raise InvalidTypeError(
            f"{field} must be a Decimal, an int (whole dollars) or a string such as "
            f"'2330.50' — never a float — not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )
    if isinstance(value, str) and not _AMOUNT_TEXT.fullmatch(value.strip()):
        raise InvalidInputError(
            f"{field}={value!r} is not an amount of dollars (ASCII digits, e.g. '2330.50')",
            value=value,
            field=field,
        )
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise InvalidInputError(
            f"{field}={value!r} is not an amount of dollars (e.g. '2330.50')",
            value=value,
            field=field,
        ) from None
    if not amount.is_finite():
        raise InvalidInputError(
            f"{field}={value!r} is not a finite amount of dollars", value=value, field=field
        )
    if amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInputError(
            f"{field}={value!r} must be between 0 and {MAX_AMOUNT} dollars",
            value=value,
            field=field,
        )
    cents = amount.quantize(_CENT)
    if cents != amount:
        raise InvalidInputError(
            f"{field}={value!r} has more than two decimal places (cents are the smallest unit)",
            value=value,
            field=field,
        )
    # Adding a positive zero turns -0.00 into 0.00.
    return cents + Decimal("0.00")


def format_money(amount: Decimal) -> str:
    """``Decimal('2330')`` -> ``'$2,330.00'``."""
    return f"${amount:,.2f}"
