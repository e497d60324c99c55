"""Structural pre-checks before a line leaves for a claim format.

Validators such as pyx12 check X12 syntax, not what therapy claims are
denied for: they accept units ``0`` or ``2.5``, a pointer to a diagnosis
that does not exist, a lowercase ``go``, a negative charge. These checks run
on :class:`ExportLine` values and on raw mappings from a practice-management
system (where such values arrive). The modifier checks the audit owns keep
their ``modifier.*`` ids; the rest are ``export.*``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from ..catalog import get
from ..errors import InvalidInputError, InvalidOptionError, InvalidTypeError
from ..findings import Finding, Severity, sort_findings
from ..lines import MAX_UNITS
from ..modifiers import ASSISTANT_MODIFIERS, THERAPY_MODIFIERS, check_line_modifiers
from ..payers import PayerPolicy, payer_policy
from ..sources import cite
from ..terms import Discipline
from ._lines import ExportLine

__all__ = ["LINE_LIMITS", "TARGETS", "precheck"]

#: The formats a line can be exported to.
TARGETS = ("837p", "837i", "cms1500", "ub04", "fhir")

#: Lines per claim (837P loop 2400: 50; 837I: 999). The paper forms page
#: instead (six lines a CMS-1500, 22 a UB-04 page).
LINE_LIMITS: Mapping[str, int] = {"837p": 50, "837i": 999}

_MOD = re.compile(r"[0-9A-Za-z]{2}", re.ASCII)
_REVENUE = re.compile(r"[0-9]{4}", re.ASCII)
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_REVENUE_MODIFIER = {"042": "GP", "043": "GO", "044": "GN"}
_EVAL_DISCIPLINE = {
    **dict.fromkeys(("97161", "97162", "97163", "97164"), Discipline.PT),
    **dict.fromkeys(("97165", "97166", "97167", "97168"), Discipline.OT),
}
_MAX_POINTERS = 4
_MAX_DIAGNOSES = 12
_MAX_LCN = 30
_E, _W = Severity.ERROR, Severity.WARNING


@attrs.frozen
class _Row:
    number: int
    code: str
    units: object
    modifiers: tuple[object, ...]
    date: object
    pointers: tuple[object, ...]
    charge: object
    revenue_code: object
    line_control_number: object


_KEYS = frozenset(
    {
        "code",
        "units",
        "modifiers",
        "date_of_service",
        "diagnosis_pointers",
        "charge",
        "place_of_service",
        "revenue_code",
        "line_control_number",
        "rendering_npi",
        "epsdt",
    }
)


def _seq(value: object, field: str) -> tuple[object, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    if isinstance(value, (list, tuple)):
        return tuple(value)
    raise InvalidTypeError(
        f"{field} must be a list, not {type(value).__name__} {value!r}", value=value, field=field
    )


def _row(item: object, number: int) -> _Row:
    if isinstance(item, ExportLine):
        return _Row(
            number,
            item.code,
            item.units,
            item.modifiers,
            item.date_of_service,
            item.diagnosis_pointers,
            item.charge,
            item.revenue_code,
            item.line_control_number,
        )
    if not isinstance(item, Mapping):
        raise InvalidTypeError(
            f"line {number} must be an ExportLine or a mapping, not {type(item).__name__}",
            value=item,
            field="lines",
        )
    extra = sorted(map(str, set(item) - _KEYS))
    code = item.get("code")
    if extra or not isinstance(code, str) or not code.strip():
        raise InvalidInputError(
            f"line {number}: a line mapping needs a code string and takes only the keys "
            f"{', '.join(sorted(_KEYS))}; got code={code!r}, unknown keys {extra}",
            value=item,
            field="lines",
        )
    return _Row(
        number,
        code.strip().upper(),
        item.get("units"),
        _seq(item.get("modifiers"), "modifiers"),
        item.get("date_of_service"),
        _seq(item.get("diagnosis_pointers"), "diagnosis_pointers"),
        item.get("charge"),
        item.get("revenue_code"),
        item.get("line_control_number"),
    )


def _f(rule: str, sev: Severity, row: _Row, message: str, fix: str, source: str) -> Finding:
    return Finding(
        rule, sev, (row.code,), f"line {row.number} ({row.code}): {message}", fix, source
    )


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, (str, float)):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return None
    return None


def _modifier_checks(row: _Row, discipline: Discipline | None, target: str) -> list[Finding]:
    out: list[Finding] = []
    mods: list[str] = []
    for m in row.modifiers:
        if not isinstance(m, str) or not _MOD.fullmatch(m):
            out.append(
                _f(
                    "export.modifier_format",
                    _E,
                    row,
                    f"modifier {m!r} is not two letters or digits",
                    "send each modifier as two uppercase letters or digits (GO, 59)",
                    cite("x12_837p_sv1"),
                )
            )
            continue
        if m != m.upper():
            out.append(
                _f(
                    "export.modifier_format",
                    _W,
                    row,
                    f"modifier {m!r} is lowercase; the exporters write it as {m.upper()}",
                    "send modifiers in uppercase",
                    cite("x12_837p_sv1"),
                )
            )
        mods.append(m.upper())
    dupes = sorted({m for m in mods if mods.count(m) > 1})
    if dupes:
        out.append(
            _f(
                "export.modifier_duplicate",
                _E,
                row,
                f"modifier {', '.join(dupes)} appears twice",
                "send each modifier once",
                cite("cms_claim_line_modifiers"),
            )
        )
    entry = get(row.code)
    implied = discipline or _EVAL_DISCIPLINE.get(row.code) or _line_discipline(row, mods)
    out += check_line_modifiers(
        row.code,
        tuple(mods),
        discipline=implied,
        therapy_list=None if entry is None else entry.therapy_list.value,
    )
    therapy = [i for i, m in enumerate(mods) if m in THERAPY_MODIFIERS]
    if len(therapy) > 1:
        out.append(
            _f(
                "export.discipline_multiple",
                _E,
                row,
                f"carries {len(therapy)} of GO/GP/GN ({', '.join(mods[i] for i in therapy)})",
                "keep the one modifier of the plan of care the service was furnished under",
                cite("cms_therapy_institutional_edits"),
            )
        )
    if therapy and therapy[0] > 1:
        out.append(
            _f(
                "export.discipline_position",
                _E,
                row,
                f"{mods[therapy[0]]} is in modifier position {therapy[0] + 1}; GO/GP/GN go "
                "in position 1 or 2",
                "put the therapy modifier first (modifiers.order_modifiers)",
                cite("hcpcs_therapy_modifiers"),
            )
        )
    have = set(mods)
    pairs = {"CO": "GO", "CQ": "GP"}
    bad = [a for a in sorted(have & ASSISTANT_MODIFIERS) if pairs[a] not in have]
    if len(have & ASSISTANT_MODIFIERS) > 1 or bad:
        out.append(
            _f(
                "export.assistant_unpaired",
                _E,
                row,
                "CO goes with GO and CQ with GP, one of them a line; found "
                f"{', '.join(m for m in mods if m in ASSISTANT_MODIFIERS | THERAPY_MODIFIERS)}",
                "pair CO with GO (OT) or CQ with GP (PT)",
                cite("cms_assistant_modifiers"),
            )
        )
    if target in ("837i", "ub04"):
        out += _revenue_checks(row, have)
    return out


_BY_MODIFIER = {"GO": Discipline.OT, "GP": Discipline.PT, "GN": Discipline.SLP}
_BY_REVENUE = {"042": Discipline.PT, "043": Discipline.OT, "044": Discipline.SLP}


def _line_discipline(row: _Row, mods: list[str]) -> Discipline:
    # Without a plan of care to compare with, the line speaks for itself:
    # its revenue code, else its own therapy modifier (so no mismatch is
    # invented), else OT, the library's default discipline.
    rev = row.revenue_code
    if isinstance(rev, str) and rev[:3] in _BY_REVENUE:
        return _BY_REVENUE[rev[:3]]
    for m in mods:
        if m in _BY_MODIFIER:
            return _BY_MODIFIER[m]
    return Discipline.OT


def _revenue_checks(row: _Row, mods: set[str]) -> list[Finding]:
    rev = row.revenue_code
    if not isinstance(rev, str) or not _REVENUE.fullmatch(rev):
        return [
            _f(
                "export.revenue_code",
                _E,
                row,
                f"revenue code {rev!r} is not four digits (0430 OT, 0420 PT, 0440 SLP)",
                "give the NUBC revenue code of the discipline (export_lines derives it)",
                cite("cms_therapy_revenue_codes"),
            )
        ]
    want = _REVENUE_MODIFIER.get(rev[:3])
    if want is not None and want not in mods:
        return [
            _f(
                "export.revenue_code",
                _E,
                row,
                f"revenue code {rev} calls for {want}, the line carries "
                f"{', '.join(sorted(mods & THERAPY_MODIFIERS)) or 'none of GO/GP/GN'}",
                "match 042x with GP, 043x with GO, 044x with GN",
                cite("cms_therapy_institutional_edits"),
            )
        ]
    return []


def _units_checks(row: _Row) -> list[Finding]:
    units = _decimal(row.units)
    src = cite("cms_timed_codes")
    if units is None:
        return [
            _f(
                "export.units_fractional",
                _E,
                row,
                f"units {row.units!r} is not a number",
                "send whole units",
                src,
            )
        ]
    if units <= 0:
        return [
            _f(
                "export.units_nonpositive",
                _E,
                row,
                f"units {row.units!r} is not at least 1",
                "bill at least one unit or drop the line",
                src,
            )
        ]
    if units != units.to_integral_value():
        return [
            _f(
                "export.units_fractional",
                _E,
                row,
                f"units {row.units!r} is not a whole number; therapy is billed in whole units",
                "compute the units with compute_units (8-minute or per-code rule)",
                src,
            )
        ]
    if units > MAX_UNITS:
        return [
            _f(
                "export.units_capacity",
                _E,
                row,
                f"{units} units is beyond {MAX_UNITS}, far above any MUE",
                "check the units",
                cite("x12_837p_sv1"),
            )
        ]
    return []


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _date_checks(row: _Row, period: tuple[date, date] | None) -> list[Finding]:
    day = _as_date(row.date)
    if day is None:
        return [
            _f(
                "export.date_format",
                _E,
                row,
                f"date of service {row.date!r} is not one YYYY-MM-DD date",
                "send one date of service per line",
                cite("cms_line_item_dates"),
            )
        ]
    if period is not None and not period[0] <= day <= period[1]:
        return [
            _f(
                "export.date_range",
                _E,
                row,
                f"date of service {day} is outside the statement period {period[0]} to {period[1]}",
                "bill the line on the claim of its period",
                cite("cms_line_item_dates"),
            )
        ]
    return []


def _pointer_checks(
    row: _Row, target: str, diagnosis_count: int | None, medicare: bool
) -> list[Finding]:
    src = cite("x12_837p_sv1")
    if not row.pointers:
        if target in ("837p", "cms1500"):
            return [
                _f(
                    "export.pointer_missing",
                    _E,
                    row,
                    "has no diagnosis pointer",
                    "point the line at the diagnosis it treats (1 = the first)",
                    src,
                )
            ]
        return []
    out: list[Finding] = []
    top = _MAX_DIAGNOSES if diagnosis_count is None else min(diagnosis_count, _MAX_DIAGNOSES)
    bad = [
        p
        for p in row.pointers
        if isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= top
    ]
    if bad:
        out.append(
            _f(
                "export.pointer_range",
                _E,
                row,
                f"diagnosis pointer {', '.join(map(repr, bad))} is not one of 1-{top}",
                "point at a diagnosis the claim lists",
                src,
            )
        )
    if len(row.pointers) > _MAX_POINTERS:
        out.append(
            _f(
                "export.pointer_count",
                _E,
                row,
                f"has {len(row.pointers)} diagnosis pointers; a line takes {_MAX_POINTERS}",
                "keep the primary first and at most four",
                src,
            )
        )
    elif target == "cms1500" and medicare and len(row.pointers) > 1:
        out.append(
            _f(
                "export.pointer_count",
                _W,
                row,
                f"has {len(row.pointers)} diagnosis pointers; Medicare's paper CMS-1500 "
                "takes one reference letter a line (the primary)",
                "keep the primary pointer only",
                cite("cms_1500_item_24"),
            )
        )
    return out


def _charge_checks(row: _Row, target: str) -> list[Finding]:
    if row.charge is None:
        if target == "fhir":
            return []
        return [
            _f(
                "export.charge_missing",
                _E,
                row,
                "has no charge; the line charge is required",
                "give the practice's charge (export_lines(charges=...))",
                cite("x12_837p_sv1"),
            )
        ]
    amount = _decimal(row.charge)
    if amount is None or amount < 0:
        return [
            _f(
                "export.charge_negative",
                _E,
                row,
                f"charge {row.charge!r} is not a non-negative amount",
                "send the charge as dollars and cents, no sign",
                cite("cms_1500_item_24"),
            )
        ]
    return []


def precheck(
    lines: Iterable[ExportLine | Mapping[str, Any]],
    *,
    target: str,
    diagnosis_count: int | None = None,
    payer: PayerPolicy | str = "medicare",
    discipline: Discipline | str | None = None,
    statement_period: tuple[date, date] | None = None,
) -> tuple[Finding, ...]:
    """The findings that keep ``lines`` off a ``target`` claim (one of :data:`TARGETS`).

    ``lines`` are :class:`ExportLine` values or mappings with the same keys.
    ``diagnosis_count`` bounds the pointers (else 12); ``discipline`` checks
    the GO/GP/GN modifier against the plan of care; ``statement_period``
    bounds the line dates of an institutional claim. The payer's suppressed
    rules are dropped.

    >>> found = precheck([{"code": "97110", "units": 2.5, "modifiers": ["go"],
    ...     "date_of_service": "2024-07-01", "diagnosis_pointers": [1], "charge": "-5"}],
    ...     target="837p")
    >>> [f.rule for f in found]
    ['export.charge_negative', 'export.units_fractional', 'export.modifier_format']
    """
    if target not in TARGETS:
        raise InvalidOptionError(
            f"target {target!r} is not one of {', '.join(TARGETS)}",
            value=target,
            field="target",
            valid=TARGETS,
        )
    policy = payer_policy(payer)
    disc = None if discipline is None else Discipline(discipline)
    if diagnosis_count is not None and (
        isinstance(diagnosis_count, bool)
        or not isinstance(diagnosis_count, int)
        or diagnosis_count < 0
    ):
        raise InvalidInputError(
            f"diagnosis_count must be a whole number 0-12, not {diagnosis_count!r}",
            value=diagnosis_count,
            field="diagnosis_count",
        )
    rows = [_row(item, n) for n, item in enumerate(lines, start=1)]
    out: list[Finding] = []
    for row in rows:
        out += _modifier_checks(row, disc, target)
        out += _units_checks(row)
        out += _date_checks(row, statement_period)
        if target != "837i" and target != "ub04":
            out += _pointer_checks(row, target, diagnosis_count, policy.name == "medicare")
        out += _charge_checks(row, target)
    out += _claim_checks(rows, target)
    return sort_findings(f for f in out if not policy.suppresses(f.rule))


def _claim_checks(rows: list[_Row], target: str) -> list[Finding]:
    out: list[Finding] = []
    limit = LINE_LIMITS.get(target)
    if limit is not None and len(rows) > limit:
        out.append(
            Finding(
                "export.line_limit",
                _E,
                (),
                f"{len(rows)} lines; a {target.upper()} claim holds {limit}",
                "split the lines over several claims",
                cite("x12_837p_sv1" if target == "837p" else "x12_837i_sv2"),
            )
        )
    groups: dict[tuple[str, object], list[_Row]] = {}
    for row in rows:
        groups.setdefault((row.code, str(_as_date(row.date) or row.date)), []).append(row)
    for (code, day), group in groups.items():
        if len(group) < 2:
            continue
        assistant = [
            r for r in group if {str(m).upper() for m in r.modifiers} & ASSISTANT_MODIFIERS
        ]
        if len(group) == 2 and len(assistant) == 1:
            continue
        out.append(
            Finding(
                "export.duplicate_code_date",
                _E,
                (code,),
                f"{code} is on {len(group)} lines "
                f"(lines {', '.join(str(r.number) for r in group)}) "
                f"for {day}; one line a code a date, except the split of therapist and "
                "assistant (CO/CQ) units",
                "add the units into one line",
                cite("mac_one_line_per_code"),
            )
        )
    seen: dict[str, int] = {}
    for row in rows:
        lcn = row.line_control_number
        if lcn is None:
            continue
        text = str(lcn)
        if len(text) > _MAX_LCN or not text or text in seen:
            why = (
                f"is {len(text)} characters (at most {_MAX_LCN})"
                if len(text) > _MAX_LCN or not text
                else f"repeats line {seen[text]}'s"
            )
            out.append(
                _f(
                    "export.line_control_number",
                    _E,
                    row,
                    f"line control number {text!r} {why}",
                    "give each line its own control number of 1-30 characters",
                    cite("x12_837p_sv1"),
                )
            )
        seen.setdefault(text, row.number)
    return out
