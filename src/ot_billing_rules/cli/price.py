"""``ot-billing price``, ``ot-billing fees`` and ``ot-billing localities``: Medicare dollars.

``price`` takes the line tokens of ``check`` (``97530x2:GO``) and prints what
:func:`~ot_billing_rules.payment.price_lines` computes: per line the allowed
amount, the therapy MPPR reduction, coinsurance, the Medicare payment before
and after the CQ/CO reduction and sequestration, the KX accrual per bucket,
and the explanation. ``fees`` prints a rate table, ``localities`` the payment
localities. ``--on`` is required where dollars are printed: a fee is never
taken from another date's release.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal
from typing import Any

from ..errors import FeeNotFoundError, InvalidInputError, InvalidOptionError
from ..lines import ServiceLine, parse_line_token
from ..payment import FeeSchedule, Pricing, fee, localities, price_lines
from ..payment._pricing import PricedLine
from ._commands import HELP
from ._output import print_json, print_table


def register(sub: Any) -> None:
    """Add the ``price``, ``fees`` and ``localities`` subcommands."""
    p = sub.add_parser(
        "price",
        help=HELP["price"],
        description="Price one patient's lines of one date of service under the Medicare "
        "Physician Fee Schedule. Each LINE is CODE[xUNITS][:MOD[,MOD]], e.g. 97530x2:GO.",
    )
    p.add_argument("lines", nargs="+", metavar="LINE", help="CODE[xUNITS][:MOD[,MOD]]")
    _common(p)
    p.add_argument(
        "--discipline",
        help="OT, PT or SLP: the KX bucket of lines without a GO/GP/GN modifier",
    )
    p.add_argument(
        "--charge",
        action="append",
        default=[],
        metavar="CODE=AMOUNT",
        help="the billed charge of the line of CODE (allowed is the lower of charge and fee); "
        "repeatable",
    )
    p.set_defaults(func=_price)

    p = sub.add_parser("fees", help=HELP["fees"], description=HELP["fees"])
    _common(p)
    p.add_argument("--codes", help="comma-separated codes (default: every code held)")
    p.set_defaults(func=_fees)

    p = sub.add_parser("localities", help=HELP["localities"], description=HELP["localities"])
    p.add_argument("--on", help="date of service, YYYY-MM-DD (default today)")
    p.add_argument("--state", help="two-letter state code, e.g. AL")
    p.add_argument("--county", help="county name, e.g. Marin (needs the year's county file)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_localities)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--on", required=True, help="date of service, YYYY-MM-DD")
    p.add_argument(
        "--locality",
        help="payment locality 'MAC-locality', e.g. 10112-00 (default: national GPCIs 1.0); "
        "list them with 'ot-billing localities'",
    )
    p.add_argument("--facility", action="store_true", help="use the facility PE RVU")
    p.add_argument("--qp", action="store_true", help="qualifying APM participant CF (CY2026+)")
    p.add_argument("--json", action="store_true", help="print JSON")


def _check_locality(on: str, locality: str | None) -> None:
    # The library's message points at the Python function; on the command line
    # the way to list them is the localities command.
    if locality is None:
        return
    release = FeeSchedule.bundled().release_for(on)
    if locality.strip() not in release.localities:
        raise InvalidOptionError(
            f"--locality {locality!r} is not a payment locality of release {release.name} "
            "(give 'MAC-locality' as CMS numbers them, e.g. 10112-00 for Alabama; list them "
            f"with 'ot-billing localities --on {release.start.isoformat()} [--state XX]')",
            value=locality,
            field="locality",
            valid=sorted(release.localities),
        )


def _charges(specs: list[str], lines: list[ServiceLine]) -> list[Decimal | str | None] | None:
    if not specs:
        return None
    out: list[Decimal | str | None] = [None] * len(lines)
    seen: set[str] = set()
    for spec in specs:
        code, sep, amount = spec.partition("=")
        code = code.strip().upper()
        if not sep or not code or not amount.strip():
            raise InvalidInputError(
                f"--charge {spec!r} is not CODE=AMOUNT (e.g. --charge 97530=80.00)",
                value=spec,
                field="charge",
            )
        at = [i for i, line in enumerate(lines) if line.code == code]
        if not at:
            raise InvalidInputError(
                f"--charge {spec!r}: no line has code {code} (lines: "
                f"{', '.join(line.code for line in lines)})",
                value=spec,
                field="charge",
            )
        if len(at) > 1 or code in seen:
            raise InvalidInputError(
                f"--charge {spec!r}: code {code} is on more than one line or charged twice; "
                "give each line's code once",
                value=spec,
                field="charge",
            )
        seen.add(code)
        out[at[0]] = amount.strip()
    return out


def _price(args: argparse.Namespace) -> int:
    lines = [parse_line_token(token) for token in args.lines]
    _check_locality(args.on, args.locality)
    pricing = price_lines(
        lines,
        on=args.on,
        locality=args.locality,
        facility=args.facility,
        qp=args.qp,
        discipline=args.discipline,
        charges=_charges(args.charge, lines),
    )
    if args.json:
        print_json(pricing.to_dict())
        return 0
    _print_pricing(pricing)
    return 0


def _mppr_cut(p: PricedLine) -> Decimal:
    if p.fee is None:
        return Decimal("0.00")
    return p.fee.amount * p.line.units - p.fee_schedule_amount


def _print_pricing(pricing: Pricing) -> None:
    header = ("line", "allowed", "MPPR cut", "coinsurance", "payment", "CQ/CO cut",
              "sequestration", "paid", "KX bucket")  # fmt: skip
    rows: list[tuple[object, ...]] = []
    for p in pricing.lines:
        mods = f":{','.join(p.line.modifiers)}" if p.line.modifiers else ""
        label = f"{p.line.code}x{p.line.units}{mods}"
        if not p.priced:
            rows.append((label, "not priced", "", "", "", "", "", "", p.kx_bucket or "-"))
            continue
        pay, bucket = p.allowed - p.coinsurance, p.kx_bucket or "-"
        rows.append((label, p.allowed, _mppr_cut(p), p.coinsurance, pay,
                     p.assistant_reduction, p.sequestration, p.paid, bucket))  # fmt: skip
    rows.append(("total", pricing.allowed, sum((_mppr_cut(p) for p in pricing.lines),
                 Decimal("0.00")), pricing.coinsurance, pricing.allowed - pricing.coinsurance,
                 pricing.assistant_reduction, pricing.sequestration, pricing.paid, ""))  # fmt: skip
    print_table(header, rows)
    print()
    kx = ", ".join(f"{bucket} {amount}" for bucket, amount in pricing.kx) or "none"
    print(f"KX accrual: {kx}")
    print()
    print(pricing.explanation)


def _fees(args: argparse.Namespace) -> int:
    _check_locality(args.on, args.locality)
    release = FeeSchedule.bundled().release_for(args.on)
    if args.codes is None:
        wanted = sorted({code for code, mod in release.rows if not mod})
    else:
        wanted = [c.strip().upper() for c in args.codes.split(",") if c.strip()]
        if not wanted:
            raise InvalidInputError(
                f"--codes {args.codes!r} names no code (e.g. --codes 97110,97530)",
                value=args.codes,
                field="codes",
            )
    rows: list[dict[str, Any]] = []
    for code in wanted:
        try:
            f = fee(code, on=args.on, locality=args.locality, facility=args.facility, qp=args.qp)
        except FeeNotFoundError as exc:
            row = release.rows.get((exc.code or code, ""))
            if row is None:  # a code the release has no row for: not a rate to show
                raise
            # A status Medicare does not pay (bundled, MAC-priced) is a row of its own.
            rows.append({"code": row.code, "amount": None, "reduced_amount": None,
                         "status": row.status, "release": release.name,
                         "note": str(exc)})  # fmt: skip
            continue
        rows.append({"code": f.code, "amount": str(f.amount), "reduced_amount":
                     str(f.reduced_amount), "status": f.status, "release": f.release,
                     "note": ""})  # fmt: skip
    if args.json:
        print_json(rows)
        return 0
    print_table(
        ("code", "amount", "reduced/unit", "status", "release"),
        [(r["code"], r["amount"] or "-", r["reduced_amount"] or "-", r["status"], r["release"])
         for r in rows],
    )  # fmt: skip
    return 0


def _localities(args: argparse.Namespace) -> int:
    on = args.on if args.on is not None else date.today()
    found = localities(on=on, state=args.state, county=args.county)
    if args.json:
        print_json([loc.to_dict() for loc in found])
        return 0
    print_table(
        ("id", "state", "name", "work GPCI", "PE GPCI", "MP GPCI"),
        [(loc.id, loc.state, loc.name, loc.work_gpci, loc.pe_gpci, loc.mp_gpci)
         for loc in found],
    )  # fmt: skip
    return 0
