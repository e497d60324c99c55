"""The command table: each ``ot-billing`` command, the module that runs it, its help line.

Only the module of the command being run is imported, so ``ot-billing
lookup`` never loads the audit or the NCCI store code; ``ot-billing --help``
lists every command from this table alone.
"""

from __future__ import annotations

#: Command -> module in this package (with a ``register(subparsers)``), in ``--help`` order.
MODULES: dict[str, str] = {
    "audit": "audit",
    "lookup": "codes",
    "codes": "codes",
    "check": "check",
    "ncci": "ncci",
    "units": "units",
    "eval": "eval",
    "price": "price",
    "fees": "price",
    "localities": "price",
}

#: Command -> the one-line help ``--help`` shows.
HELP: dict[str, str] = {
    "audit": "audit visits (JSON or CSV): claim lines, units, modifiers, findings",
    "lookup": "show one code as of a date of service",
    "codes": "list catalog codes",
    "check": "check claim lines against NCCI edits, MUEs, fee-schedule status and modifiers",
    "ncci": "manage NCCI edit data",
    "units": "turn treatment minutes into billable units (CMS 8-minute rule or AMA)",
    "eval": "pick the evaluation complexity code; re-evaluation rules",
    "price": "Medicare dollars of one date of service's lines (MPPR, coinsurance, CQ/CO, KX)",
    "fees": "Medicare fee schedule rates of codes on a date of service, in a locality",
    "localities": "list the Medicare payment localities (by state, county)",
}
