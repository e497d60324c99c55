"""``ot-billing check``: claim lines against NCCI, MUE, status and modifier rules.

``check`` takes line tokens ``CODE[xUNITS][:MOD[,MOD]]`` — ``97530``,
``97530x2``, ``97530x2:GO,59`` — and exits 0 when no finding is an error, 1
when one is, and 2 on a user error. A store that is locked, read-only,
damaged, full or not a store is a user error too (a ``StoreError``): one line
on stderr, exit 2.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..bundling import check_bundling
from ..findings import Severity
from ..lines import parse_line_token
from ..modifiers import BypassPlacement
from ..ncci import EditSet
from ..terms import Setting
from ._commands import HELP
from ._output import print_json, print_table


def register(sub: Any) -> None:
    """Add the ``check`` subcommand."""
    p = sub.add_parser(
        "check",
        help=HELP["check"],
        description="Check one date of service's lines. Each LINE is CODE[xUNITS][:MOD[,MOD]], "
        "e.g. 97150 97530x2:GO,59. Exit 0: no errors; 1: error findings; 2: bad input.",
    )
    p.add_argument("lines", nargs="+", metavar="LINE", help="CODE[xUNITS][:MOD[,MOD]]")
    p.add_argument("--on", help="date of service, YYYY-MM-DD (default today)")
    p.add_argument(
        "--setting", choices=[s.value for s in Setting], default=Setting.PRACTITIONER.value
    )
    p.add_argument(
        "--db", help="SQLite edit store from 'ot-billing ncci import' (default: bundled)"
    )
    p.add_argument(
        "--discipline",
        default="OT",
        help="plan of care: OT (default), PT, SLP, or 'none' to skip therapy-modifier checks",
    )
    p.add_argument(
        "--bypass",
        choices=[b.value for b in BypassPlacement],
        default="either",
        help="where an NCCI bypass modifier must sit (default: either line)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_check)


def _check(args: argparse.Namespace) -> int:
    lines = [parse_line_token(token) for token in args.lines]
    edits = EditSet.open(args.db) if args.db else None
    discipline = None if args.discipline.strip().lower() == "none" else args.discipline
    try:
        found = check_bundling(
            lines,
            on=args.on,
            setting=args.setting,
            edits=edits,
            discipline=discipline,
            bypass=args.bypass,
        )
    finally:
        if edits is not None:
            edits.close()
    if args.json:
        print_json(
            {
                "lines": [line.to_dict() for line in lines],
                "findings": [f.to_dict() for f in found],
            }
        )
    elif found:
        print_table(
            ("severity", "rule", "codes", "message"),
            [(f.severity.value, f.rule, " ".join(f.codes), f.message) for f in found],
        )
    else:
        print("no findings")
    return 1 if any(f.severity is Severity.ERROR for f in found) else 0
