"""Medicare telehealth for therapists, dated by date of service.

Physical therapists, occupational therapists and speech-language
pathologists are not among the distant-site practitioners of SSA §1834(m)(4)(E).
They could bill Medicare telehealth only inside windows that a waiver or an
act of Congress opened: the COVID-19 PHE waiver from 2020-03-01, then
extensions through 2027-12-31, two of them enacted after a lapse and reaching
back to it. The windows, the POS rate and billing conventions by date and the
therapy codes on the Medicare Telehealth Services List are package data
(``_data/telehealth.json``, built from ``data/sources/telehealth/``); every
row carries its public source and a letter grade, and what no source read
confirms is ``unknown`` rather than guessed.

A retroactive change follows what is known now: a date in the 2025-10-01
lapse is inside the window Pub. L. 119-37 opened on 2025-11-12, and
:meth:`TelehealthWindow.retroactive_for` says the window reached back to it.

>>> w = telehealth_window("2025-10-15")
>>> w.status.value, w.enacted_on.isoformat(), w.retroactive_for("2025-10-15")
('eligible', '2025-11-12', True)
>>> telehealth_window("2019-06-01").status.value
'not_eligible'
>>> on_telehealth_list("97110", "2021-06-01"), on_telehealth_list("97129", "2021-06-01")
(True, None)
>>> pos_facility_rate("10", "2024-03-01"), pos_facility_rate("02", "2021-03-01")
(False, None)
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import attrs

from ._coerce import coerce_date
from ._data import once, read_json
from .errors import InvalidOptionError, InvalidTypeError
from .sources import Evidence

__all__ = [
    "TELEHEALTH_MODIFIERS",
    "TELEHEALTH_POS",
    "ListEntry",
    "ListStatus",
    "TelehealthWindow",
    "WindowStatus",
    "list_entry",
    "on_telehealth_list",
    "pos_facility_rate",
    "telehealth_window",
    "telehealth_windows",
]

#: The telehealth POS codes: 02 (other than the patient's home) and 10 (the
#: patient's home, from 2022-01-01; CMS CR 12427).
TELEHEALTH_POS = frozenset({"02", "10"})

#: Modifiers that mark a line as furnished via telehealth: 95 (synchronous
#: audio-video), GT (CAH Method II institutional claims), FQ (audio-only, RHC/FQHC).
TELEHEALTH_MODIFIERS = frozenset({"95", "GT", "FQ"})

#: First date of service of POS 10 (CMS CR 12427, Transmittal 11045).
POS_10_FROM = date(2022, 1, 1)


class WindowStatus(str, enum.Enum):
    """Whether PT, OT and SLP could bill Medicare telehealth in a window."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNKNOWN = "unknown"


class ListStatus(str, enum.Enum):
    """A code's status on the Medicare Telehealth Services List on a date.

    ``temporary``: added for the PHE (interim or Category 3); ``provisional``
    and ``permanent``: the CY 2024 PFS categories (the CY 2026 PFS made every
    listed service permanent); ``not_listed``; ``unknown``: no source read
    settles it.
    """

    TEMPORARY = "temporary"
    PROVISIONAL = "provisional"
    PERMANENT = "permanent"
    NOT_LISTED = "not_listed"
    UNKNOWN = "unknown"

    @property
    def listed(self) -> bool | None:
        """``True`` on the list, ``False`` off it, ``None`` unknown."""
        if self is ListStatus.UNKNOWN:
            return None
        return self is not ListStatus.NOT_LISTED


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _covers(start: date | None, end: date | None, day: date) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


@attrs.frozen(slots=True)
class TelehealthWindow:
    """A span of dates of service and whether therapists could bill telehealth in it.

    ``start``/``end`` are inclusive (``None``: open). ``enacted_on`` is the day
    the authority was signed or announced; a date of service before it was
    covered only retroactively. ``authority`` names the act or waiver,
    ``source`` the public text the row was read in, ``grade`` its letter grade.
    """

    start: date | None
    end: date | None
    status: WindowStatus
    enacted_on: date | None
    authority: str
    source: str
    grade: str

    @property
    def evidence(self) -> Evidence:
        """The grade on the library's evidence scale."""
        return Evidence.from_grade(self.grade)

    def covers(self, on: date | str) -> bool:
        """Whether date of service ``on`` lies in this window."""
        return _covers(self.start, self.end, coerce_date(on))

    def retroactive_for(self, on: date | str) -> bool:
        """Whether this window covers ``on`` only because it was enacted after ``on``."""
        day = coerce_date(on)
        return (
            self.status is WindowStatus.ELIGIBLE
            and self.enacted_on is not None
            and self.covers(day)
            and day < self.enacted_on
        )


@attrs.frozen(slots=True)
class ListEntry:
    """One code's status on the Medicare Telehealth Services List over a span of dates."""

    code: str
    start: date
    end: date | None
    status: ListStatus
    grade: str
    source: str

    @property
    def evidence(self) -> Evidence:
        """The grade on the library's evidence scale."""
        return Evidence.from_grade(self.grade)


@attrs.frozen(slots=True)
class _Era:
    kind: str
    key: str
    start: date | None
    end: date | None
    value: str
    source: str
    grade: str


@attrs.frozen(slots=True)
class _Tables:
    windows: tuple[TelehealthWindow, ...]
    codes: dict[str, tuple[ListEntry, ...]]
    eras: tuple[_Era, ...]


def _load() -> _Tables:
    raw = read_json("telehealth.json")
    windows = tuple(
        TelehealthWindow(
            _day(w["start"]),
            _day(w["end"]),
            WindowStatus(w["status"]),
            _day(w["enacted_on"]),
            w["authority"],
            w["source"],
            w["grade"],
        )
        for w in raw["windows"]
    )
    codes: dict[str, list[ListEntry]] = {}
    for c in raw["codes"]:
        entry = ListEntry(
            c["code"],
            date.fromisoformat(c["start"]),
            _day(c["end"]),
            ListStatus(c["status"]),
            c["grade"],
            c["source"],
        )
        codes.setdefault(entry.code, []).append(entry)
    eras = tuple(
        _Era(
            e["kind"],
            e["key"],
            _day(e["start"]),
            _day(e["end"]),
            e["value"],
            e["source"],
            e["grade"],
        )
        for e in raw["eras"]
    )
    return _Tables(windows, {k: tuple(v) for k, v in codes.items()}, eras)


def _tables() -> _Tables:
    return once("telehealth", _load)


def telehealth_windows() -> tuple[TelehealthWindow, ...]:
    """Every window, in date order (they tile time: no gap, no overlap).

    >>> [w.end.isoformat() for w in telehealth_windows() if w.end][-1]
    '2027-12-31'
    """
    return _tables().windows


def telehealth_window(on: date | str) -> TelehealthWindow | None:
    """The window covering date of service ``on`` (``None`` if the data has none).

    >>> telehealth_window("2026-02-01").authority
    'Consolidated Appropriations Act, 2026 (H.R. 7148)'
    """
    day = coerce_date(on)
    return next((w for w in _tables().windows if _covers(w.start, w.end, day)), None)


def _code(code: object) -> str:
    if not isinstance(code, str):
        raise InvalidTypeError(
            f"code must be a string such as '97110', not {type(code).__name__} {code!r}",
            value=code,
            field="code",
        )
    return code.strip().upper()


def list_entry(code: str, on: date | str) -> ListEntry | None:
    """The list row for ``code`` on ``on``, or ``None`` when the data has none.

    >>> list_entry("97550", "2025-06-01").status.value
    'provisional'
    """
    day = coerce_date(on)
    rows = _tables().codes.get(_code(code), ())
    return next((r for r in rows if _covers(r.start, r.end, day)), None)


def on_telehealth_list(code: str, on: date | str) -> bool | None:
    """Whether ``code`` was on the Medicare Telehealth Services List on ``on``.

    ``None`` when no source read settles it (including codes the data does not hold).

    >>> on_telehealth_list("97550", "2024-06-01"), on_telehealth_list("97550", "2026-06-01")
    (False, True)
    """
    entry = list_entry(code, on)
    return None if entry is None else entry.status.listed


def _era(kind: str, key: str, day: date) -> _Era | None:
    return next(
        (
            e
            for e in _tables().eras
            if e.kind == kind and e.key == key and _covers(e.start, e.end, day)
        ),
        None,
    )


def pos_facility_rate(pos: str, on: date | str) -> bool | None:
    """Whether the PFS pays telehealth POS ``pos`` (02 or 10) at the facility rate on ``on``.

    From 2024-01-01 POS 02 is paid at the facility rate and POS 10 at the
    non-facility rate (CY 2024 PFS final rule). Before that the rate is not
    confirmed from a source read: ``None``, and the audit does not price the
    visit unless ``facility`` is given.

    >>> pos_facility_rate("02", "2025-01-02")
    True
    """
    if pos not in TELEHEALTH_POS:
        raise InvalidOptionError(
            f"{pos!r} is not a telehealth POS code; valid: 02, 10",
            value=pos,
            field="place_of_service",
            valid=sorted(TELEHEALTH_POS),
        )
    era = _era("pos_rate", pos, coerce_date(on))
    if era is None or era.value == "unknown":
        return None
    return era.value == "facility"


def _era_source(kind: str, key: str, on: date | str) -> str | None:
    """The source text of the ``kind``/``key`` row in force on ``on`` (for findings)."""
    era = _era(kind, key, coerce_date(on))
    return None if era is None else era.source
