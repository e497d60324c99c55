"""Shared output helpers for the CLI: JSON and plain-text tables, safe on any stdout.

Standard output may not be UTF-8 (``LANG=C``, ``PYTHONIOENCODING=ascii``) and
input text may hold lone surrogates (``"\\udcff"`` in a JSON string). JSON is
then written with ``\\u`` escapes, still valid JSON; plain text relies on the
``backslashreplace`` error handler :func:`ot_billing_rules.cli.main` sets.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any


def json_text(payload: Any, *, indent: int | None = 2) -> str:
    """``payload`` as JSON text that standard output can encode.

    Non-ASCII text is kept as is when the stream can write it, and escaped
    (``\\u00eb``) when it cannot — a non-UTF-8 stream or a lone surrogate.
    """
    text = json.dumps(payload, indent=indent, ensure_ascii=False)
    if text.isascii() or _encodable(text):
        return text
    return json.dumps(payload, indent=indent, ensure_ascii=True)


def _encodable(text: str) -> bool:
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def print_json(payload: Any) -> None:
    """Print ``payload`` as stable, indented JSON."""
    sys.stdout.write(json_text(payload) + "\n")


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print rows as a left-aligned text table."""
    cells = [[str(c) for c in header], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
