"""Argument checking shared by every public function.

One place decides what a date, an enum value or a count may be, so that every
function rejects bad input with the same typed error and wording.
"""

from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import TypeVar

from .errors import (
    InvalidDateError,
    InvalidInputError,
    InvalidMinutesError,
    InvalidOptionError,
    InvalidTypeError,
)
from .terms import Discipline

E = TypeVar("E", bound=enum.Enum)

#: Dates of service the library accepts. The catalog's history starts long
#: after 1990 and no rule here is meant for dates far in the future.
MIN_DATE = date(1990, 1, 1)
MAX_DATE = date(2099, 12, 31)

#: Minutes in a day: no code and no date of service can hold more.
MINUTES_PER_DAY = 1440

# ``date.fromisoformat`` also reads ISO week dates (``2024-W27-1``) and, on
# some Pythons, non-ASCII digits: the library's one date format is narrower.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: What every date parameter accepts, for error messages.
_DATE_KINDS = "a date, a datetime or an ISO date string (YYYY-MM-DD)"


def coerce_date(
    value: object, *, field: str = "on", default_today: bool = True, minimum: date = MIN_DATE
) -> date:
    """Return ``value`` as a :class:`~datetime.date`.

    Accepts a ``date``, a ``datetime`` (its date part) or an ISO ``YYYY-MM-DD``
    string of ASCII digits; ``None`` means today when ``default_today`` is
    true. ``None`` otherwise, a missing value (``pd.NaT``) or any other object
    is an :class:`~ot_billing_rules.errors.InvalidTypeError`; a malformed or
    out-of-range date is an :class:`~ot_billing_rules.errors.InvalidDateError`.
    Dates of service start at 1990-01-01; ``minimum`` lowers that for dates
    that are not dates of service (a birth date).

    >>> coerce_date("2024-07-01")
    datetime.date(2024, 7, 1)
    """
    if value is None:
        if default_today:
            return date.today()
        raise InvalidTypeError(
            f"{field} is required: give {_DATE_KINDS}, not None", value=value, field=field
        )
    if isinstance(value, datetime):
        result: object = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, str):
        text = value.strip()
        if not _ISO_DATE.fullmatch(text):
            raise InvalidDateError(
                f"{field}={value!r} is not an ISO date (expected YYYY-MM-DD)",
                value=value,
                field=field,
            )
        try:
            result = date.fromisoformat(text)
        except ValueError:
            raise InvalidDateError(
                f"{field}={value!r} is not a calendar date (expected YYYY-MM-DD)",
                value=value,
                field=field,
            ) from None
    else:
        raise InvalidTypeError(
            f"{field} must be {_DATE_KINDS}, not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )
    # pandas' NaT passes as a datetime, but its .date() is NaT again: a missing
    # value, which (like NaN) is the one value not equal to itself.
    if not isinstance(result, date) or result != result:
        raise InvalidTypeError(
            f"{field} is missing ({value!r}): give {_DATE_KINDS}", value=value, field=field
        )
    if not minimum <= result <= MAX_DATE:
        raise InvalidDateError(
            f"{field}={result.isoformat()} is outside the supported range "
            f"{minimum.isoformat()}..{MAX_DATE.isoformat()}",
            value=value,
            field=field,
        )
    return result


def coerce_enum(enum_cls: type[E], value: object, *, field: str) -> E:
    """Return the member of ``enum_cls`` that ``value`` names.

    A member passes through; an ASCII string matches a member's value or
    name, ignoring case, surrounding spaces, and the difference between
    ``-``, spaces and ``_``.
    """
    if isinstance(value, enum_cls):
        return value
    valid = [str(m.value) for m in enum_cls]
    # casefold() maps look-alikes onto ASCII ('ſ' -> 's'): only ASCII may match.
    if isinstance(value, str) and value.isascii():
        key = _fold(value)
        for member in enum_cls:
            if key in (_fold(str(member.value)), _fold(member.name)):
                return member
    if isinstance(value, str):
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


_ASCII_INT = re.compile(r"[+-]?[0-9]+")
_MAX_DIGITS = 4000


def ascii_int(text: str) -> int | None:
    """``text`` (spaces around allowed) as an ``int``, or ``None`` unless plain ASCII digits.

    ``int()`` also reads other scripts' digits (``'٣٠'``, ``'３０'``) and
    underscores (``'1_0'``): a number typed into a file or a command line
    must be written with ``0``-``9`` (and an optional sign) only.

    >>> ascii_int(" 30 "), ascii_int("٣٠"), ascii_int("1_0")
    (30, None, None)
    """
    stripped = text.strip()
    # int() refuses more than 4300 digits (CPython's guard); no count has them.
    if len(stripped) > _MAX_DIGITS or not _ASCII_INT.fullmatch(stripped):
        return None
    return int(stripped)


def coerce_discipline(value: object, *, field: str = "discipline") -> Discipline:
    """Return ``value`` as a :class:`~ot_billing_rules.terms.Discipline` (member, or
    ``"OT"``/``"PT"``/``"SLP"``)."""
    return coerce_enum(Discipline, value, field=field)
