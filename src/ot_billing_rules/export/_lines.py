"""Export lines: a claim line plus the claim-assembly facts the audit cannot know.

The audit knows the code, units, modifiers and date. The diagnosis pointers,
the charge, the place of service, the rendering NPI, the EPSDT flag and the
line control number belong to the practice-management system: each is taken
as an argument (a mapping keyed by code, or a callable given the claim line
and its 1-based line number) and never guessed. The revenue code of an
institutional line is derived from the discipline (NUBC revenue codes 042x
PT, 043x OT, 044x SLP; CMS Pub. 100-04 Ch. 5 §20.1 and §40.3).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ..errors import InvalidInputError, InvalidTypeError, OTBillingError
from ..findings import Finding
from ..lines import ClaimLine
from ..modifiers import order_modifiers
from ..terms import Discipline, Setting

if TYPE_CHECKING:
    from ..audit import AuditReport

__all__ = ["REVENUE_CODES", "ExportLine", "ExportRefusedError", "export_lines"]

#: The NUBC general-classification revenue code of each discipline; Medicare
#: takes the general code (CMS Pub. 100-04 Ch. 5 §40.3).
REVENUE_CODES: Mapping[Discipline, str] = {
    Discipline.PT: "0420",
    Discipline.OT: "0430",
    Discipline.SLP: "0440",
}

_V = TypeVar("_V")
#: A claim-assembly fact: a mapping keyed by code, or a callable given the
#: claim line and its 1-based line number.
Fact = Mapping[str, _V] | Callable[[ClaimLine, int], _V] | None


class ExportRefusedError(OTBillingError, ValueError):
    """An exporter was asked to write lines its pre-check flags as errors.

    ``findings`` are the error findings; pass ``force=True`` to write anyway.
    """

    def __init__(self, message: str, *, findings: tuple[Finding, ...]) -> None:
        super().__init__(message)
        self.findings = findings


def _opt_str(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidTypeError(
        f"expected a string or None, not {type(value).__name__} {value!r}", value=value
    )


def _charge(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            raise InvalidInputError(
                f"charge {value!r} is not an amount such as '45.00'", value=value, field="charge"
            ) from None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidTypeError(
            f"charge must be a Decimal, an int or a string such as '45.00' (never a float), "
            f"not {type(value).__name__} {value!r}",
            value=value,
            field="charge",
        )
    return Decimal(value)


def _pointers(value: object) -> tuple[int, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise InvalidTypeError(
            f"diagnosis_pointers must be a sequence of ints such as (1, 2), not {value!r}",
            value=value,
            field="diagnosis_pointers",
        )
    out = tuple(value)
    for p in out:
        if isinstance(p, bool) or not isinstance(p, int):
            raise InvalidTypeError(
                f"a diagnosis pointer is an int 1-12, not {type(p).__name__} {p!r}",
                value=p,
                field="diagnosis_pointers",
            )
    return out


@attrs.frozen
class ExportLine:
    """One claim line ready for a claim format.

    ``code``, ``units`` and ``modifiers`` come from the audit; the rest are
    claim-assembly facts. Values are kept as given (a pointer of 13, a
    negative charge): :func:`~ot_billing_rules.export.precheck` says what is
    wrong, and the exporters refuse error lines unless forced.

    >>> from datetime import date
    >>> ExportLine("97530", 2, ("GO",), date(2024, 7, 1), diagnosis_pointers=(1,)).units
    2
    """

    code: str
    units: int
    modifiers: tuple[str, ...]
    date_of_service: date
    diagnosis_pointers: tuple[int, ...] = attrs.field(default=(), converter=_pointers)
    charge: Decimal | None = attrs.field(default=None, converter=_charge)
    place_of_service: str | None = attrs.field(default=None, converter=_opt_str)
    revenue_code: str | None = attrs.field(default=None, converter=_opt_str)
    line_control_number: str | None = attrs.field(default=None, converter=_opt_str)
    rendering_npi: str | None = attrs.field(default=None, converter=_opt_str)
    epsdt: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (date ISO, charge as a string)."""
        return {
            "code": self.code,
            "units": self.units,
            "modifiers": list(self.modifiers),
            "date_of_service": self.date_of_service.isoformat(),
            "diagnosis_pointers": list(self.diagnosis_pointers),
            "charge": None if self.charge is None else str(self.charge),
            "place_of_service": self.place_of_service,
            "revenue_code": self.revenue_code,
            "line_control_number": self.line_control_number,
            "rendering_npi": self.rendering_npi,
            "epsdt": self.epsdt,
        }


def _fact(fact: Any, line: ClaimLine, number: int, name: str) -> Any:
    if fact is None:
        return None
    if isinstance(fact, Mapping):
        return fact.get(line.code)
    if callable(fact):
        return fact(line, number)
    raise InvalidTypeError(
        f"{name} must be a mapping keyed by code or a callable (line, line_number), "
        f"not {type(fact).__name__} {fact!r}",
        value=fact,
        field=name,
    )


def _sort_key(line: ClaimLine) -> tuple[str, bool, tuple[str, ...]]:
    # Code first, the therapist's line before the assistant's: a stable
    # order whatever order the services were entered in.
    return (line.code, any(m in ("CO", "CQ") for m in line.modifiers), line.modifiers)


def export_lines(
    report: AuditReport,
    *,
    pointers: Fact[tuple[int, ...]] = None,
    charges: Fact[Decimal | int | str] = None,
    place_of_service: Fact[str] | str | None = None,
    rendering_npi: Fact[str] | str | None = None,
    line_control_numbers: Fact[str] = None,
    epsdt: Fact[bool] | bool = False,
    setting: Setting | str | None = None,
) -> tuple[ExportLine, ...]:
    """The report's claim lines as :class:`ExportLine` values, in code order.

    ``charges`` give the charge of **one unit** (the practice's fee
    schedule); the line charge is that times the units. A string for
    ``place_of_service`` or ``rendering_npi`` and a bool for ``epsdt`` apply
    to every line; ``place_of_service`` defaults to the visit's. ``setting``
    (default: the visit's) decides the revenue code: only an
    ``outpatient_hospital`` (institutional) line carries one.

    >>> from ot_billing_rules import audit_visit
    >>> report = audit_visit({"date_of_service": "2024-07-01",
    ...     "services": [{"code": "97530", "minutes": 30}]})
    >>> line, = export_lines(report, pointers={"97530": (1,)}, charges={"97530": "45.00"})
    >>> line.modifiers, line.charge, line.revenue_code
    (('GO',), Decimal('90.00'), None)
    >>> export_lines(report, setting="outpatient_hospital")[0].revenue_code
    '0430'
    """
    visit = report.visit
    where = Setting(setting) if setting is not None else visit.setting
    revenue = REVENUE_CODES[visit.discipline] if where is Setting.OUTPATIENT_HOSPITAL else None
    pos_default = visit.place_of_service
    out: list[ExportLine] = []
    for n, line in enumerate(sorted(report.lines, key=_sort_key), start=1):
        unit_charge = _charge(_fact(charges, line, n, "charges"))
        pos = place_of_service if isinstance(place_of_service, str) else None
        if pos is None:
            pos = _fact(place_of_service, line, n, "place_of_service") or pos_default
        npi = rendering_npi if isinstance(rendering_npi, str) else None
        if npi is None:
            npi = _fact(rendering_npi, line, n, "rendering_npi")
        flag = epsdt if isinstance(epsdt, bool) else bool(_fact(epsdt, line, n, "epsdt"))
        out.append(
            ExportLine(
                line.code,
                line.units,
                order_modifiers(line.modifiers),
                visit.date_of_service,
                diagnosis_pointers=_fact(pointers, line, n, "pointers"),
                charge=None if unit_charge is None else unit_charge * line.units,
                place_of_service=pos,
                revenue_code=revenue,
                line_control_number=_fact(line_control_numbers, line, n, "line_control_numbers"),
                rendering_npi=npi,
                epsdt=flag,
            )
        )
    return tuple(out)
