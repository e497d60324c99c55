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
from typing import Any

from hypothesis import strategies as st

from ._coerce import MINUTES_PER_DAY, coerce_date, coerce_enum
from .catalog import Category, Code, get
from .catalog import codes as _catalog_codes
from .errors import InvalidDateError, InvalidInputError, InvalidTypeError
from .evaluation import (
    Comorbidities,
    Complexity,
    OccupationalProfile,
    Presentation,
    TaskModification,
)
from .lines import MAX_UNITS, ClaimLine, ServiceLine
from .modifiers import ASSISTANT_MODIFIERS, BYPASS_MODIFIERS
from .ncci import EditSet, ModifierIndicator, PTPEdit
from .terms import Discipline, Setting, UnitBasis
from .visit import Service, Visit

__all__ = [
    "at_evaluation_inputs",
    "catalog_entries",
    "claim_lines",
    "codes",
    "dates_of_service",
    "minutes",
    "modifiers",
    "ncci_pairs",
    "ot_evaluation_inputs",
    "pt_evaluation_inputs",
    "service_lines",
    "services",
    "sessions",
    "visits",
]

# Common codes first, so failures shrink toward a therapeutic-activities line.
_PREFERRED = ("97530", "97110", "97535", "97112", "97140", "97165", "97010")

#: Modifiers a therapy line commonly carries, simplest first: discipline,
#: assistant, KX, the PTP bypass modifiers and 25 — a sample of
#: :data:`~ot_billing_rules.modifiers.KNOWN_MODIFIERS`, built from its sets.
COMMON_MODIFIERS: tuple[str, ...] = (
    *(d.therapy_modifier for d in Discipline),
    *sorted(ASSISTANT_MODIFIERS),
    "KX",
    *BYPASS_MODIFIERS,
    "25",
)


def _check_bool_or_none(value: object, name: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidTypeError(
            f"{name} must be True, False or None, not {type(value).__name__} {value!r}",
            value=value,
            field=name,
        )


def _check_int(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidTypeError(
            f"{name} must be an int, not {type(value).__name__} {value!r}", value=value, field=name
        )
    if not low <= value <= high:
        raise InvalidInputError(
            f"{name}={value} must be within {low}..{high}", value=value, field=name
        )
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
        raise InvalidInputError(
            f"no catalog code matches timed={timed!r}, effective_on={effective_on!r}, "
            f"category={category!r}",
            value={"timed": timed, "effective_on": effective_on, "category": category},
            field="codes",
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
        raise InvalidDateError(
            f"min_value {low} is after max_value {high}", value=(low, high), field="min_value"
        )
    return st.dates(min_value=low, max_value=high)


def modifiers(*, max_size: int = 2) -> st.SearchStrategy[tuple[str, ...]]:
    """Tuples of distinct, well-formed modifiers (common therapy modifiers)."""
    size = _check_int(max_size, "max_size", 0, 4)
    return st.lists(st.sampled_from(COMMON_MODIFIERS), max_size=size, unique=True).map(tuple)


def service_lines(
    *,
    code: st.SearchStrategy[str] | None = None,
    max_units: int = 8,
    max_modifiers: int = 2,
) -> st.SearchStrategy[ServiceLine]:
    """:class:`~ot_billing_rules.ServiceLine` values (``code`` defaults to :func:`codes`)."""
    if code is not None and not isinstance(code, st.SearchStrategy):
        raise InvalidTypeError(
            f"code must be a strategy (wrap a value in st.just), not {code!r}",
            value=code,
            field="code",
        )
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


def _plain_timed(day: date) -> list[str]:
    # Plain 15-minute codes only: the family codes (97129/97130, 97550 ...)
    # have their own arithmetic and add-on pairing rules, monthly codes none.
    return [
        c
        for c in _ordered(_catalog_codes(on=day, timed=True))
        if get(c).unit_basis is UnitBasis.FIFTEEN  # type: ignore[union-attr]
    ]


def _untimed(day: date) -> list[str]:
    return [
        c
        for c in _ordered(_catalog_codes(on=day, timed=False))
        if not get(c).add_on_to  # type: ignore[union-attr]
        and get(c).category  # type: ignore[union-attr]
        in (Category.EVALUATION, Category.MODALITY_SUPERVISED, Category.GROUP, Category.FEEDING)
    ]


@st.composite
def _session(
    draw: Any, day: date, min_size: int, max_size: int, max_minutes: int
) -> dict[str, int]:
    chosen = draw(
        st.lists(
            st.sampled_from(_plain_timed(day)), min_size=min_size, max_size=max_size, unique=True
        )
    )
    return {code: draw(minutes(min_value=0, max_value=max_minutes)) for code in chosen}


def sessions(
    *,
    effective_on: date | str = date(2024, 7, 1),
    min_size: int = 1,
    max_size: int = 4,
    max_minutes: int = 75,
) -> st.SearchStrategy[dict[str, int]]:
    """Minutes per plain 15-minute timed code for one day (``compute_units``' input).

    Codes are distinct catalog codes valid on ``effective_on``.
    """
    day = coerce_date(effective_on, field="effective_on")
    low = _check_int(min_size, "min_size", 0, 8)
    high = _check_int(max_size, "max_size", max(low, 1), 8)
    top = _check_int(max_minutes, "max_minutes", 0, MINUTES_PER_DAY // 8)
    return _session(day, low, high, top)


@st.composite
def _services(draw: Any, day: date, max_size: int, assistant: bool) -> tuple[Service, ...]:
    timed = draw(_session(day, 0, max_size, 75))
    untimed = draw(st.lists(st.sampled_from(_untimed(day)), max_size=2, unique=True))
    out = []
    for code, mins in timed.items():
        helper = draw(st.none() | st.integers(0, mins)) if assistant else None
        out.append(Service(code, minutes=mins, assistant_minutes=helper))
    out.extend(Service(code) for code in untimed)
    if not out:
        out.append(Service(_plain_timed(day)[0], minutes=draw(minutes(min_value=8, max_value=60))))
    return tuple(out)


def services(
    *, effective_on: date | str = date(2024, 7, 1), max_size: int = 4, assistant: bool = True
) -> st.SearchStrategy[tuple[Service, ...]]:
    """A visit's services: distinct codes valid on ``effective_on``, timed ones with minutes."""
    day = coerce_date(effective_on, field="effective_on")
    size = _check_int(max_size, "max_size", 1, 8)
    _check_bool_or_none(assistant, "assistant")
    return _services(day, size, bool(assistant))


@st.composite
def _visit(
    draw: Any, days: st.SearchStrategy[date], payers: st.SearchStrategy[str], max_services: int
) -> Visit:
    day = draw(days)
    payer = draw(payers)
    return Visit(
        day,
        draw(_services(day, max_services, payer == "medicare")),
        discipline=Discipline.OT,
        payer=payer,
        setting=draw(st.sampled_from(list(Setting))),
    )


def visits(
    *,
    dates: st.SearchStrategy[date] | None = None,
    payers: st.SearchStrategy[str] | None = None,
    max_services: int = 4,
) -> st.SearchStrategy[Visit]:
    """OT :class:`~ot_billing_rules.Visit` values that :func:`audit_visit` accepts.

    ``dates`` defaults to :func:`dates_of_service` from 2022 (the current
    CQ/CO rules); ``payers`` to the built-in ``"medicare"`` and ``"commercial"``.
    """
    for name, value in (("dates", dates), ("payers", payers)):
        if value is not None and not isinstance(value, st.SearchStrategy):
            raise InvalidTypeError(
                f"{name} must be a strategy (wrap a value in st.just), not {value!r}",
                value=value,
                field=name,
            )
    size = _check_int(max_services, "max_services", 1, 8)
    return _visit(
        dates if dates is not None else dates_of_service(min_value=date(2022, 1, 1)),
        payers if payers is not None else st.sampled_from(["medicare", "commercial"]),
        size,
    )


def ot_evaluation_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for :func:`~ot_billing_rules.select_ot_evaluation`."""
    return st.fixed_dictionaries(
        {
            "profile": st.sampled_from(list(OccupationalProfile)),
            "performance_deficits": st.integers(min_value=1, max_value=12),
            "decision_making": st.sampled_from(list(Complexity)),
        },
        optional={
            "comorbidities": st.sampled_from(list(Comorbidities)),
            "task_modification": st.sampled_from(list(TaskModification)),
        },
    )


def pt_evaluation_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for :func:`~ot_billing_rules.select_pt_evaluation`."""
    return st.fixed_dictionaries(
        {
            "personal_factors": st.integers(min_value=0, max_value=6),
            "body_system_elements": st.integers(min_value=1, max_value=8),
            "presentation": st.sampled_from(list(Presentation)),
            "decision_making": st.sampled_from(list(Complexity)),
        }
    )


def at_evaluation_inputs() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for :func:`~ot_billing_rules.select_at_evaluation`."""
    return st.fixed_dictionaries(
        {
            "comorbidities": st.integers(min_value=0, max_value=6),
            "exam_elements": st.integers(min_value=1, max_value=8),
            "decision_making": st.sampled_from(list(Complexity)),
        },
        optional={"presentation": st.sampled_from(list(Presentation))},
    )


def ncci_pairs(
    *,
    setting: Setting | str = Setting.PRACTITIONER,
    modifier_indicator: ModifierIndicator | str | None = None,
    live_on: date | str | None = None,
) -> st.SearchStrategy[PTPEdit]:
    """Real PTP edits from the bundled CMS release (July 2024 OT subset).

    ``modifier_indicator`` restricts to ``"0"`` (never bypassable) or ``"1"``;
    ``live_on`` to edits in force on that date of service.
    """
    chosen = coerce_enum(Setting, setting, field="setting")
    indicator = (
        None
        if modifier_indicator is None
        else coerce_enum(ModifierIndicator, modifier_indicator, field="modifier_indicator")
    )
    day = None if live_on is None else coerce_date(live_on, field="live_on")
    edits = sorted(
        (
            e
            for e in EditSet.bundled().iter_ptp()
            if e.setting is chosen
            and (indicator is None or e.modifier_indicator is indicator)
            and (day is None or e.applies_on(day))
        ),
        key=lambda e: (e.column_1, e.column_2, e.deletion or date.max),
    )
    if not edits:
        raise InvalidInputError(
            f"no bundled PTP edit matches setting={chosen.value!r}, "
            f"modifier_indicator={indicator.value if indicator else None!r}, live_on={live_on!r}",
            field="ncci_pairs",
        )
    return st.sampled_from(edits)
