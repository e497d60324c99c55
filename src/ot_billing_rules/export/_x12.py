"""X12 837 service-line segments (loop 2400); the envelope belongs to the caller.

837P (005010X222A1): ``LX``, ``SV1``, ``DTP*472``, ``REF*6R``. 837I
(005010X223A2): ``LX``, ``SV2``, ``DTP*472``, ``REF*6R``. The separators are
declared per interchange (ISA16 is the component separator), so they are
parameters: a segment written with ``:`` inside an interchange declaring
``>`` is rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..errors import InvalidInputError
from ._lines import ExportLine
from ._write import gate, x12_decimal

__all__ = ["X12Separators", "to_837i_sv2", "to_837p_sv1"]


def _sep(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or len(value) != 1 or value.isalnum() or value == " ":
        raise InvalidInputError(
            f"{attribute.name} separator must be one non-alphanumeric character, not {value!r}",
            value=value,
            field=attribute.name,
        )


@attrs.frozen
class X12Separators:
    """The interchange's separators: element (ISA's 4th character), component
    (ISA16), segment terminator.

    >>> X12Separators(component=">").component
    '>'
    """

    element: str = attrs.field(default="*", validator=_sep)
    component: str = attrs.field(default=":", validator=_sep)
    segment: str = attrs.field(default="~", validator=_sep)

    def __attrs_post_init__(self) -> None:
        if len({self.element, self.component, self.segment}) != 3:
            raise InvalidInputError(
                f"the element, component and segment separators must differ, not {self!r}",
                value=self,
                field="separators",
            )


def _check_text(value: str, sep: X12Separators) -> str:
    if any(ch in value for ch in (sep.element, sep.component, sep.segment)):
        raise InvalidInputError(
            f"{value!r} contains an X12 separator of this interchange",
            value=value,
            field="separators",
        )
    return value


def _composite(parts: list[str], sep: X12Separators) -> str:
    return sep.component.join(_check_text(p, sep) for p in parts)


def _segment(elements: list[str], sep: X12Separators) -> str:
    while elements and elements[-1] == "":
        elements.pop()
    return sep.element.join(elements) + sep.segment


def _tail(line: ExportLine, sep: X12Separators) -> list[str]:
    out = [_segment(["DTP", "472", "D8", line.date_of_service.strftime("%Y%m%d")], sep)]
    if line.line_control_number:
        out.append(_segment(["REF", "6R", _check_text(line.line_control_number, sep)], sep))
    return out


def to_837p_sv1(
    lines: Iterable[ExportLine | Mapping[str, Any]],
    *,
    separators: X12Separators | None = None,
    claim_place_of_service: str | None = None,
    diagnosis_count: int | None = None,
    start: int = 1,
    force: bool = False,
) -> tuple[str, ...]:
    """837P loop-2400 segments, each with its terminator: ``"".join`` them into the claim.

    ``SV105`` (place of service) is written only where a line's differs from
    ``claim_place_of_service`` (``CLM05-1``). Lines with an error finding of
    :func:`precheck` raise :class:`ExportRefusedError` unless ``force``.

    >>> from datetime import date
    >>> line = ExportLine("97530", 3, ("GO",), date(2026, 1, 5), diagnosis_pointers=(1, 2),
    ...                   charge="180.00")
    >>> print("\\n".join(to_837p_sv1([line], separators=X12Separators(component=">"), start=2)))
    LX*2~
    SV1*HC>97530>GO*180*UN*3***1>2~
    DTP*472*D8*20260105~
    """
    sep = separators or X12Separators()
    out: list[str] = []
    items = gate(lines, target="837p", force=force, diagnosis_count=diagnosis_count)
    for n, line in enumerate(items, start=start):
        pos = line.place_of_service
        sv1 = [
            "SV1",
            _composite(["HC", line.code, *line.modifiers], sep),
            x12_decimal(line.charge),
            "UN",
            x12_decimal(line.units),
            "" if pos is None or pos == claim_place_of_service else _check_text(pos, sep),
            "",
            _composite([str(p) for p in line.diagnosis_pointers], sep),
            "",
            "",
            "",
            "Y" if line.epsdt else "",
        ]
        out.append(_segment(["LX", str(n)], sep))
        out.append(_segment(sv1, sep))
        out += _tail(line, sep)
    return tuple(out)


def to_837i_sv2(
    lines: Iterable[ExportLine | Mapping[str, Any]],
    *,
    separators: X12Separators | None = None,
    start: int = 1,
    force: bool = False,
) -> tuple[str, ...]:
    """837I loop-2400 segments (``SV2`` has no diagnosis pointer: diagnoses are claim-level).

    >>> from datetime import date
    >>> line = ExportLine("97530", 3, ("GO",), date(2026, 1, 5), charge="180.00",
    ...                   revenue_code="0430")
    >>> "".join(to_837i_sv2([line]))
    'LX*1~SV2*0430*HC:97530:GO*180*UN*3~DTP*472*D8*20260105~'
    """
    sep = separators or X12Separators()
    out: list[str] = []
    for n, line in enumerate(gate(lines, target="837i", force=force), start=start):
        sv2 = [
            "SV2",
            _check_text(line.revenue_code or "", sep),
            _composite(["HC", line.code, *line.modifiers], sep),
            x12_decimal(line.charge),
            "UN",
            x12_decimal(line.units),
        ]
        out.append(_segment(["LX", str(n)], sep))
        out.append(_segment(sv2, sep))
        out += _tail(line, sep)
    return tuple(out)
