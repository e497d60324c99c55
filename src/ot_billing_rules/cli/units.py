"""``ot-billing units``: minutes to billable units for one discipline's date of service.

``ot-billing units 97110=33 97140=7 [--method ama] [--on DATE] [--assistant 97110=10]
[--discipline OT] [--json]``; an untimed code may be given bare (``97165``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .._coerce import ascii_int
from ..catalog import normalize_code
from ..errors import DuplicateCodeError, InvalidInputError, InvalidMinutesError
from ..terms import UnitMethod
from ..units import TieBreak, compute_units
from ._commands import HELP
from ._output import print_json, print_table


def register(sub: Any) -> None:
    """Add the ``units`` subcommand."""
    p = sub.add_parser(
        "units",
        help=HELP["units"],
        description="Minutes per code for one discipline's date of service, e.g. "
        "'97110=33 97140=7 97165'. Untimed codes may be given without minutes.",
    )
    p.add_argument("services", nargs="+", metavar="CODE[=MINUTES]")
    p.add_argument(
        "--method",
        default="cms",
        help=f"{' or '.join(m.value for m in UnitMethod)}: CMS 8-minute rule (default) or "
        "AMA/CPT per code",
    )
    p.add_argument("--on", help="date of service, YYYY-MM-DD (default today)")
    p.add_argument(
        "--assistant",
        action="append",
        default=[],
        metavar="CODE=MINUTES",
        help="minutes of CODE the OT/PT assistant furnished alone (repeatable)",
    )
    p.add_argument("--discipline", default="OT", help="OT (default), PT or SLP")
    p.add_argument(
        "--tie-break",
        default="minutes",
        help=f"who wins a leftover tie: {', '.join(t.value for t in TieBreak)}",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_units)


def _pairs(items: Sequence[str], *, field: str, bare: bool) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for item in items:
        code, sep, text = item.partition("=")
        if not sep:
            if not bare:
                raise InvalidInputError(
                    f"{field} {item!r} must be CODE=MINUTES, e.g. 97110=10",
                    value=item,
                    field=field,
                )
            value: int | None = None
        else:
            value = ascii_int(text)
            if value is None:
                raise InvalidMinutesError(
                    f"{field} {item!r}: minutes {text!r} are not a whole number",
                    value=item,
                    field=field,
                )
        key = normalize_code(code)
        if key in out:
            raise DuplicateCodeError(
                f"{field} {item!r} repeats {key}; give each code once with its total minutes",
                value=item,
                field=field,
            )
        out[key] = value
    return out


def _units(args: argparse.Namespace) -> int:
    minutes = _pairs(args.services, field="service", bare=True)
    assistant = _pairs(args.assistant, field="--assistant", bare=False)
    alloc = compute_units(
        minutes,
        method=args.method,
        on=args.on,
        assistant_minutes={k: v for k, v in assistant.items() if v is not None} or None,
        discipline=args.discipline,
        tie_break=args.tie_break,
    )
    if args.json:
        print_json(alloc.to_dict())
        return 0
    print(alloc.explanation)
    print()
    print_table(
        ("code", "units", "modifiers", "minutes"),
        [(ln.code, ln.units, " ".join(ln.modifiers), ln.minutes) for ln in alloc.lines],
    )
    if alloc.alternatives:
        print()
        print("Equally valid alternatives:")
        for alt in alloc.alternatives:
            print("  " + ", ".join(f"{c} × {n}" for c, n in alt.items() if n))
    for f in alloc.findings:
        print(f"{f.severity.value}: {f.rule}: {f.message}")
    return 0
