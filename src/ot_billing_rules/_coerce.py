"""Argument checking shared by every public function.

One place decides what a date, an enum value or a count may be, so that every
function rejects bad input with the same typed error and wording.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TypeVar

from .errors import (
    InvalidDateError,
    InvalidInputError,
    InvalidMinutesError,
    InvalidOptionError,
    InvalidTypeError,
)

E = TypeVar("E", bound=enum.Enum)

#: Dates of service the library accepts. The catalog's history starts long
#: after 1990 and no rule here is meant for dates far in the future.
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2099, 12, 31)

#: Minutes in a day: no code and no date of service can hold more.
MINUTES_PER_DAY = 1440


def coerce_date(value: object, *, field: str = "on", default_today: bool = True) -> date:
    """Return ``value`` as a :class:`~datetime.date`.

    Accepts a ``date``, a ``datetime`` (its date part) or an ISO ``YYYY-MM-DD``
    string; ``None`` means today when ``default_today`` is true. Anything else
    is a :class:`TypeError`; a malformed or out-of-range date is an
    :class:`~ot_billing_rules.errors.InvalidDateError`.

    >>> coerce_date("2024-07-01")
    datetime.date(2024, 7, 1)
    """
    if value is None and default_today:
        return date.today()
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            result = date.fromisoformat(text)
        except ValueError:
            raise InvalidDateError(
                f"{field}={value!r} is not an ISO date (expected YYYY-MM-DD)",
                value=value,
                field=field,
            ) from None
        if len(text) != 10:
            raise InvalidDateError(
                f"{field}={value!r} is not an ISO date (expected YYYY-MM-DD)",
                value=value,
                field=field,
            )
    else:
        raise InvalidTypeError(
            f"{field} must be a date, a datetime or an ISO date string, "
            f"not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )
    if not MIN_DATE <= result <= MAX_DATE:
        raise InvalidDateError(
            f"{field}={result.isoformat()} is outside the supported range "
            f"{MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}",
            value=value,
            field=field,
        )
    return result


def coerce_enum(enum_cls: type[E], value: object, *, field: str) -> E:
    """Return the member of ``enum_cls`` that ``value`` names.

    A member passes through; a string matches a member's value or name,
    ignoring case, surrounding spaces, and the difference between ``-``,
    spaces and ``_``.
    """
    if isinstance(value, enum_cls):
        return value
    valid = [str(m.value) for m in enum_cls]
    if isinstance(value, str):
        key = _fold(value)
        for member in enum_cls:
            if key in (_fold(str(member.value)), _fold(member.name)):
                return member
        raise InvalidOptionError(
            f"{field}={value!r} is not one of {', '.join(valid)}",
            value=value,
            field=field,
            valid=valid,
        )
    raise InvalidTypeError(
        f"{field} must be one of {', '.join(valid)} (a string or {enum_cls.__name__}), "
        f"not {type(value).__name__} {value!r}",
        value=value,
        field=field,
    )


def _fold(text: str) -> str:
    return text.strip().casefold().replace("-", "_").replace(" ", "_").replace("&", "and")


def require_int(value: object, *, field: str, minimum: int = 0, maximum: int | None = None) -> int:
    """Return ``value`` if it is an ``int`` in range; bools and floats are rejected.

    Out-of-range values raise :class:`~ot_billing_rules.errors.InvalidMinutesError`
    when ``field`` is about minutes, else
    :class:`~ot_billing_rules.errors.InvalidInputError`.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTypeError(
            f"{field} must be a whole number (int), not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )
    error = InvalidMinutesError if "minute" in field else InvalidInputError
    if value < minimum:
        raise error(f"{field}={value} is below the minimum {minimum}", value=value, field=field)
    if maximum is not None and value > maximum:
        raise error(f"{field}={value} is above the maximum {maximum}", value=value, field=field)
    return value
