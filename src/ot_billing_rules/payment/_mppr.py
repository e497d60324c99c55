"""The therapy multiple procedure payment reduction (MPPR).

Pub. 100-04 Ch. 5 §10.7: for "always therapy" codes (``MULT PROC`` 5 in the
RVU file), excluding MAC-priced, bundled and add-on codes, the unit with the
highest practice expense (PE) is paid in full; every other unit furnished to
the patient that day, in any therapy discipline, is paid full work and
malpractice and a share of its PE:

* from 2013-04-01: 50%, on professional and institutional claims;
* 2011-01-01 to 2013-03-31: 80% on professional, 75% on institutional
  claims (CR 7050, Transmittals 800 and 826).

Ranking: highest applicable PE RVU first; on a tie, the highest total fee
schedule amount (§10.7).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from ._model import PAYABLE_STATUS, ClaimType, RvuRow

#: First date of service of the therapy MPPR (CR 7050).
MPPR_START = date(2011, 1, 1)
#: First date of service of the 50% rate in every setting (§10.7).
FIFTY_PERCENT_FROM = date(2013, 4, 1)


def mppr_applies(row: RvuRow, day: date) -> bool:
    """Whether second and later units of ``row``'s code are reduced on ``day``."""
    return (
        day >= MPPR_START
        and row.mult_proc == "5"
        and row.status in PAYABLE_STATUS
        and row.global_days != "ZZZ"  # add-on codes are excluded
    )


def pe_share(day: date, claim: ClaimType) -> Decimal:
    """The share of the PE paid on a reduced unit."""
    if day >= FIFTY_PERCENT_FROM:
        return Decimal("0.5")
    return Decimal("0.75") if claim is ClaimType.INSTITUTIONAL else Decimal("0.8")


def full_unit_line(candidates: Sequence[tuple[Decimal, Decimal, tuple[str, ...]]]) -> int | None:
    """Index of the line whose first unit is paid in full, or ``None``.

    ``candidates`` holds, per line (``None``-free, MPPR lines only), the
    applicable PE RVU, the full one-unit amount and a canonical sort key that
    makes the choice independent of the order lines were given in.
    """
    if not candidates:
        return None
    return min(
        range(len(candidates)),
        key=lambda i: (-candidates[i][0], -candidates[i][1], candidates[i][2]),
    )
