"""Hypothesis strategies for tests of software that bills OT services.

Requires the ``hypothesis`` extra: ``pip install "ot-billing-rules[hypothesis]"``.

Every function returns a strategy; options are keyword-only and validated
eagerly (a bad option raises at once, not inside a test). Policy: the
strategies are *sound* — they only generate values the library itself accepts
as valid — and may leave out exotic valid values. They shrink toward simple
cases (a common timed code, few minutes, an early date).

When the package is installed, Hypothesis's plugin hook also registers these
strategies for the library's types, so ``st.from_type(ServiceLine)`` and
``st.builds`` work in your own suite without importing this module.

>>> from hypothesis import given
>>> from ot_billing_rules import strategies as obst
>>> @given(obst.codes(timed=True, effective_on="2024-07-01"))
... def test_timed(code):
...     assert lookup(code, on="2024-07-01").timed
>>> from ot_billing_rules import lookup
>>> test_timed()
"""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from ._coerce import MAX_DATE, MIN_DATE, MINUTES_PER_DAY, coerce_date, coerce_enum
from .codes import Category, Code, get
from .codes import codes as _catalog_codes
from .lines import MAX_UNITS, ClaimLine, ServiceLine

__all__ = [
    "catalog_entries",
    "claim_lines",
    "codes",
    "dates_of_service",
    "minutes",
    "modifiers",
    "service_lines",
]

# Common codes first, so failures shrink toward a therapeutic-activities line.
_PREFERRED = ("97530", "97110", "97535", "97112", "97140", "97165", "97010")

#: Modifiers a therapy line commonly carries, simplest first.
KNOWN_MODIFIERS = ("GO", "GP", "GN", "CO", "CQ", "KX", "59", "XU", "XS", "XE", "XP", "25")


def _check_bool_or_none(value: object, name: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise TypeError(f"{name} must be True, False or None, not {value!r}")


def _check_int(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name}={value} must be within {low}..{high}")
    return value


def _ordered(found: tuple[Code, ...]) -> list[str]:
    names = [c.code for c in found]
    return sorted(
        names, key=lambda c: (c not in _PREFERRED, _PREFERRED.index(c) if c in _PREFERRED else 0, c)
    )


def codes(
    *,
    timed: bool | None = None,
    effective_on: date | str | None = None,
    category: Category | str | None = None,
) -> st.SearchStrategy[str]:
    """Catalog codes (strings such as ``"97530"``).

    ``timed`` restricts to timed or untimed codes; ``effective_on`` to codes
    valid on that date of service (history is included when it is ``None``);
    ``category`` to one :class:`~ot_billing_rules.Category`.
    """
    _check_bool_or_none(timed, "timed")
    day = None if effective_on is None else coerce_date(effective_on, field="effective_on")
    cat = None if category is None else coerce_enum(Category, category, field="category")
    found = _catalog_codes(on=day, category=cat, timed=timed)
    if not found:
        raise ValueError(
            f"no catalog code matches timed={timed!r}, effective_on={effective_on!r}, "
            f"category={category!r}"
        )
    return st.sampled_from(_ordered(found))


def catalog_entries(**kwargs: object) -> st.SearchStrategy[Code]:
    """:class:`~ot_billing_rules.Code` entries; takes the options of :func:`codes`."""
    return codes(**kwargs).map(lambda c: get(c))  # type: ignore[arg-type, return-value]


def minutes(*, min_value: int = 0, max_value: int = 120) -> st.SearchStrategy[int]:
    """Treatment minutes for one code on one day (``0`` to ``max_value``, at most 1,440)."""
    low = _check_int(min_value, "min_value", 0, MINUTES_PER_DAY)
    high = _check_int(max_value, "max_value", low, MINUTES_PER_DAY)
    return st.integers(min_value=low, max_value=high)


def dates_of_service(
    *, min_value: date | str = date(2017, 1, 1), max_value: date | str = date(2026, 12, 31)
) -> st.SearchStrategy[date]:
    """Dates of service within the range the library supports."""
    low = coerce_date(min_value, field="min_value")
    high = coerce_date(max_value, field="max_value")
    if low > high:
        raise ValueError(f"min_value {low} is after max_value {high}")
    if low < MIN_DATE or high > MAX_DATE:  # pragma: no cover - coerce_date already bounds
        raise ValueError("dates outside the supported range")
    return st.dates(min_value=low, max_value=high)


def modifiers(*, max_size: int = 2) -> st.SearchStrategy[tuple[str, ...]]:
    """Tuples of distinct, well-formed modifiers (common therapy modifiers)."""
    size = _check_int(max_size, "max_size", 0, 4)
    return st.lists(st.sampled_from(KNOWN_MODIFIERS), max_size=size, unique=True).map(tuple)


def service_lines(
    *,
    code: st.SearchStrategy[str] | None = None,
    max_units: int = 8,
    max_modifiers: int = 2,
) -> st.SearchStrategy[ServiceLine]:
    """:class:`~ot_billing_rules.ServiceLine` values (``code`` defaults to :func:`codes`)."""
    if code is not None and not isinstance(code, st.SearchStrategy):
        raise TypeError(f"code must be a strategy (wrap a value in st.just), not {code!r}")
    top = _check_int(max_units, "max_units", 1, MAX_UNITS)
    return st.builds(
        ServiceLine,
        code=code if code is not None else codes(),
        units=st.integers(min_value=1, max_value=top),
        modifiers=modifiers(max_size=max_modifiers),
    )


def claim_lines(*, max_units: int = 8) -> st.SearchStrategy[ClaimLine]:
    """:class:`~ot_billing_rules.ClaimLine` values."""
    top = _check_int(max_units, "max_units", 1, MAX_UNITS)
    return st.builds(
        ClaimLine,
        code=codes(),
        units=st.integers(min_value=1, max_value=top),
        modifiers=modifiers(),
        minutes=st.none() | minutes(),
    )
