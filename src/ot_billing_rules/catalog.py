"""The OT code catalog: look codes up as of a date of service.

The catalog holds the CPT and HCPCS Level II codes an occupational-therapy
practice meets (91 codes, history included), each with the library's own
plain description (never AMA descriptor text), whether it is timed, its unit
length and unit basis, add-on links, the dates it is valid and what replaced
it. The code families every rule family uses (base + add-on pairs, the
once-per-day base codes, the codes Medicare pays instead) are read from these
columns, not written out again elsewhere.

>>> from ot_billing_rules import lookup
>>> c = lookup("97530", on="2024-07-01")
>>> c.timed, c.unit_minutes, c.category.value
(True, 15, 'therapeutic_procedure')
>>> lookup("97003", on="2016-06-01").deleted
datetime.date(2016, 12, 31)
>>> lookup("97003", on="2017-01-01")
Traceback (most recent call last):
...
ot_billing_rules.errors.CodeNotEffectiveError: code '97003' is not valid on 2017-01-01: \
it was deleted after 2016-12-31; bill 97165, 97166, 97167 instead
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any, TypeVar

import attrs

from . import _data
from ._coerce import coerce_date, coerce_enum
from ._fast import keep
from ._html import html_table
from .errors import CodeNotEffectiveError, InvalidCodeError, InvalidTypeError, UnknownCodeError
from .findings import Finding, Severity
from .sources import Evidence, cite
from .terms import UnitBasis

__all__ = [
    "Category",
    "Code",
    "Evidence",
    "FeeScheduleStatus",
    "TherapyList",
    "check_code",
    "codes",
    "is_valid_code",
    "lookup",
    "normalize_code",
    "search",
]

# CPT Category I (5 digits), II (####F), III (####T), PLA (####U); HCPCS
# Level II (a letter and four digits).
_CODE_RE = re.compile(r"(?:[0-9]{4}[0-9FTU]|[A-Z][0-9]{4})")


class Category(str, enum.Enum):
    """The catalog's grouping of codes."""

    EVALUATION = "evaluation"
    THERAPEUTIC_PROCEDURE = "therapeutic_procedure"
    GROUP = "group"
    COGNITIVE = "cognitive"
    CAREGIVER_TRAINING = "caregiver_training"
    TESTS_AND_MEASUREMENTS = "tests_and_measurements"
    ORTHOTICS = "orthotics"
    MODALITY_SUPERVISED = "modality_supervised"
    MODALITY_CONSTANT_ATTENDANCE = "modality_constant_attendance"
    FEEDING = "feeding"
    WOUND_CARE = "wound_care"
    REMOTE_THERAPEUTIC_MONITORING = "remote_therapeutic_monitoring"
    DIGITAL_MENTAL_HEALTH = "digital_mental_health"
    DRY_NEEDLING = "dry_needling"


class TherapyList(str, enum.Enum):
    """Medicare's therapy-code designation.

    ``always``: a therapy modifier (GO/GP/GN) is required whoever performs the
    service; ``sometimes``: required when a therapist performs it or it is
    under a therapy plan of care; ``none``: not on the therapy code list.
    """

    ALWAYS = "always"
    SOMETIMES = "sometimes"
    NONE = "none"


class FeeScheduleStatus(str, enum.Enum):
    """Status indicator of the Medicare Physician Fee Schedule RVU file.

    Meanings from the CMS PFS Relative Value File documentation (B, I, N and R
    are corroborated by the CMS rows themselves and by contractor articles such
    as Palmetto GBA's on status B, 2018-02-08).
    """

    ACTIVE = "A"
    BUNDLED = "B"
    CARRIER_PRICED = "C"
    DELETED = "D"
    EXCLUDED_BY_REGULATION = "E"
    NOT_VALID_FOR_MEDICARE = "I"
    NON_COVERED = "N"
    BUNDLED_OR_EXCLUDED = "P"
    RESTRICTED = "R"
    INJECTION = "T"
    STATUTORY_EXCLUSION = "X"


#: ``Code.effective`` when the catalog records no start date: the code was in
#: use before the history the catalog tracks.
NO_RECORDED_START = date.min


def _tuple(value: Any) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Code:
    """One catalog entry.

    ``effective`` is the first valid date of service (:data:`NO_RECORDED_START`,
    ``date.min``, when the code predates the history the catalog records; see
    ``effective_known``); ``deleted`` is the *last* valid date of service, or
    ``None`` while the code is current.

    ``unit_basis`` says how the code's minutes become units (a plain
    15-minute code, one of the base + add-on families, untimed, or counted per
    month; see :class:`~ot_billing_rules.UnitBasis`). ``once_per_day`` marks
    the first block of a base + add-on family (97129, 97545, 97550, G0541):
    by its CPT/HCPCS descriptor it is reported at most once per date of
    service and further time goes on its add-on. ``medicare_replacement``
    lists the codes Medicare pays instead of this one (97014 → G0283: 97014
    has status I, not valid for Medicare, in the CMS Physician Fee Schedule
    Relative Value File).
    """

    code: str
    description: str
    category: Category
    timed: bool
    unit_minutes: int | None
    add_on_to: tuple[str, ...] = attrs.field(converter=_tuple)
    effective: date
    deleted: date | None
    replaced_by: tuple[str, ...] = attrs.field(converter=_tuple)
    medicare_status: FeeScheduleStatus | None
    therapy_list: TherapyList
    source: str
    therapy_list_grade: Evidence = Evidence.SOURCE
    therapy_list_basis: str = ""
    replacement_note: str | None = None
    typical_disciplines: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    notes: str = ""
    # Keyword-only and required: a code's basis is never guessed from its minutes.
    unit_basis: UnitBasis = attrs.field(kw_only=True)
    once_per_day: bool = False
    medicare_replacement: tuple[str, ...] = attrs.field(default=(), converter=_tuple)

    @property
    def effective_known(self) -> bool:
        """Whether the catalog records the date this code took effect."""
        return self.effective != NO_RECORDED_START

    @property
    def is_add_on(self) -> bool:
        """Whether the code is only billed together with a primary code."""
        return bool(self.add_on_to)

    def is_effective(self, on: date | str | None = None) -> bool:
        """Whether the code is valid on date of service ``on`` (default today)."""
        day = coerce_date(on)
        return self.effective <= day and (self.deleted is None or day <= self.deleted)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (dates as ISO strings, unknown start as ``None``)."""
        return {
            "code": self.code,
            "description": self.description,
            "category": self.category.value,
            "timed": self.timed,
            "unit_minutes": self.unit_minutes,
            "unit_basis": self.unit_basis.value,
            "add_on_to": list(self.add_on_to),
            "once_per_day": self.once_per_day,
            "effective": self.effective.isoformat() if self.effective_known else None,
            "deleted": self.deleted.isoformat() if self.deleted else None,
            "replaced_by": list(self.replaced_by),
            "replacement_note": self.replacement_note,
            "medicare_replacement": list(self.medicare_replacement),
            "medicare_status": self.medicare_status.value if self.medicare_status else None,
            "therapy_list": self.therapy_list.value,
            "therapy_list_grade": self.therapy_list_grade.value,
            "therapy_list_basis": self.therapy_list_basis,
            "typical_disciplines": list(self.typical_disciplines),
            "notes": self.notes,
            "source": self.source,
        }

    def _repr_html_(self) -> str:
        return html_table(f"Code {self.code}", list(self.to_dict().items()))


def _parse_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _load() -> Mapping[str, Code]:
    catalog: dict[str, Code] = {}
    for row in _data.read_json("code_catalog.json"):
        status = row["medicare_status"]
        catalog[row["code"]] = Code(
            code=row["code"],
            description=row["description"],
            category=Category(row["category"]),
            timed=row["timed"],
            unit_minutes=row["unit_minutes"],
            add_on_to=row["add_on_to"],
            effective=_parse_date(row["effective"]) or NO_RECORDED_START,
            deleted=_parse_date(row["deleted"]),
            replaced_by=row["replaced_by"],
            medicare_status=FeeScheduleStatus(status) if status else None,
            therapy_list=TherapyList(row["therapy_list"]),
            source=row["source"],
            therapy_list_grade=Evidence(row["therapy_list_grade"]),
            therapy_list_basis=row["therapy_list_basis"],
            replacement_note=row["replacement_note"],
            typical_disciplines=row["typical_disciplines"],
            notes=row["notes"],
            unit_basis=UnitBasis(row["unit_basis"]),
            once_per_day=row["once_per_day"],
            medicare_replacement=row["medicare_replacement"],
        )
    return catalog


def _catalog() -> Mapping[str, Code]:
    return _data.once("code_catalog", _load)


_V = TypeVar("_V")


class DerivedTable(Mapping[str, _V]):
    """A read-only table derived from the catalog, built on first use.

    Module constants such as ``bundling.ONCE_PER_DAY`` are these, so importing
    a module never reads the package data.
    """

    __slots__ = ("_build", "_key")

    def __init__(self, key: str, build: Callable[[], Mapping[str, _V]]) -> None:
        self._key = f"code_catalog:{key}"
        self._build = build

    def _table(self) -> Mapping[str, _V]:
        return _data.once(self._key, self._build)

    def __getitem__(self, code: str) -> _V:
        return self._table()[code]

    # Rule checks ask "is this code in the table?" for every line: skip
    # Mapping's KeyError round trip.
    def __contains__(self, code: object) -> bool:
        return code in self._table()

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self._table())!r})"


def _once_per_day() -> Mapping[str, str]:
    catalog = _catalog()
    return {
        base: add_on.code
        for add_on in catalog.values()
        for base in add_on.add_on_to
        if base in catalog and catalog[base].once_per_day
    }


def _medicare_replacements() -> Mapping[str, tuple[str, ...]]:
    return {c.code: c.medicare_replacement for c in _catalog().values() if c.medicare_replacement}


def once_per_day_families() -> Mapping[str, str]:
    """Base codes reported at most once per date of service, each to the add-on for the rest.

    Read from the catalog's ``once_per_day`` and add-on links (the data build
    checks each such base has exactly one add-on) when first looked into, so a
    module may keep the result as a constant without reading data on import.

    >>> dict(sorted(once_per_day_families().items()))
    {'97129': '97130', '97545': '97546', '97550': '97551', 'G0541': 'G0542'}
    """
    return _ONCE_PER_DAY


def medicare_replacements() -> Mapping[str, tuple[str, ...]]:
    """Codes Medicare does not pay, each to the codes it pays instead (read on first use).

    >>> dict(medicare_replacements())
    {'97014': ('G0283',)}
    """
    return _MEDICARE_REPLACEMENTS


_ONCE_PER_DAY: DerivedTable[str] = DerivedTable("once_per_day", _once_per_day)
_MEDICARE_REPLACEMENTS: DerivedTable[tuple[str, ...]] = DerivedTable(
    "medicare_replacement", _medicare_replacements
)


def normalize_code(code: str) -> str:
    """Return ``code`` trimmed and upper-cased, or raise :class:`InvalidCodeError`.

    Accepts any well-formed CPT (``97110``, ``0591T``) or HCPCS Level II
    (``G0283``) code, whether or not the catalog holds it. The code must be
    ASCII: ``'ſ0283'`` is not ``S0283`` and ``'９７１１０'`` is not ``97110``.

    >>> normalize_code(" g0283 ")
    'G0283'
    """
    # Every rule family normalises the same few codes over and over.
    hit = _NORMALIZED.get(code) if type(code) is str else None
    if hit is not None:
        return hit
    if not isinstance(code, str):
        raise InvalidTypeError(
            f"code must be a string, not {type(code).__name__} {code!r}", value=code, field="code"
        )
    text = code.strip()
    # Checked before upper(): 'ſ'.upper() is 'S', a real HCPCS letter.
    text = text.upper() if text.isascii() else text
    if not _CODE_RE.fullmatch(text):
        raise InvalidCodeError(
            f"{code!r} is not a well-formed CPT or HCPCS code "
            "(expected five digits such as 97110, four digits and F/T/U, "
            "or a letter and four digits such as G0283)",
            value=code,
            field="code",
        )
    if type(code) is str and len(_NORMALIZED) < _NORMALIZED_MAX:
        _NORMALIZED[code] = text
    return text


#: Raw code string -> its normal form, for strings already checked (bounded).
_NORMALIZED: dict[str, str] = {}
_NORMALIZED_MAX = 50_000


def is_valid_code(code: object) -> bool:
    """Whether ``code`` is a well-formed CPT/HCPCS code; never raises.

    This checks the form only; use :func:`lookup` to ask the catalog.

    >>> is_valid_code("97110"), is_valid_code("9711"), is_valid_code(None)
    (True, False, False)
    """
    if not isinstance(code, str):
        return False
    text = code.strip()
    return text.isascii() and _CODE_RE.fullmatch(text.upper()) is not None


def _suggest(code: str) -> tuple[str, ...]:
    # Equal similarity: the numerically nearest code is the likelier typo.
    def rank(c: str) -> tuple[float, int, str]:
        ratio = difflib.SequenceMatcher(None, code, c).ratio()
        gap = abs(int(c) - int(code)) if c.isdigit() and code.isdigit() else 0
        return (-ratio, gap, c)

    ranked = sorted((rank(c) for c in _catalog()), key=lambda r: r)
    return tuple(c for ratio, _, c in ranked[:5] if -ratio >= 0.6)


def lookup(code: str, *, on: date | str | None = None) -> Code:
    """Return the catalog entry for ``code`` valid on date of service ``on``.

    ``on`` defaults to today. Raises :class:`InvalidCodeError` for a malformed
    code, :class:`UnknownCodeError` (with ``suggestions``) for one the catalog
    does not hold, and :class:`CodeNotEffectiveError` (with ``replaced_by``)
    when the code is not valid on ``on``.

    >>> lookup(" g0283 ", on="2024-07-01").code
    'G0283'
    """
    if type(on) is date and type(code) is str:
        hit = _VALID.get((code, on))
        if hit is not None:
            return hit
    key = normalize_code(code)
    day = coerce_date(on)
    entry = _catalog().get(key)
    if entry is None:
        raise UnknownCodeError(key, suggestions=_suggest(key))
    if not entry.is_effective(day):
        raise CodeNotEffectiveError(
            key,
            on=day,
            effective=entry.effective if entry.effective_known else None,
            deleted=entry.deleted,
            replaced_by=entry.replaced_by,
        )
    if type(on) is date and type(code) is str:
        keep(_VALID, (code, on), entry, _MAX_VALID)
    return entry


#: Codes found valid on a day, by (code as given, day): the catalog is package
#: data, fixed for the process. Only successes are kept, so every error is
#: raised afresh. Room for a year of dates of a few hundred codes.
_VALID: dict[tuple[str, date], Code] = {}
_MAX_VALID = 1 << 17


def get(code: str) -> Code | None:
    """Return the catalog entry for ``code`` whatever its dates, or ``None``.

    ``code`` must be well formed (see :func:`normalize_code`).

    >>> get("97532").replaced_by
    ('97127', 'G0515')
    >>> get("99213") is None
    True
    """
    return _catalog().get(normalize_code(code))


def codes(
    *,
    on: date | str | None = None,
    category: Category | str | None = None,
    timed: bool | None = None,
) -> tuple[Code, ...]:
    """Return catalog entries, sorted by code.

    ``on=None`` returns the whole catalog, history included; with a date it
    returns only the codes valid on that date of service. ``category`` takes a
    :class:`Category` or its value; ``timed`` filters timed / untimed codes.

    >>> [c.code for c in codes(category="evaluation", on="2016-06-01")][:4]
    ['92521', '92522', '92523', '92524']
    >>> "97003" in {c.code for c in codes(on="2017-01-01")}
    False
    """
    day = None if on is None else coerce_date(on)
    cat = None if category is None else coerce_enum(Category, category, field="category")
    if timed is not None and not isinstance(timed, bool):
        raise InvalidTypeError(f"timed must be True, False or None, not {timed!r}", value=timed)
    return tuple(
        c
        for c in _catalog().values()
        if (day is None or c.is_effective(day))
        and (cat is None or c.category is cat)
        and (timed is None or c.timed is timed)
    )


def search(text: str) -> tuple[Code, ...]:
    """Return catalog entries whose code or description matches every word of ``text``.

    Matching ignores case; results are sorted by code. History is included.

    >>> [c.code for c in search("paraffin")]
    ['97018']
    """
    if not isinstance(text, str):
        raise InvalidTypeError(
            f"text must be a string, not {type(text).__name__} {text!r}", value=text, field="text"
        )
    words = text.casefold().split()
    if not words:
        return ()
    return tuple(
        c
        for c in _catalog().values()
        if all(w in f"{c.code} {c.description}".casefold() for w in words)
    )


def check_code(code: str, *, on: date) -> tuple[Code | None, Finding | None, str]:
    """The catalog entry of ``code`` on date ``on``, or why it cannot be billed.

    Returns ``(entry, None, "")`` for a code in force, else ``(None, finding,
    reason)``: ``code.unknown`` for a code not in the catalog (with the
    nearest codes as a hint), ``code.not_effective`` for one not valid on
    ``on`` (with its replacements).
    """
    if type(code) is str and type(on) is date:  # every audited service asks: a known answer
        hit = _VALID.get((code, on))
        if hit is not None:
            return hit, None, ""
    try:
        return lookup(code, on=on), None, ""
    except UnknownCodeError as exc:
        hint = f" Did you mean {', '.join(exc.suggestions)}?" if exc.suggestions else ""
        unknown = Finding(
            "code.unknown",
            Severity.ERROR,
            (code,),
            f"{code} is not in the OT code catalog, so it cannot be audited or billed here.{hint}",
            suggestion="Check the code against the documentation.",
            source=cite("catalog"),
        )
        return None, unknown, "code not in the catalog"
    except CodeNotEffectiveError as exc:
        use = f"; bill {', '.join(exc.replaced_by)} instead" if exc.replaced_by else ""
        stale = Finding(
            "code.not_effective",
            Severity.ERROR,
            (code,),
            f"{code} is not a valid code on {on.isoformat()}{use}.",
            suggestion="Use the code valid on the date of service.",
            source=cite("catalog_history"),
        )
        return None, stale, f"not valid on {on.isoformat()}"
