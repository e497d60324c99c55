"""Minutes to billable units: the CMS 8-minute rule, the AMA/CPT rule, and CQ/CO.

:func:`compute_units` takes one discipline's date of service — each code's
total treatment minutes — and returns a :class:`UnitAllocation`: units per
code, the claim lines (split into assistant-modifier and plain lines), the
equally valid alternatives when leftover minutes tie, findings and an
explanation in words.

**CMS method** (``method="cms"``; Pub. 100-04 Ch. 5 §20.2, grade: source —
chart, Examples 1–5 and the per-code floor read verbatim in the 2025–2026
edition): the day's total minutes of 15-minute timed codes fix the total
units by the chart (:func:`cms_units`: 8–22 minutes → 1, 23–37 → 2, …,
without end). Each code first gets its whole 15-minute blocks; the units left
go, one each, to the codes with the largest leftover minutes (Example 3: 7
leftover minutes of 97140 beat 3 of 97110). The allocation procedure is the
library's reading of those rules (inferred by ot-billing-rules from §20.2) and
reproduces all five manual examples.

**AMA method** (``method="ama"``; CPT's time rule — a unit is attained once
its midpoint is passed — CPT introduction "Time" and CPT Assistant Dec 2003
as described by Gawenda, grade: association/secondary): each code on its own,
8 / 23 / 38 … minutes, no pooling and no cap.

**Untimed codes** bill 1 unit and their minutes never enter the timed total;
codes that are not plain 15-minute codes follow their own arithmetic (see
:class:`UnitBasis`). Minutes are counted **per discipline**: call this once
for the OT services of a day and once for the PT services (no CMS statement
pools them; separate plans of care and KX buckets point to per-discipline
counting — inferred by ot-billing-rules; no public source settles it).

>>> from ot_billing_rules import compute_units
>>> alloc = compute_units({"97110": 33, "97140": 7}, on="2024-07-01")
>>> dict(alloc.units), alloc.total_timed_units
({'97110': 2, '97140': 1}, 3)
>>> dict(compute_units({"97110": 33, "97140": 7}, method="ama", on="2024-07-01").units)
{'97110': 2, '97140': 0}
"""

from __future__ import annotations

import enum
import functools
import itertools
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from .._coerce import (
    MAX_DATE,
    MIN_DATE,
    MINUTES_PER_DAY,
    coerce_date,
    coerce_discipline,
    coerce_enum,
    require_int,
)
from .._fast import compact_pickle, maker, slotted_base
from .._html import html_table
from ..catalog import lookup, normalize_code
from ..errors import (
    DuplicateCodeError,
    InvalidInputError,
    InvalidMinutesError,
    InvalidTypeError,
    OTBillingError,
)
from ..findings import Finding, Severity, findings_html
from ..lines import ClaimLine
from ..sources import cite
from ..terms import Discipline, HourRule, UnitBasis, UnitMethod
from ._families import Family, basis_of, family_of
from ._ties import MAX_ALTERNATIVES, alternative_units, split_tie, tie_finding
from .assistant import (
    DEFAULT_POLICY,
    AssistantPeriod,
    AssistantPolicy,
    BothEight,
    DeMinimisBase,
    Split,
    TwoLeftoverUnits,
    period_on,
    split_timed,
    split_whole_service,
)

__all__ = [
    "AssistantPeriod",
    "AssistantPolicy",
    "BothEight",
    "DeMinimisBase",
    "HourRule",
    "ServiceUnits",
    "TieBreak",
    "TwoLeftoverUnits",
    "UnitAllocation",
    "UnitBasis",
    "UnitCounts",
    "UnitMethod",
    "cms_chart_row",
    "cms_units",
    "compute_units",
]


class TieBreak(str, enum.Enum):
    """Who gets an extra unit when leftover minutes tie (CMS method).

    CMS leaves the choice to the provider (Examples 2 and 5), so every
    choice below is valid and the others are listed in
    :attr:`UnitAllocation.alternatives`. Codes named in ``prefer`` always come
    first; then:

    - ``minutes`` (default, chosen by ot-billing-rules): more total
      minutes first, then code order;
    - ``therapist_first``: fewer assistant-alone minutes first (keeps the unit
      off the CQ/CO reduction where the tie allows; inferred from §20.2's
      free choice in a tie), then more minutes, then code order;
    - ``code``: code order.
    """

    MINUTES = "minutes"
    THERAPIST_FIRST = "therapist_first"
    CODE = "code"


class UnitCounts(Mapping[str, int]):
    """An immutable, picklable ``code -> units`` mapping, in code order.

    Compares equal to any mapping with the same items (a ``dict`` included).

    >>> UnitCounts({"97140": 1, "97110": 2})
    UnitCounts({'97110': 2, '97140': 1})
    >>> UnitCounts({"97110": 2}) == {"97110": 2}
    True
    """

    __slots__ = ("_data",)
    _data: dict[str, int]

    def __init__(self, items: Mapping[str, int] | Iterable[tuple[str, int]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._data = dict(sorted(pairs))

    @classmethod
    def _sorted(cls, data: dict[str, int]) -> UnitCounts:
        obj = cls.__new__(cls)
        obj._data = data
        return obj

    def __getitem__(self, code: str) -> int:
        return self._data[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __repr__(self) -> str:
        return f"UnitCounts({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # The dict is already in code order: skip the constructor's sort on the way back.
        return (_unit_counts, (self._data,))

    def to_dict(self) -> dict[str, int]:
        """Return a plain ``dict``."""
        return dict(self._data)


def _unit_counts(data: dict[str, int]) -> UnitCounts:
    return UnitCounts._sorted(data)


@compact_pickle
@attrs.frozen
@slotted_base
class ServiceUnits:
    """How one service's minutes became units (one row of the explanation).

    A service is one code, or a base code and its add-on billed together
    (``"97129+97130"``). ``whole_blocks`` and ``leftover`` are its whole
    15-minute blocks and the minutes left over (15-minute services only);
    ``extra_unit`` says whether it won a unit from its leftover minutes;
    ``assistant_units`` how many of its units carry CQ/CO; ``note`` why.
    """

    service: str
    codes: tuple[str, ...]
    basis: UnitBasis
    minutes: int | None
    assistant_minutes: int
    whole_blocks: int
    leftover: int
    extra_unit: bool
    units: int
    assistant_units: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "service": self.service,
            "codes": list(self.codes),
            "basis": self.basis.value,
            "minutes": self.minutes,
            "assistant_minutes": self.assistant_minutes,
            "whole_blocks": self.whole_blocks,
            "leftover": self.leftover,
            "extra_unit": self.extra_unit,
            "units": self.units,
            "assistant_units": self.assistant_units,
            "note": self.note,
        }


@compact_pickle
@attrs.frozen
@slotted_base
class UnitAllocation:
    """The units of one discipline's date of service.

    - ``units``: every input code (and the base/add-on code a family's units
      were labelled with), 0 where not billable;
    - ``total_timed_minutes`` / ``total_timed_units``: minutes and units of the
      15-minute timed services (the CMS chart's input and output; under the
      AMA method the sum of the per-code units);
    - ``alternatives``: the other allocations that are equally valid because
      leftover minutes tie (CMS method);
    - ``lines``: the claim lines, with ``("CO",)`` / ``("CQ",)`` on the
      assistant's units; the discipline modifier (GO/GP), KX and 59 are added
      by :func:`~ot_billing_rules.audit_visit`, never here;
    - ``services``: one :class:`ServiceUnits` row per service;
    - ``findings``: ties, open CQ/CO cases, codes not counted per day.
    """

    units: UnitCounts
    total_timed_minutes: int
    total_timed_units: int
    alternatives: tuple[UnitCounts, ...]
    lines: tuple[ClaimLine, ...]
    method: UnitMethod
    on: date
    discipline: Discipline
    services: tuple[ServiceUnits, ...]
    findings: tuple[Finding, ...]
    assistant_period: AssistantPeriod

    @property
    def explanation(self) -> str:
        """The allocation in words: which chart row, who won the leftover units and why."""
        return _explain(self)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "method": self.method.value,
            "on": self.on.isoformat(),
            "discipline": self.discipline.value,
            "units": self.units.to_dict(),
            "total_timed_minutes": self.total_timed_minutes,
            "total_timed_units": self.total_timed_units,
            "alternatives": [a.to_dict() for a in self.alternatives],
            "lines": [line.to_dict() for line in self.lines],
            "services": [s.to_dict() for s in self.services],
            "findings": [f.to_dict() for f in self.findings],
            "assistant_period": self.assistant_period.value,
            "explanation": self.explanation,
        }

    def _repr_html_(self) -> str:
        head = (
            f"Units — {self.method.value.upper()} method, {self.discipline.value}, "
            f"{self.on.isoformat()}: {self.total_timed_minutes} timed min → "
            f"{self.total_timed_units} timed units"
        )
        table = html_table(
            head,
            [
                (
                    s.service,
                    s.basis.value,
                    "" if s.minutes is None else s.minutes,
                    s.assistant_minutes or "",
                    s.units,
                    s.assistant_units or "",
                    s.note,
                )
                for s in self.services
            ],
            header=("service", "basis", "min", "assistant min", "units", "CQ/CO", "why"),
        )
        lines = html_table(
            "Claim lines",
            [(ln.code, ln.units, " ".join(ln.modifiers), ln.minutes or "") for ln in self.lines],
            header=("code", "units", "modifiers", "minutes"),
        )
        return table + lines + (findings_html(self.findings) if self.findings else "")


_make_service = maker(ServiceUnits)
_make_allocation = maker(UnitAllocation)
_make_line = maker(ClaimLine)


def cms_units(total_timed_minutes: int) -> int:
    """Total units for a day's timed minutes by the CMS chart.

    Pub. 100-04 Ch. 5 §20.2 (grade: source): 8–22 minutes → 1 unit, 23–37 → 2,
    38–52 → 3 … and on past two hours; under 8 minutes → 0. Closed form
    ``(minutes + 7) // 15``.

    >>> tuple(cms_units(m) for m in (7, 8, 22, 23, 37, 38, 127, 128))
    (0, 1, 1, 2, 2, 3, 8, 9)
    """
    minutes = require_int(total_timed_minutes, field="total_timed_minutes", maximum=MINUTES_PER_DAY)
    return (minutes + 7) // 15


def cms_chart_row(units: int) -> tuple[int, int]:
    """The (first, last) minute of the CMS chart row giving ``units`` units.

    >>> cms_chart_row(0), cms_chart_row(1), cms_chart_row(3)
    ((0, 7), (8, 22), (38, 52))
    """
    n = require_int(units, field="units", maximum=MINUTES_PER_DAY)
    return (0, 7) if n == 0 else (15 * n - 7, 15 * n + 7)


# -- input checking ----------------------------------------------------------------------------

_METHODS = {"cms": UnitMethod.CMS, "ama": UnitMethod.AMA}
_TIE_BREAKS = {t.value: t for t in TieBreak}
_HOUR_RULES = {h.value: h for h in HourRule}
_DISCIPLINES = {d.value: d for d in Discipline}


# A year of dates for a few hundred codes: 4,096 entries missed 13 % of the time.
@functools.lru_cache(maxsize=1 << 16)
def _entry(raw: str, day: date) -> tuple[str, UnitBasis, tuple[str]]:
    # The one-code tuple too: a service row's codes, built once per code and day.
    code = normalize_code(raw)
    return code, basis_of(lookup(code, on=day)), (code,)


def _mapping(value: object, field: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise InvalidTypeError(
            f"{field} must be a mapping of code to minutes (e.g. {{'97110': 23}}), "
            f"not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )
    return value


def _duplicate(code: str, first: object, second: object, field: str) -> DuplicateCodeError:
    return DuplicateCodeError(
        f"{field} names {code} twice ({first!r} and {second!r}); give each code once with "
        "its total minutes",
        value=second,
        field=field,
    )


def _read_minutes(minutes: object, day: date) -> tuple[dict[str, int | None], dict[str, UnitBasis]]:
    given: dict[str, int | None] = {}
    bases: dict[str, UnitBasis] = {}
    raws: dict[str, object] = {}
    for raw, value in _mapping(minutes, "minutes").items():
        if not isinstance(raw, str):
            normalize_code(raw)  # raises the typed error
        code, basis, _ = _entry(raw, day)
        if code in given:
            raise _duplicate(code, raws[code], raw, "minutes")
        raws[code] = raw
        if value is None:
            if basis is not UnitBasis.UNTIMED:
                raise InvalidMinutesError(
                    f"minutes for {code} are missing: it is a timed code, so give its "
                    "treatment minutes (None is allowed only for untimed codes)",
                    value=value,
                    field=f"minutes[{code}]",
                )
            given[code] = None
        elif type(value) is int and 0 <= value <= MINUTES_PER_DAY:
            given[code] = value
        else:
            given[code] = require_int(value, field=f"minutes[{code}]", maximum=MINUTES_PER_DAY)
        bases[code] = basis
    day_total = sum(m for m in given.values() if m is not None)
    if day_total > MINUTES_PER_DAY:
        raise InvalidMinutesError(
            f"minutes add up to {day_total}, more than the {MINUTES_PER_DAY} minutes in a day",
            value=day_total,
            field="minutes",
        )
    return given, bases


def _read_assistant(assistant_minutes: object, given: Mapping[str, int | None]) -> dict[str, int]:
    out: dict[str, int] = {}
    if assistant_minutes is None:
        return out
    raws: dict[str, object] = {}
    for raw, value in _mapping(assistant_minutes, "assistant_minutes").items():
        code = normalize_code(raw)
        if code in out:
            raise _duplicate(code, raws[code], raw, "assistant_minutes")
        raws[code] = raw
        if code not in given:
            raise InvalidInputError(
                f"assistant_minutes names {code}, which is not in minutes "
                f"({', '.join(given) or 'none given'}); assistant minutes are part of a "
                "code's total minutes",
                value=raw,
                field="assistant_minutes",
            )
        total = given[code]
        field = f"assistant_minutes[{code}]"
        if total is None:
            raise InvalidMinutesError(
                f"{field}={value!r} needs the code's total minutes, but minutes[{code}] is None",
                value=value,
                field=field,
            )
        amount = require_int(value, field=field, maximum=MINUTES_PER_DAY)
        if amount > total:
            raise InvalidMinutesError(
                f"{field}={amount} is more than the code's total minutes {total} "
                "(assistant minutes are the part of the total the assistant furnished alone)",
                value=amount,
                field=field,
            )
        out[code] = amount
    return out


# -- the computation -----------------------------------------------------------------------------


@attrs.define
class _Service:
    """Scratch state of one service during a computation."""

    name: str
    codes: list[str]
    basis: UnitBasis
    family: Family | None
    minutes: int | None
    assistant: int = 0
    units: int = 0
    whole: int = 0
    leftover: int = 0
    extra: bool = False
    note: str = ""


def _services(
    given: Mapping[str, int | None], bases: Mapping[str, UnitBasis], assistant: Mapping[str, int]
) -> list[_Service]:
    out: dict[str, _Service] = {}
    for code, minutes in given.items():
        basis = bases[code]
        fam = family_of(code) if basis in _FAMILY_BASES else None
        name = fam.name if fam is not None else code
        svc = out.get(name)
        if svc is None:
            out[name] = _Service(name, [code], basis, fam, minutes, assistant.get(code, 0))
        else:
            svc.codes.append(code)
            svc.minutes = (svc.minutes or 0) + (minutes or 0)
            svc.assistant += assistant.get(code, 0)
    return sorted(out.values(), key=lambda s: s.name)


_FAMILY_BASES = frozenset({UnitBasis.COGNITIVE, UnitBasis.CAREGIVER, UnitBasis.HOURS})
_POOLED = frozenset({UnitBasis.FIFTEEN, UnitBasis.COGNITIVE})


def _tie_key(tie_break: TieBreak, prefer: Sequence[str]) -> Any:
    def rank(svc: _Service) -> tuple[Any, ...]:
        first = (
            min((prefer.index(c) for c in svc.codes if c in prefer), default=len(prefer))
            if prefer
            else 0
        )
        minutes = svc.minutes or 0
        if tie_break is TieBreak.MINUTES:
            return (-svc.leftover, first, -minutes, svc.name)
        if tie_break is TieBreak.THERAPIST_FIRST:
            return (-svc.leftover, first, svc.assistant, -minutes, svc.name)
        return (-svc.leftover, first, svc.name)

    return rank


def _allocate_cms(
    pool: list[_Service], total: int, tie_break: TieBreak, prefer: Sequence[str]
) -> tuple[int, list[_Service], list[_Service], int]:
    """Give whole blocks, then the remaining units to the largest leftovers.

    Returns (units, tied services, certain winners, units the tied share).
    """
    n = (total + 7) // 15
    spare = n
    for svc in pool:
        svc.whole, svc.leftover = divmod(svc.minutes or 0, 15)
        svc.units = svc.whole
        spare -= svc.whole
    if spare <= 0:
        return n, [], [], 0
    candidates = [s for s in pool if s.leftover]
    if len(candidates) > 1:
        candidates.sort(key=_tie_key(tie_break, prefer))
    for svc in candidates[:spare]:
        svc.units += 1
        svc.extra = True
    if spare >= len(candidates) or candidates[spare - 1].leftover != candidates[spare].leftover:
        return n, [], [], 0
    cut = candidates[spare - 1].leftover
    tied = [s for s in candidates if s.leftover == cut]
    certain = [s for s in candidates if s.leftover > cut]
    return n, tied, certain, spare - len(certain)


def _labelled(services: Iterable[_Service], units_of: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for svc in services:
        units = units_of[svc.name]
        fam = svc.family
        if fam is None:
            out[svc.codes[0]] = units
            continue
        base, add_on = fam.split(units)
        if base or fam.base in svc.codes:
            out[fam.base] = base
        if add_on or fam.add_on in svc.codes:
            out[fam.add_on] = add_on
    return dict(sorted(out.items()))


def _alternatives(
    services: list[_Service], tied: list[_Service], share: int
) -> tuple[tuple[UnitCounts, ...], bool]:
    chosen = frozenset(s.name for s in tied if s.extra)
    base_units = {s.name: s.units for s in services}
    for s in tied:
        base_units[s.name] = s.whole
    out: list[UnitCounts] = []
    names = sorted(s.name for s in tied)
    for combo in itertools.combinations(names, share):
        if frozenset(combo) == chosen:
            continue
        if len(out) == MAX_ALTERNATIVES:
            return tuple(out), True
        units = dict(base_units)
        for name in combo:
            units[name] += 1
        out.append(UnitCounts._sorted(_labelled(services, units)))
    return tuple(out), False


def compute_units(
    minutes: Mapping[str, int | None],
    *,
    method: UnitMethod | str = "cms",
    on: date | str | None = None,
    assistant_minutes: Mapping[str, int] | None = None,
    discipline: Discipline | str = "OT",
    tie_break: TieBreak | str = "minutes",
    prefer: Sequence[str] = (),
    assistant_policy: AssistantPolicy | None = None,
    hour_rule: HourRule | str = "midpoint",
) -> UnitAllocation:
    """Turn one discipline's minutes on one date of service into billable units.

    ``minutes`` maps each code to its total treatment minutes that day,
    whoever furnished them (``None`` is allowed for untimed codes);
    ``assistant_minutes`` is the part of a code's minutes an OT/PT assistant
    furnished **alone** (minutes furnished together with the therapist are the
    therapist's). ``discipline`` picks the assistant modifier: ``CO`` for OT,
    ``CQ`` for PT, none for SLP. ``on`` (default today) picks the codes valid
    that day and the CQ/CO rule in force.

    ``method``: ``"cms"`` (8-minute total-time rule, Pub. 100-04 Ch. 5 §20.2)
    or ``"ama"`` (CPT per-code rule) — see the module docs for the rules, the
    sources and their evidence grades. Options for the cases the sources leave
    to the provider or leave open: ``tie_break`` and ``prefer`` (who gets a
    unit when leftovers tie; :class:`TieBreak`), ``assistant_policy`` (open
    CQ/CO cases; :class:`AssistantPolicy`), ``hour_rule`` (97545/97546;
    :class:`HourRule`).

    Raises :class:`~ot_billing_rules.errors.InvalidMinutesError` for minutes
    that are negative, over 1,440 for a code or for the day, missing for a
    timed code, or assistant minutes over the code's minutes;
    :class:`~ot_billing_rules.errors.InvalidTypeError` for non-int minutes
    (bools and floats included); the :func:`~ot_billing_rules.lookup` errors
    for malformed, unknown or not-yet/no-longer valid codes;
    :class:`~ot_billing_rules.errors.DuplicateCodeError` for a code given
    twice; :class:`~ot_billing_rules.errors.InvalidOptionError` for an unknown
    method, discipline or option.

    >>> a = compute_units({"97110": 18, "97140": 13, "97116": 10, "97035": 8}, on="2024-07-01")
    >>> dict(a.units)
    {'97035': 0, '97110': 1, '97116': 1, '97140': 1}
    >>> a = compute_units({"97110": 30}, assistant_minutes={"97110": 20}, on="2024-07-01")
    >>> tuple((ln.code, ln.units, ln.modifiers) for ln in a.lines)
    (('97110', 1, ()), ('97110', 1, ('CO',)))
    """
    if assistant_minutes is None and assistant_policy is None:
        quick = _quick(minutes, method, on, discipline, tie_break, prefer, hour_rule)
        if quick is not None:
            return quick
    return _full(
        minutes,
        method=method,
        on=on,
        assistant_minutes=assistant_minutes,
        discipline=discipline,
        tie_break=tie_break,
        prefer=prefer,
        assistant_policy=assistant_policy,
        hour_rule=hour_rule,
    )


_UNTIMED_NOTE = "untimed: 1 unit whatever the minutes; not in the timed total"
_FIFTEEN = UnitBasis.FIFTEEN
_UNTIMED = UnitBasis.UNTIMED
_NOBODY: frozenset[str] = frozenset()
_object_new = object.__new__


def _counts(data: dict[str, int]) -> UnitCounts:
    # UnitCounts._sorted without the class-method binding and the look-up of __new__
    # through the Mapping ABCs.
    obj: UnitCounts = _object_new(UnitCounts)
    obj._data = data
    return obj


_code_of = operator.itemgetter(0)
# Three date comparisons per call otherwise; a year of days fits many times over.
_period_on = functools.lru_cache(maxsize=1 << 12)(period_on)


def _quick(
    minutes: object,
    method: object,
    on: object,
    discipline: object,
    tie_break: object,
    prefer: object,
    hour_rule: object,
) -> UnitAllocation | None:
    """The common case without the scratch objects, or ``None`` for the full path.

    Taken for the CMS method with only 15-minute and untimed codes, plain int
    (or, untimed, ``None``) minutes, no assistant minutes and no ``prefer``,
    leftover ties included (:mod:`._ties`); anything else, bad input
    included, goes to :func:`_full`, which raises the errors. Every value
    matches the full path's (see tests/property/test_fast_paths.py).
    """
    if type(minutes) is not dict or type(prefer) not in (tuple, list) or prefer:
        return None
    if not (method is UnitMethod.CMS or (type(method) is str and method == "cms")):
        return None
    disc = _DISCIPLINES.get(discipline) if type(discipline) is str else discipline
    if type(disc) is not Discipline:
        return None
    tie = _TIE_BREAKS.get(tie_break) if type(tie_break) is str else tie_break
    hours = _HOUR_RULES.get(hour_rule) if type(hour_rule) is str else hour_rule
    if type(tie) is not TieBreak or type(hours) is not HourRule:
        return None
    # The options above are valid, so a bad date raises here what _full would raise first.
    day = on if type(on) is date and MIN_DATE <= on <= MAX_DATE else coerce_date(on)
    rows: list[tuple[str, UnitBasis, tuple[str], int | None]] = []
    leftovers: list[int] = []
    total = untimed = whole_sum = 0
    for raw, value in minutes.items():
        if type(raw) is not str:
            return None
        try:
            code, basis, one = _entry(raw, day)
        except OTBillingError:
            # _full raises it, unless an earlier code was given twice: that error comes first.
            return None
        if type(value) is int:
            if not 0 <= value <= MINUTES_PER_DAY:
                return None
            if basis is _FIFTEEN:
                total += value
                whole_sum += value // 15
                left = value % 15
                if left:
                    leftovers.append(left)
            elif basis is _UNTIMED:
                untimed += value
            else:
                return None
        elif value is not None or basis is not _UNTIMED:
            return None
        rows.append((code, basis, one, value))
    if total + untimed > MINUTES_PER_DAY:
        return None
    # By code alone: a code given twice (two spellings) must not compare None with an int.
    rows.sort(key=_code_of)
    n = (total + 7) // 15
    spare = n - whole_sum
    cut = 15  # leftovers at or above this win a unit, and so do the codes in edge
    edge = _NOBODY
    at_edge = -1  # the tied leftover, if any
    tied: tuple[str, ...] = ()
    share = 0
    if spare >= len(leftovers):
        cut = 1 if spare > 0 else 15
    elif spare > 0:
        leftovers.sort(reverse=True)
        cut = leftovers[spare - 1]
        if cut == leftovers[spare]:
            # A tie at the cut: the tie-break picks who of the tied codes gets a unit.
            timed = [(c, v or 0) for c, b, _, v in rows if b is _FIFTEEN and (v or 0) % 15]
            tied, share = split_tie(timed, spare, tie is not TieBreak.CODE)
            edge = frozenset(tied[:share])
            at_edge = cut
            cut += 1
    units: dict[str, int] = {}
    lines: list[ClaimLine] = []
    services: list[ServiceUnits] = []
    for code, basis, one, value in rows:
        if basis is _FIFTEEN:
            whole, leftover = divmod(value or 0, 15)
            extra = leftover >= cut or (leftover == at_edge and code in edge)
            got = whole + extra
            services.append(
                _make_service(code, one, basis, value, 0, whole, leftover, extra, got, 0, "")
            )
        else:
            got = 1
            services.append(
                _make_service(code, one, basis, value, 0, 0, 0, False, 1, 0, _UNTIMED_NOTE)
            )
        units[code] = got
        if got:
            lines.append(_make_line(code, got, (), value))
    if len(units) != len(rows):
        return None  # a code given twice (two spellings): _full raises the error
    alternatives: tuple[UnitCounts, ...] = ()
    findings: tuple[Finding, ...] = ()
    if tied:
        alts, cut_short = alternative_units(units, tied, share)
        alternatives = tuple(map(_counts, alts))
        findings = (tie_finding(tied, tied, cut - 1, share, tied[:share], tie.value, cut_short),)
    return _make_allocation(
        _counts(units),
        total,
        n,
        alternatives,
        tuple(lines),
        UnitMethod.CMS,
        day,
        disc,
        tuple(services),
        findings,
        _period_on(day),
    )


def _full(
    minutes: Mapping[str, int | None],
    *,
    method: UnitMethod | str = "cms",
    on: date | str | None = None,
    assistant_minutes: Mapping[str, int] | None = None,
    discipline: Discipline | str = "OT",
    tie_break: TieBreak | str = "minutes",
    prefer: Sequence[str] = (),
    assistant_policy: AssistantPolicy | None = None,
    hour_rule: HourRule | str = "midpoint",
) -> UnitAllocation:
    """:func:`compute_units` for every case (the fast path's reference)."""
    meth = _METHODS.get(method) if type(method) is str else None
    if meth is None:
        meth = coerce_enum(UnitMethod, method, field="method")
    day = coerce_date(on)
    disc = _DISCIPLINES.get(discipline) if type(discipline) is str else None
    if disc is None:
        disc = coerce_discipline(discipline)
    tie = _TIE_BREAKS.get(tie_break) if type(tie_break) is str else None
    if tie is None:
        tie = coerce_enum(TieBreak, tie_break, field="tie_break")
    hours = _HOUR_RULES.get(hour_rule) if type(hour_rule) is str else None
    if hours is None:
        hours = coerce_enum(HourRule, hour_rule, field="hour_rule")
    policy = DEFAULT_POLICY if assistant_policy is None else assistant_policy
    if not isinstance(policy, AssistantPolicy):
        raise InvalidTypeError(
            f"assistant_policy must be an AssistantPolicy, not {type(policy).__name__} {policy!r}",
            value=policy,
            field="assistant_policy",
        )
    favoured = _prefer(prefer)

    given, bases = _read_minutes(minutes, day)
    assistant = _read_assistant(assistant_minutes, given)
    return _allocate(given, bases, assistant, meth, day, disc, tie, hours, policy, favoured)


def _allocate(
    given: Mapping[str, int | None],
    bases: Mapping[str, UnitBasis],
    assistant: Mapping[str, int],
    meth: UnitMethod,
    day: date,
    disc: Discipline,
    tie: TieBreak,
    hours: HourRule,
    policy: AssistantPolicy,
    favoured: Sequence[str],
) -> UnitAllocation:
    """The full computation on checked input."""
    services = _services(given, bases, assistant)
    findings: list[Finding] = []

    for svc in services:
        _other_bases(svc, hours, findings)
    pool = [s for s in services if s.basis in _POOLED]
    total = sum(s.minutes or 0 for s in pool)
    alternatives: tuple[UnitCounts, ...] = ()
    if meth is UnitMethod.CMS:
        n, tied, certain, share = _allocate_cms(pool, total, tie, favoured)
        if tied:
            alternatives, cut_short = _alternatives(services, tied, share)
            findings.append(_tie_finding(tied, certain, share, tie, cut_short))
    else:
        n = 0
        for svc in pool:
            svc.whole, svc.leftover = divmod(svc.minutes or 0, 15)
            svc.units = ((svc.minutes or 0) + 7) // 15
            svc.extra = svc.units > svc.whole
            n += svc.units

    units_of = {s.name: s.units for s in services}
    units = UnitCounts._sorted(_labelled(services, units_of))
    period = period_on(day)
    # The plain dict: Mapping.get on UnitCounts is a Python-level call per look-up.
    lines, assistant_units = _lines(services, units._data, disc, period, policy, findings)
    _family_findings(services, units._data, findings)
    # Positional makers: every value here is already checked (see _fast.slotted_base).
    return _make_allocation(
        units,
        total,
        n,
        alternatives,
        tuple(lines),
        meth,
        day,
        disc,
        tuple(
            _make_service(
                s.name,
                tuple(s.codes),
                s.basis,
                s.minutes,
                s.assistant,
                s.whole,
                s.leftover,
                s.extra,
                s.units,
                assistant_units.get(s.name, 0),
                s.note,
            )
            for s in services
        ),
        tuple(findings),
        period,
    )


def _prefer(prefer: object) -> tuple[str, ...]:
    if isinstance(prefer, str) or not isinstance(prefer, (list, tuple)):
        raise InvalidTypeError(
            f"prefer must be a list of codes, not {type(prefer).__name__} {prefer!r}",
            value=prefer,
            field="prefer",
        )
    return tuple(normalize_code(c) for c in prefer)


def _other_bases(svc: _Service, hours: HourRule, findings: list[Finding]) -> None:
    if svc.basis is UnitBasis.COGNITIVE:
        svc.note = (
            "97129 + 97130 pooled as one 15-minute service: first unit 97129 (once a day), "
            "the rest 97130 (inferred)"
        )
    elif svc.basis is UnitBasis.UNTIMED:
        svc.units = 1
        svc.note = "untimed: 1 unit whatever the minutes; not in the timed total"
    elif svc.basis is UnitBasis.MONTHLY:
        svc.units = 0
        svc.note = "time counted per calendar month, not per date of service: not counted here"
        findings.append(
            Finding(
                "units.not_daily_minutes",
                Severity.WARNING,
                tuple(svc.codes),
                f"{svc.name} counts its minutes per calendar month, not per date of service, "
                "so compute_units does not turn its minutes into units (0 here).",
                suggestion="Bill it from the month's total minutes under its own descriptor "
                "(e.g. RTM 98980 for the first 20 minutes in the month, 98981 for each further "
                "20).",
                source=cite("cpt_monthly_time"),
            )
        )
    elif svc.family is not None:
        fam = svc.family
        svc.units = fam.units(svc.minutes or 0, hours)
        if svc.basis is UnitBasis.HOURS:
            rule = (
                "whole blocks"
                if hours is HourRule.FULL
                else "past the midpoint: 61+ min, add-on at 151, 211 … min"
            )
            svc.note = (
                f"hour-based ({fam.base} first {fam.base_minutes} min, {fam.add_on} each "
                f"further {fam.add_on_minutes}); {rule}; never on the 15-minute chart (inferred)"
            )
        else:
            svc.note = (
                f"{fam.base} first 30 min (from 16 min), {fam.add_on} each further 15 (at 38, "
                "53 … min); per-code rule, not in the 15-minute total (inferred)"
            )


def _lines(
    services: list[_Service],
    units: Mapping[str, int],
    disc: Discipline,
    period: AssistantPeriod,
    policy: AssistantPolicy,
    findings: list[Finding],
) -> tuple[list[ClaimLine], dict[str, int]]:
    modifier = disc.assistant_modifier
    out: list[ClaimLine] = []
    marked: dict[str, int] = {}
    assisted = [s for s in services if s.assistant and s.units]
    if assisted and period is AssistantPeriod.NONE:
        findings.append(_no_modifier_finding(assisted, "before 2020-01-01"))
    elif assisted and modifier is None:
        findings.append(_no_modifier_finding(assisted, f"for {disc.value}"))
    use = period is not AssistantPeriod.NONE and modifier is not None
    for svc in services:
        if not svc.units:
            continue
        split = _split(svc, period, policy) if use and svc.assistant else None
        if split is None:
            for code in svc.codes if svc.family is None else (svc.family.base, svc.family.add_on):
                n = units.get(code, 0)
                if n:
                    out.append(_line(code, n, (), svc.minutes if svc.family is None else None))
            continue
        assert modifier is not None
        marked[svc.name] = split.modifier
        svc.note = f"{svc.note}; {split.reason}" if svc.note else split.reason
        if split.open_case:
            findings.append(_open_case_finding(svc, split.open_case))
        if svc.family is None:
            code = svc.codes[0]
            minutes = svc.minutes or 0
            # A line carries the minutes behind it: all of them when the code is not split.
            both = bool(split.plain and split.modifier)
            if split.plain:
                out.append(
                    _line(code, split.plain, (), minutes - svc.assistant if both else minutes)
                )
            if split.modifier:
                out.append(
                    _line(code, split.modifier, (modifier,), svc.assistant if both else minutes)
                )
            continue
        # The first unit of a family is its base code; therapist units are counted first.
        fam = svc.family
        base_marked = split.plain == 0
        add_plain = split.plain - (0 if base_marked else 1)
        add_marked = split.modifier - (1 if base_marked else 0)
        out.append(_line(fam.base, 1, (modifier,) if base_marked else (), None))
        if add_plain > 0:
            out.append(_line(fam.add_on, add_plain, (), None))
        if add_marked > 0:
            out.append(_line(fam.add_on, add_marked, (modifier,), None))
        if split.plain and split.modifier:
            findings.append(
                _open_case_finding(
                    svc,
                    f"{svc.name} has units with and without {modifier}: the therapist's units "
                    f"were labelled first, so the {fam.base} unit carries "
                    f"{modifier if base_marked else 'no modifier'} (inferred)",
                )
            )
    return out, marked


def _line(code: str, units: int, modifiers: tuple[str, ...], minutes: int | None) -> ClaimLine:
    # Codes and modifiers are already normalised here; skip the converters on this hot path.
    return _make_line(code, units, modifiers, minutes)


def _split(svc: _Service, period: AssistantPeriod, policy: AssistantPolicy) -> Split:
    minutes = svc.minutes or 0
    if svc.basis in _POOLED:
        return split_timed(svc.units, minutes, svc.assistant, period, policy)
    open_case = ""
    if svc.basis is not UnitBasis.UNTIMED:
        open_case = (
            f"{svc.name} is not a 15-minute code: the per-unit CQ/CO test is not defined for it, "
            "so the whole-service 10% test was applied"
        )
    return split_whole_service(svc.units, minutes, svc.assistant, period, open_case=open_case)


def _tie_finding(
    tied: list[_Service], certain: list[_Service], share: int, tie: TieBreak, cut_short: bool
) -> Finding:
    return tie_finding(
        tuple(s.name for s in tied),
        tuple(c for s in tied for c in s.codes),
        tied[0].leftover,
        share,
        tuple(s.name for s in tied if s.extra),
        tie.value,
        cut_short,
    )


def _open_case_finding(svc: _Service, text: str) -> Finding:
    return Finding(
        "units.assistant.open_case",
        Severity.WARNING,
        tuple(svc.codes),
        f"{svc.name}: {text}.",
        suggestion="No public source settles this case; check the payer's guidance, or change "
        "the choice with assistant_policy=AssistantPolicy(...).",
        source=cite("cms_assistant_modifiers"),
    )


def _no_modifier_finding(assisted: list[_Service], why: str) -> Finding:
    codes = tuple(c for s in assisted for c in s.codes)
    return Finding(
        "units.assistant.no_modifier",
        Severity.INFO,
        codes,
        f"Assistant minutes were given for {', '.join(codes)}, but no CQ/CO modifier applies "
        f"{why}; the minutes were counted with the rest.",
        suggestion="CQ (PT) and CO (OT) are required on claims from 2020-01-01; SLP has no "
        "assistant modifier.",
        source=cite("cms_assistant_modifiers"),
    )


def _family_findings(
    services: list[_Service], units: Mapping[str, int], findings: list[Finding]
) -> None:
    for svc in services:
        fam = svc.family
        if fam is None:
            continue
        billed = {c for c in (fam.base, fam.add_on) if units.get(c)}
        if billed and billed != set(svc.codes):
            findings.append(
                Finding(
                    "units.family.relabelled",
                    Severity.INFO,
                    (fam.base, fam.add_on),
                    f"{fam.name} is one service: its {svc.minutes} minutes give {svc.units} "
                    f"unit(s), billed as {fam.base} × {units.get(fam.base, 0)} and "
                    f"{fam.add_on} × {units.get(fam.add_on, 0)} (first unit {fam.base}, the "
                    f"rest {fam.add_on}).",
                    suggestion=f"Report {fam.add_on} only together with {fam.base}.",
                    source=cite("cpt_code_family"),
                )
            )


# -- explanation ---------------------------------------------------------------------------------


def _explain(a: UnitAllocation) -> str:
    out: list[str] = []
    pooled = [s for s in a.services if s.basis in _POOLED]
    if a.method is UnitMethod.CMS:
        out.append(
            f"CMS 8-minute rule (Pub. 100-04 Ch. 5 §20.2), {a.discipline.value}, "
            f"{a.on.isoformat()}."
        )
        if pooled:
            parts = " + ".join(f"{s.service} {s.minutes}" for s in pooled)
            lo, hi = cms_chart_row(a.total_timed_units)
            out.append(
                f"Timed minutes: {parts} = {a.total_timed_minutes} min; chart row {lo}–{hi} "
                f"min → {a.total_timed_units} unit(s)."
            )
            whole = [f"{s.service} × {s.whole_blocks}" for s in pooled if s.whole_blocks]
            used = sum(s.whole_blocks for s in pooled)
            out.append("Whole 15-minute blocks: " + (", ".join(whole) if whole else "none") + ".")
            spare = a.total_timed_units - used
            if spare > 0:
                won = [f"{s.service} ({s.leftover} min)" for s in pooled if s.extra_unit]
                lost = [
                    f"{s.service} ({s.leftover} min)"
                    for s in pooled
                    if s.leftover and not s.extra_unit
                ]
                text = (
                    f"{spare} unit(s) left go to the largest leftovers: {', '.join(won)}"
                    + (f"; not to {', '.join(lost)}" if lost else "")
                    + "."
                )
                out.append(text)
            elif any(s.leftover for s in pooled):
                out.append("No unit is left for leftover minutes.")
    else:
        out.append(
            f"AMA/CPT per-code rule, {a.discipline.value}, {a.on.isoformat()}: each code on its "
            "own, no pooling, no cap."
        )
        for s in pooled:
            lo, hi = cms_chart_row(s.units)
            why = "under 8 minutes" if s.units == 0 else f"row {lo}–{hi} min"
            out.append(f"{s.service}: {s.minutes} min → {s.units} unit(s) ({why}).")
    for s in a.services:
        if s.basis not in _POOLED:
            out.append(f"{s.service}: {s.units} unit(s) — {s.note}.")
        elif s.assistant_minutes:
            out.append(f"{s.service} CQ/CO: {s.note}.")
    for f in a.findings:
        if f.rule == "units.cms.tie":
            out.append(f"Tie: {f.message}")
    billed = [f"{code} × {n}" for code, n in a.units.items() if n]
    out.append("Billed: " + (", ".join(billed) if billed else "nothing") + ".")
    return "\n".join(out)


def minutes_missing(code: str) -> Finding:
    """The ``units.minutes_missing`` finding: a timed code given without minutes."""
    return Finding(
        "units.minutes_missing",
        Severity.ERROR,
        (code,),
        f"{code} is a timed code but no minutes were given, so its units cannot be computed.",
        suggestion="Give the code's total treatment minutes for the date of service.",
        source=cite("cms_timed_codes"),
    )
