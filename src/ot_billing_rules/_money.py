"""Money amounts: :class:`~decimal.Decimal` dollars, never floats.

Allowed amounts are compared against dollar thresholds, so a float's binary
rounding could put a claim on the wrong side of one. An ``int`` is whole
dollars; a ``str`` or ``Decimal`` may carry cents (at most two places).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import InvalidInputError, InvalidTypeError

#: Larger amounts are not one patient's therapy spend for a year.
MAX_AMOUNT = Decimal("10000000")


def coerce_money(value: object, *, field: str) -> Decimal:
    """Return ``value`` as non-negative Decimal dollars with at most two decimal places.

    >>> coerce_money("2330.50", field="ytd_allowed")
    Decimal('2330.50')
    >>> coerce_money(2330, field="ytd_allowed")
    Decimal('2330')
    """
    if isinstance(value, (bool, float)) or not isinstance(value, (int, str, Decimal)):
        raise InvalidTypeError(
            f"{field} must be a Decimal, an int (whole dollars) or a string such as "
            f"'2330.50' — never a float — not {type(value).__name__} {value!r}",
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
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidInputError(
            f"{field}={value!r} has more than two decimal places (cents are the smallest unit)",
            value=value,
            field=field,
        )
    return amount


def format_money(amount: Decimal) -> str:
    """``Decimal('2330')`` -> ``'$2,330.00'``."""
    return f"${amount:,.2f}"
