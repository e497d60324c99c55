"""``ot-billing lookup`` and ``ot-billing codes``."""

from __future__ import annotations

import argparse
from typing import Any

from ..catalog import Category, Code, codes, lookup
from ._commands import HELP
from ._output import print_json, print_table


def register(sub: Any) -> None:
    """Add the ``lookup`` and ``codes`` subcommands."""
    p = sub.add_parser("lookup", help=HELP["lookup"])
    p.add_argument("code")
    p.add_argument("--on", help="date of service, YYYY-MM-DD (default today)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_lookup)

    p = sub.add_parser("codes", help=HELP["codes"])
    p.add_argument("--category", choices=[c.value for c in Category])
    group = p.add_mutually_exclusive_group()
    group.add_argument("--timed", dest="timed", action="store_true", default=None)
    group.add_argument("--untimed", dest="timed", action="store_false")
    p.add_argument("--on", help="only codes valid on this date of service (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_codes)


def _lookup(args: argparse.Namespace) -> int:
    code = lookup(args.code, on=args.on)
    if args.json:
        print_json(code.to_dict())
        return 0
    d = code.to_dict()
    width = max(len(k) for k in d)
    for key, value in d.items():
        if isinstance(value, list):
            value = ", ".join(value)
        print(f"{key.ljust(width)}  {'' if value is None else value}")
    return 0


def _row(c: Code) -> list[object]:
    return [
        c.code,
        "timed" if c.timed else "untimed",
        c.unit_minutes or "",
        c.effective.isoformat() if c.effective_known else "",
        c.deleted.isoformat() if c.deleted else "",
        c.description,
    ]


def _codes(args: argparse.Namespace) -> int:
    found = codes(on=args.on, category=args.category, timed=args.timed)
    if args.json:
        print_json([c.to_dict() for c in found])
    else:
        print_table(
            ("code", "timing", "min", "effective", "deleted", "description"),
            [_row(c) for c in found],
        )
    return 0
