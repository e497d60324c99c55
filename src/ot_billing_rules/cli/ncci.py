"""``ot-billing ncci import``: CMS PTP/MUE files into a SQLite store.

A store that is locked, read-only, damaged, full or not a store is a user
error (a ``StoreError``): one line on stderr, exit 2. The import swaps a new
file in, so a ``check --db`` reading the store meanwhile is never disturbed.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..ncci import import_cms_files
from ..terms import Setting
from ._commands import HELP
from ._output import print_json


def register(sub: Any) -> None:
    """Add the ``ncci`` subcommand (with its ``import`` action) to ``sub``."""
    p = sub.add_parser("ncci", help=HELP["ncci"])
    inner = p.add_subparsers(dest="ncci_command", metavar="ACTION", parser_class=type(p))
    inner.required = True
    imp = inner.add_parser(
        "import",
        help="import CMS PTP/MUE files (.txt, .csv or .zip) into a SQLite store",
        description="Import the CMS PTP .txt and MUE .csv files (plain or in the CMS .zip) "
        "into a SQLite store that 'check --db' and EditSet.open read.",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--db", required=True, help="SQLite file to create or update")
    imp.add_argument(
        "--setting",
        choices=[s.value for s in Setting],
        help="force the setting when the file names do not tell",
    )
    imp.add_argument("--json", action="store_true", help="print JSON")
    imp.set_defaults(func=_import)


def _import(args: argparse.Namespace) -> int:
    summary = import_cms_files(args.files, args.db, setting=args.setting)
    if args.json:
        print_json(summary.to_dict())
    else:
        print(summary.explain())
    return 0
