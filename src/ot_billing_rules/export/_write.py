"""Shared by the exporters: the pre-check gate and value formatting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from ..findings import Severity
from ._lines import ExportLine, ExportRefusedError
from ._precheck import precheck


def gate(
    lines: Iterable[ExportLine | Mapping[str, Any]],
    *,
    target: str,
    force: bool,
    diagnosis_count: int | None = None,
) -> tuple[ExportLine, ...]:
    """``lines`` as ExportLines, refused when the pre-check finds an error (unless ``force``)."""
    items = tuple(lines)
    errors = tuple(
        f
        for f in precheck(items, target=target, diagnosis_count=diagnosis_count)
        if f.severity is Severity.ERROR
    )
    if errors and not force:
        listed = "; ".join(f"{f.rule}: {f.message}" for f in errors)
        raise ExportRefusedError(
            f"{len(errors)} error finding(s) keep these lines off a {target} claim "
            f"(pass force=True to write them anyway): {listed}",
            findings=errors,
        )
    return tuple(_line(item) for item in items)


def _line(item: ExportLine | Mapping[str, Any]) -> ExportLine:
    if isinstance(item, ExportLine):
        return item
    from datetime import date

    day = item.get("date_of_service")
    mods = item.get("modifiers") or ()
    if isinstance(mods, str):
        mods = mods.replace(",", " ").split()
    return ExportLine(
        str(item["code"]).strip().upper(),
        item.get("units"),  # type: ignore[arg-type]  # forced: written as given
        tuple(str(m).upper() for m in mods),
        day if isinstance(day, date) else date.fromisoformat(str(day)),
        diagnosis_pointers=item.get("diagnosis_pointers"),
        charge=None if item.get("charge") is None else str(item["charge"]),
        place_of_service=item.get("place_of_service"),
        revenue_code=item.get("revenue_code"),
        line_control_number=item.get("line_control_number"),
        rendering_npi=item.get("rendering_npi"),
        epsdt=bool(item.get("epsdt", False)),
    )


def x12_decimal(value: object) -> str:
    """An X12 ``R`` value: no trailing zeros after the point, no thousands separator."""
    if value is None:
        return ""
    d = Decimal(str(value))
    return format(d.normalize(), "f") if d != d.to_integral_value() else str(int(d))


def money(value: Decimal | None) -> str:
    """Dollars with two places, no sign or separator (``180.00``); ``""`` for none."""
    return "" if value is None else f"{value:.2f}"
