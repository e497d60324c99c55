"""Minimal, escaped HTML for notebook reprs (``_repr_html_``).

Every value is passed through :func:`html.escape`, so text from user input or
data files can never inject markup into a notebook.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence


def html_table(
    title: str,
    rows: Iterable[tuple[object, object]] | Iterable[Sequence[object]],
    *,
    header: Sequence[str] | None = None,
) -> str:
    """Render ``rows`` as a small HTML table under a caption."""
    parts = [f"<table><caption>{html.escape(title)}</caption>"]
    if header:
        parts.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        parts.append(
            "<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>"
        )
    parts.append("</table>")
    return "".join(parts)
