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

import functools
import types
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st

from . import _hypothesis
from ._coerce import MINUTES_PER_DAY, coerce_date, coerce_enum
from .catalog import Category, Code, get, lookup
from .catalog import codes as _catalog_codes
from .errors import InvalidDateError, InvalidInputError, InvalidTypeError, OTBillingError
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
from .payers import COMMERCIAL, MEDICARE, PayerPolicy, payer_policy
from .plan_of_care import PlanOfCare
from .terms import Discipline, Setting, UnitBasis, UnitMethod
from .visit import Service, Visit

__all__ = [
    "at_evaluation_inputs",
    "catalog_entries",
    "claim_lines",
    "codes",
    "dates_of_service",
    "invalid_visits",
    "minutes",
    "modifiers",
    "ncci_pairs",
    "ot_evaluation_inputs",
    "payer_policies",
    "plans_of_care",
    "pt_evaluation_inputs",
    "service_lines",
    "services",
    "sessions",
    "single_services",
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
def _services(
    draw: Any,
    day: date,
    max_size: int,
    assistant: bool,
    modifiers: bool | None = False,
    units: bool = False,
) -> tuple[Service, ...]:
    timed = draw(_session(day, 0, max_size, 75))
    untimed = draw(st.lists(st.sampled_from(_untimed(day)), max_size=2, unique=True))
    out = []
    for code, mins in timed.items():
        helper = draw(st.none() | st.integers(0, mins)) if assistant else None
        # units: now and then a timed code without its minutes (units.minutes_missing).
        if units and helper is None and draw(st.integers(0, 9)) == 9:
            out.append(Service(code))
            continue
        out.append(Service(code, minutes=mins, assistant_minutes=helper))
    out.extend(Service(code) for code in untimed)
    if not out:
        out.append(Service(_plain_timed(day)[0], minutes=draw(minutes(min_value=8, max_value=60))))
    if modifiers is not False:
        out = [_with_modifiers(draw, s, always=modifiers is True) for s in out]
    return tuple(out)


def _with_modifiers(draw: Any, service: Service, *, always: bool) -> Service:
    mods = draw(
        st.lists(st.sampled_from(COMMON_MODIFIERS), min_size=int(always), max_size=2, unique=True)
    )
    if not mods:
        return service
    bypass = any(m in BYPASS_MODIFIERS for m in mods)
    return attrs.evolve(
        service, modifiers=tuple(mods), separate_interval=bypass and draw(st.booleans())
    )


def services(
    *, effective_on: date | str = date(2024, 7, 1), max_size: int = 4, assistant: bool = True
) -> st.SearchStrategy[tuple[Service, ...]]:
    """A visit's services: distinct codes valid on ``effective_on``, timed ones with minutes."""
    day = coerce_date(effective_on, field="effective_on")
    size = _check_int(max_size, "max_size", 1, 8)
    _check_bool_or_none(assistant, "assistant")
    return _services(day, size, bool(assistant))


def single_services(
    *, effective_on: date | str = date(2024, 7, 1), assistant: bool = True
) -> st.SearchStrategy[Service]:
    """One :class:`~ot_billing_rules.Service` (``st.from_type(Service)`` draws these)."""
    return services(effective_on=effective_on, max_size=1, assistant=assistant).map(lambda s: s[0])


def plans_of_care(
    *, date_of_service: date | str = date(2024, 7, 1)
) -> st.SearchStrategy[PlanOfCare]:
    """Plans of care for a visit on ``date_of_service``.

    The episode began up to 150 days before; the certification is signed
    early, late or not yet, sometimes with a stated end; a recertification
    now and then; up to 14 treatment days since the last progress report —
    so the certification, recertification and progress-report rules all fire.
    """
    day = coerce_date(date_of_service, field="date_of_service")
    return _plan_of_care(day)


@st.composite
def _plan_of_care(draw: Any, day: date) -> PlanOfCare:
    first = day - timedelta(days=draw(st.integers(0, 150)))
    recert = draw(st.integers(0, 3)) == 3 and (day - first).days > 90
    start = first + timedelta(days=90) if recert else first
    signed = draw(st.none() | st.integers(0, 60).map(lambda d: start + timedelta(days=d)))
    through = draw(st.none() | st.integers(30, 120).map(lambda d: start + timedelta(days=d)))
    return PlanOfCare(
        first,
        certified_on=signed,
        certified_through=through,
        interval_start=start if recert else None,
        treatment_days_since_report=draw(st.none() | st.integers(0, 14)),
    )


def payer_policies() -> st.SearchStrategy[PayerPolicy]:
    """Payer policies: the built-in Medicare and commercial ones, and variants of them.

    Variants switch one rule family off or change the unit method or the
    bypass modifier, as a payer's own policy does.
    """
    return st.sampled_from([MEDICARE, COMMERCIAL]).flatmap(
        lambda base: (
            st.just(base)
            | st.builds(
                attrs.evolve,
                st.just(base),
                name=st.sampled_from(["Acme Health", "Example PPO"]),
                unit_method=st.sampled_from(list(UnitMethod)),
                kx_threshold=st.booleans(),
                plan_of_care_timing=st.booleans(),
                bypass_modifier=st.sampled_from(["59", "XU"]),
            )
        )
    )


@functools.cache
def _warm_up() -> None:
    # The audit's first call imports its pricing modules and loads the bundled
    # NCCI data (half a second or more); done here, when the strategy is made,
    # the first example of a test is not charged for it (Hypothesis deadlines).
    from .audit import audit_visit

    for setting in Setting:
        _ptp_pairs(setting)
    for payer in ("medicare", "commercial"):
        audit_visit(
            Visit(
                date(2024, 7, 1),
                (Service("97530", minutes=30), Service("97110", minutes=20)),
                payer=payer,
                ytd_allowed=Decimal("100.00"),
                plan_of_care=PlanOfCare(date(2024, 6, 1)),
            )
        )


@functools.cache
def _ptp_pairs(setting: Setting) -> list[PTPEdit]:
    # Live edits whose two codes the catalog knows: the pairs a visit may bill together.
    return [
        e
        for e in EditSet.bundled().iter_ptp()
        if e.setting is setting and get(e.column_1) is not None and get(e.column_2) is not None
    ]


@st.composite
def _ptp_services(draw: Any, day: date, setting: Setting) -> tuple[Service, ...]:
    edit = draw(st.sampled_from(_ptp_pairs(setting)))
    if not edit.applies_on(day):
        return ()
    out = []
    for code in (edit.column_1, edit.column_2):
        entry = _lookup_or_none(code, day)
        if entry is None:
            return ()
        out.append(
            Service(code, minutes=draw(minutes(min_value=8, max_value=38)) if entry.timed else None)
        )
    if draw(st.booleans()):  # a bypass modifier on column 2, sometimes a separate session
        bypass = draw(st.sampled_from(sorted(BYPASS_MODIFIERS)))
        out[1] = attrs.evolve(out[1], modifiers=(bypass,), separate_interval=draw(st.booleans()))
    return tuple(out)


def _lookup_or_none(code: str, day: date) -> Code | None:
    try:
        return lookup(code, on=day)
    except OTBillingError:
        return None


_DEFAULT_DISCIPLINES = tuple(Discipline)


def _discipline(value: object) -> Discipline:
    return coerce_enum(Discipline, value, field="disciplines")


@st.composite
def _visit(draw: Any, opts: _VisitOptions) -> Visit:
    day = draw(opts.dates)
    payer = draw(opts.payers)
    discipline = draw(opts.disciplines)
    setting = draw(st.sampled_from(list(Setting)))
    services = list(
        draw(
            _services(
                day,
                opts.max_services,
                payer == "medicare" or getattr(payer, "name", "") == "medicare",
                opts.modifiers,
                units=True,
            )
        )
    )
    if opts.ncci and draw(st.integers(0, 3)) == 3:
        have = {s.code for s in services}
        extra = [s for s in draw(_ptp_services(day, setting)) if s.code not in have]
        if sum(s.minutes or 0 for s in (*services, *extra)) <= MINUTES_PER_DAY:
            services.extend(extra)
    ytd = (
        None
        if opts.kx is False
        else draw(_money(0, 4500) if opts.kx else st.none() | _money(0, 4500))
    )
    plan = (
        None
        if opts.plan_of_care is False
        else draw(_plan_of_care(day) if opts.plan_of_care else st.none() | _plan_of_care(day))
    )
    return Visit(
        day,
        tuple(services),
        discipline=discipline,
        payer=payer,
        setting=setting,
        ytd_allowed=ytd,
        plan_of_care=plan,
    )


def _money(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low * 100, high * 100).map(lambda cents: Decimal(cents) / 100)


@attrs.frozen
class _VisitOptions:
    dates: st.SearchStrategy[date]
    payers: st.SearchStrategy[Any]
    disciplines: st.SearchStrategy[Discipline]
    max_services: int
    kx: bool | None
    plan_of_care: bool | None
    modifiers: bool | None
    ncci: bool


def _strategy_or_values(value: object, name: str, convert: Any = None) -> Any:
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
        raise InvalidTypeError(
            f"{name} must be a strategy or a non-empty list of values (wrap one value in "
            f"st.just), not {value!r}",
            value=value,
            field=name,
        )
    return st.sampled_from([convert(v) if convert else v for v in value])


def visits(
    *,
    dates: st.SearchStrategy[date] | None = None,
    payers: st.SearchStrategy[Any] | Sequence[str | PayerPolicy] | None = None,
    max_services: int = 4,
    kx: bool | None = None,
    plan_of_care: bool | None = None,
    modifiers: bool | None = None,
    disciplines: st.SearchStrategy[Any] | Sequence[Discipline | str] | None = None,
    ncci: bool = True,
) -> st.SearchStrategy[Visit]:
    """:class:`~ot_billing_rules.Visit` values that :func:`audit_visit` accepts.

    By default a few hundred draws reach every rule family of the audit:
    units (minutes, the 8-minute rule, a timed code without minutes), CQ/CO
    (assistant minutes), the KX threshold (``ytd_allowed`` from $0 to $4,500),
    plan-of-care timing, modifiers (therapy, assistant, KX, the bypass
    modifiers, 25 — sometimes the wrong ones), NCCI pairs (two codes of a
    bundled PTP edit, with or without a bypass modifier), the OT, PT and SLP
    disciplines and the Medicare and commercial payers.

    - ``dates``: a strategy of dates of service (default: 2022 to 2026, the
      current CQ/CO rules);
    - ``payers``: a strategy, or a list of payer ids or policies (default
      ``"medicare"`` and ``"commercial"``);
    - ``kx``, ``plan_of_care``, ``modifiers``: ``True`` always gives a
      year-to-date allowed amount / a plan of care / modifiers, ``False``
      never, ``None`` (the default) sometimes;
    - ``disciplines``: a strategy or a list of disciplines (default all three);
    - ``ncci=False`` leaves out the added PTP pairs.
    """
    if dates is not None and not isinstance(dates, st.SearchStrategy):
        raise InvalidTypeError(
            f"dates must be a strategy (wrap a value in st.just), not {dates!r}",
            value=dates,
            field="dates",
        )
    for name, flag in (
        ("kx", kx),
        ("plan_of_care", plan_of_care),
        ("modifiers", modifiers),
        ("ncci", ncci),
    ):
        _check_bool_or_none(flag, name)
    size = _check_int(max_services, "max_services", 1, 8)
    _warm_up()
    return _visit(
        _VisitOptions(
            dates=dates if dates is not None else dates_of_service(min_value=date(2022, 1, 1)),
            payers=st.sampled_from(["medicare", "commercial"])
            if payers is None
            else _strategy_or_values(payers, "payers", lambda p: payer_policy(p)),
            disciplines=st.sampled_from(_DEFAULT_DISCIPLINES)
            if disciplines is None
            else _strategy_or_values(disciplines, "disciplines", _discipline),
            max_services=size,
            kx=kx,
            plan_of_care=plan_of_care,
            modifiers=modifiers,
            ncci=bool(ncci),
        )
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


# -- invalid input -------------------------------------------------------------------

_Corruption = Callable[[Any, dict[str, Any]], Any]


def _set(key: str, values: st.SearchStrategy[Any]) -> _Corruption:
    def corrupt(draw: Any, data: dict[str, Any]) -> Any:
        return {**data, key: draw(values)}

    return corrupt


def _set_service(key: str, values: st.SearchStrategy[Any]) -> _Corruption:
    def corrupt(draw: Any, data: dict[str, Any]) -> Any:
        first = {**data["services"][0], key: draw(values)}
        return {**data, "services": [first, *data["services"][1:]]}

    return corrupt


def _drop(key: str) -> _Corruption:
    def corrupt(draw: Any, data: dict[str, Any]) -> Any:
        return {k: v for k, v in data.items() if k != key}

    return corrupt


def _twice(draw: Any, data: dict[str, Any]) -> Any:
    return {**data, "services": [data["services"][0], *data["services"]]}


def _too_many_minutes(draw: Any, data: dict[str, Any]) -> Any:
    services = [
        {"code": c, "minutes": MINUTES_PER_DAY // 2 + 1} for c in ("97530", "97110", "97535")
    ]
    return {**data, "services": services}


def _more_assistant_than_total(draw: Any, data: dict[str, Any]) -> Any:
    first = {**data["services"][0], "code": "97530", "minutes": 20, "assistant_minutes": 21}
    return {**data, "services": [first]}


def _not_a_mapping(draw: Any, data: dict[str, Any]) -> Any:
    return draw(
        st.sampled_from([None, 0, "visit", b"{}", [data], (data,), {data["date_of_service"]}])
        | st.builds(types.SimpleNamespace, **{k: st.just(v) for k, v in data.items()})
    )


_TEXT = st.text(max_size=8)

_CORRUPTIONS: tuple[_Corruption, ...] = (
    _set("copay", st.integers()),  # an unknown key
    _drop("date_of_service"),
    _drop("services"),
    _set("date_of_service", st.sampled_from(["2024-13-01", "2024-02-30", "yesterday", ""])),
    _set("date_of_service", st.integers() | st.floats() | st.lists(_TEXT, max_size=2)),
    _set("services", st.sampled_from([[], "97530", 97530, [None], ["97530"], {}])),
    _set("discipline", st.sampled_from(["XX", "", "ot therapy", 3])),
    _set("payer", st.sampled_from(["no-such-payer", "", 7, ["medicare"]])),
    _set("setting", st.sampled_from(["home", "", 1])),
    _set("ytd_allowed", st.sampled_from(["abc", "-5.00", "NaN", "1e400", True, [1]])),
    _set("plan_of_care", st.sampled_from([{"certified_on": "2024-01-01"}, "2024-01-01", 5])),
    _set(
        "plan_of_care",
        st.just({"first_treatment": "2024-06-01", "interval_start": "2024-05-01"}),
    ),
    _set_service("code", st.sampled_from(["9753", "", "97530X", "ABCDE", 97530, None])),
    _set_service("minutes", st.sampled_from([-1, MINUTES_PER_DAY + 1, "ten", 2.5, True, [30]])),
    _set_service("modifiers", st.sampled_from([["ZZZ"], "G", [5], [["GO"]]])),
    _set_service("separate_interval", st.sampled_from(["maybe", 2, [True]])),
    _set_service("unknown_service_key", st.integers()),
    _twice,
    _too_many_minutes,
    _more_assistant_than_total,
    _not_a_mapping,
)


@st.composite
def _invalid_visit(draw: Any) -> Any:
    base = draw(visits(ncci=False, max_services=2)).to_dict()
    corrupt = draw(st.sampled_from(_CORRUPTIONS))
    return corrupt(draw, base)


def invalid_visits() -> st.SearchStrategy[Any]:
    """Inputs that :meth:`Visit.from_dict` and :func:`audit_visit` must refuse.

    Mostly :meth:`Visit.to_dict` payloads of a valid visit with one thing
    broken (an unknown key, a missing or malformed date, an unknown code,
    minutes out of range, a modifier, discipline, payer or setting that does
    not exist, a duplicate code, a plan of care that contradicts itself), and
    inputs that are not a visit mapping at all (``None``, a list, an object
    with a visit's attributes). Each must raise an
    :class:`~ot_billing_rules.errors.OTBillingError`, never another exception.
    """
    return _invalid_visit()


# Registered on import as well, for when Hypothesis's plugins are off.
_hypothesis.register()
