"""The records of the fee schedule: RVU rows, localities, releases and fees.

Amounts are :class:`~decimal.Decimal` dollars; RVUs, GPCIs and conversion
factors are Decimals exactly as CMS prints them, so no float rounding can
move a cent.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs

from .._html import html_table

_CENT = Decimal("0.01")

#: Status codes CMS pays on (RVU file documentation: "Only RVUs associated
#: with status codes of "A", "R", or "T", are used for Medicare payment").
PAYABLE_STATUS = frozenset({"A", "R", "T"})

#: What a status code that is not payable means, for messages (RVU file
#: documentation, Attachment A).
STATUS_MEANING = {
    "B": "bundled: no separate payment",
    "C": "MAC-priced: the national file has no RVUs to price it",
    "I": "not valid for Medicare (another code is paid instead)",
    "J": "anesthesia service",
    "M": "measurement code, not paid",
    "N": "non-covered service",
    "P": "bundled or excluded",
    "X": "statutory exclusion",
}


def cents(amount: Decimal) -> Decimal:
    """Round to cents, half away from zero (the rounding that reproduces CMS's amounts)."""
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


class ClaimType(str, enum.Enum):
    """The claim form a service is billed on.

    It matters only for the therapy MPPR before 2013-04-01, when the practice
    expense of later units was paid at 80% on professional and 75% on
    institutional claims (Pub. 100-04 Ch. 5 §10.7; CR 7050).
    """

    PROFESSIONAL = "professional"
    INSTITUTIONAL = "institutional"


@attrs.frozen
class RvuRow:
    """One row of the CMS PPRRVU file, without its descriptor.

    ``mult_proc`` ``"5"`` marks the "always therapy" codes whose practice
    expense is reduced for second and later units; ``global_days`` ``"ZZZ"``
    marks an add-on code.
    """

    code: str
    modifier: str
    status: str
    work: Decimal
    pe_nonfacility: Decimal
    pe_facility: Decimal
    mp: Decimal
    pctc: str
    global_days: str
    mult_proc: str


@attrs.frozen
class Locality:
    """A Medicare payment locality and its GPCIs for one release.

    ``id`` is ``"MAC-locality"`` as CMS numbers them (Alabama: ``"10112-00"``);
    ``counties`` is the county text of the locality/county file for that year,
    or ``None`` when no such file is loaded.
    """

    mac: str
    state: str
    number: str
    name: str
    work_gpci: Decimal
    pe_gpci: Decimal
    mp_gpci: Decimal
    counties: str | None = None

    @property
    def id(self) -> str:
        """``"10112-00"``."""
        return f"{self.mac}-{self.number}"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (GPCIs as strings)."""
        return {
            "id": self.id,
            "mac": self.mac,
            "state": self.state,
            "number": self.number,
            "name": self.name,
            "work_gpci": str(self.work_gpci),
            "pe_gpci": str(self.pe_gpci),
            "mp_gpci": str(self.mp_gpci),
            "counties": self.counties,
        }


@attrs.frozen(eq=False)
class Release:
    """One CMS RVU release and the dates of service it prices.

    ``name`` is CMS's (``"RVU25D"``); ``start``/``end`` bound the dates of
    service; ``conversion_factor`` is the file's CF (non-QP from 2026) and
    ``qp_conversion_factor`` the qualifying-APM-participant CF where one
    exists. ``notice`` keeps the file's AMA/ADA notice lines verbatim.
    """

    name: str
    start: date
    end: date
    released: date | None
    conversion_factor: Decimal
    qp_conversion_factor: Decimal | None
    rows: Mapping[tuple[str, str], RvuRow]
    localities: Mapping[str, Locality]
    notice: tuple[str, ...]
    source: str
    gpci_source: str

    def covers(self, day: date) -> bool:
        """Whether ``day`` is a date of service this release prices."""
        return self.start <= day <= self.end


@attrs.frozen
class Fee:
    """The fee schedule amount of one unit of a code on a date, in a locality.

    ``amount`` is ``[(work RVU × work GPCI) + (PE RVU × PE GPCI) + (MP RVU ×
    MP GPCI)] × CF`` rounded half-up to cents; ``reduced_amount`` the amount
    of a second or later unit under the therapy MPPR (equal to ``amount``
    where the MPPR does not apply, ``mppr`` false).
    """

    code: str
    on: date
    release: str
    locality: str | None
    facility: bool
    qp: bool
    status: str
    work_rvu: Decimal
    pe_rvu: Decimal
    mp_rvu: Decimal
    work_gpci: Decimal
    pe_gpci: Decimal
    mp_gpci: Decimal
    conversion_factor: Decimal
    mppr: bool
    mppr_pe_share: Decimal
    amount: Decimal
    reduced_amount: Decimal
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (Decimals as strings)."""
        out: dict[str, Any] = {}
        for field in attrs.fields(Fee):
            value = getattr(self, field.name)
            if isinstance(value, Decimal):
                value = str(value)
            elif isinstance(value, date):
                value = value.isoformat()
            out[field.name] = value
        return out

    def _repr_html_(self) -> str:
        return html_table(f"Fee {self.code} on {self.on.isoformat()}", self.to_dict().items())
