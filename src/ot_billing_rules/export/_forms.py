"""The paper claim forms as data: CMS-1500 item 24 and UB-04 FL 42-47 rows.

CMS-1500 (02/12): six service lines a form (NUCC 1500 instructions, item 24;
CMS Pub. 100-04 Ch. 26 §10.4). UB-04 (CMS-1450): 22 service lines a page,
line 23 carrying "PAGE n OF m" and, on the last page, revenue code 0001 with
the claim total (NUBC UB-04 FL 42-47; CMS Pub. 100-04 Ch. 25 §75).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

from ..sources import cite
from ._lines import ExportLine
from ._write import gate, money

__all__ = ["CMS1500_COLUMNS", "UB04_COLUMNS", "to_cms1500_rows", "to_ub04_rows", "write_csv"]

#: One row per service line; ``form`` and ``line`` (1-6) page the lines.
CMS1500_COLUMNS: tuple[str, ...] = (
    "form", "line", "24A_from", "24A_to", "24B", "24C", "24D_code", "24D_mod1", "24D_mod2",
    "24D_mod3", "24D_mod4", "24E", "24F", "24G", "24H", "24I", "24J",
)  # fmt: skip

#: One row per service line, plus line 23 of each page.
UB04_COLUMNS: tuple[str, ...] = (
    "page", "line", "FL42", "FL43", "FL44_code", "FL44_mod1", "FL44_mod2", "FL44_mod3",
    "FL44_mod4", "FL45", "FL46", "FL47",
)  # fmt: skip

#: Where the layouts come from, for a caller that prints them with the rows.
CMS1500_SOURCE = cite("cms_1500_item_24")
UB04_SOURCE = cite("nubc_ub04")

_LINES_1500 = 6
_LINES_UB04 = 22
_LETTERS = "ABCDEFGHIJKL"


def _mods(prefix: str, mods: Sequence[str]) -> dict[str, str]:
    return {f"{prefix}_mod{i}": (mods[i - 1] if i <= len(mods) else "") for i in range(1, 5)}


def _letters(pointers: Sequence[int]) -> str:
    return "".join(_LETTERS[p - 1] if 1 <= p <= 12 else "?" for p in pointers)


def to_cms1500_rows(
    lines: Iterable[ExportLine | Mapping[str, Any]],
    *,
    date_style: str = "MMDDYY",
    force: bool = False,
    diagnosis_count: int | None = None,
) -> list[dict[str, str]]:
    """CMS-1500 item 24 rows (:data:`CMS1500_COLUMNS`), six lines a form.

    ``date_style`` is ``MMDDYY`` (form-ready), ``MMDDCCYY`` or ``ISO``; 24A
    To repeats From (one date a line). Pointers become letters A-L.

    >>> from datetime import date
    >>> row, = to_cms1500_rows([ExportLine("97530", 3, ("GO",), date(2026, 1, 5),
    ...     diagnosis_pointers=(1, 2), charge="180", place_of_service="11")])
    >>> row["24A_from"], row["24D_mod1"], row["24E"], row["24F"], row["24G"]
    ('010526', 'GO', 'AB', '180.00', '3')
    """
    fmt = {"MMDDYY": "%m%d%y", "MMDDCCYY": "%m%d%Y", "ISO": "%Y-%m-%d"}.get(date_style)
    if fmt is None:
        from ..errors import InvalidOptionError

        raise InvalidOptionError(
            f"date_style {date_style!r} is not MMDDYY, MMDDCCYY or ISO",
            value=date_style,
            field="date_style",
            valid=("MMDDYY", "MMDDCCYY", "ISO"),
        )
    rows = []
    items = gate(lines, target="cms1500", force=force, diagnosis_count=diagnosis_count)
    for i, line in enumerate(items):
        day = line.date_of_service.strftime(fmt)
        rows.append(
            {
                "form": str(i // _LINES_1500 + 1),
                "line": str(i % _LINES_1500 + 1),
                "24A_from": day,
                "24A_to": day,
                "24B": line.place_of_service or "",
                "24C": "",
                "24D_code": line.code,
                **_mods("24D", line.modifiers),
                "24E": _letters(line.diagnosis_pointers),
                "24F": money(line.charge),
                "24G": str(line.units),
                "24H": "Y" if line.epsdt else "",
                "24I": "",
                "24J": line.rendering_npi or "",
            }
        )
    return rows


def to_ub04_rows(
    lines: Iterable[ExportLine | Mapping[str, Any]], *, force: bool = False
) -> list[dict[str, str]]:
    """UB-04 FL 42-47 rows (:data:`UB04_COLUMNS`): 22 lines a page, then line 23.

    Line 23 of every page reads ``PAGE n OF m`` in FL 43; on the last page it
    carries revenue code ``0001`` and the claim's total charge in FL 47.

    >>> from datetime import date
    >>> rows = to_ub04_rows([ExportLine("97530", 3, ("GO",), date(2026, 1, 5),
    ...     charge="180", revenue_code="0430")])
    >>> [(r["line"], r["FL42"], r["FL43"], r["FL47"]) for r in rows]
    [('1', '0430', '', '180.00'), ('23', '0001', 'PAGE 1 OF 1', '180.00')]
    """
    items = gate(lines, target="ub04", force=force)
    pages = max(1, -(-len(items) // _LINES_UB04))
    total = sum((line.charge or Decimal(0) for line in items), Decimal(0))
    rows: list[dict[str, str]] = []
    blank = dict.fromkeys(UB04_COLUMNS, "")
    for page in range(1, pages + 1):
        chunk = items[(page - 1) * _LINES_UB04 : page * _LINES_UB04]
        for n, line in enumerate(chunk, start=1):
            rows.append(
                {
                    **blank,
                    "page": str(page),
                    "line": str(n),
                    "FL42": line.revenue_code or "",
                    "FL44_code": line.code,
                    **_mods("FL44", line.modifiers),
                    "FL45": line.date_of_service.strftime("%m%d%y"),
                    "FL46": str(line.units),
                    "FL47": money(line.charge),
                }
            )
        last = page == pages
        rows.append(
            {
                **blank,
                "page": str(page),
                "line": "23",
                "FL42": "0001" if last else "",
                "FL43": f"PAGE {page} OF {pages}",
                "FL47": money(total) if last else "",
            }
        )
    return rows


def write_csv(rows: Iterable[Mapping[str, str]], fp: IO[str], columns: Sequence[str]) -> None:
    """Write ``rows`` as CSV with a header of ``columns`` (stdlib :mod:`csv`)."""
    writer = csv.DictWriter(fp, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
