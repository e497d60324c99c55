"""Medicare dollars: the Physician Fee Schedule amount of therapy lines.

>>> from ot_billing_rules.payment import fee
>>> f = fee("97110", on="2025-06-02", locality="10112-00")
>>> f.amount, f.reduced_amount, f.release
(Decimal('26.83'), Decimal('20.79'), 'RVU25D')

:func:`fee` prices one unit of a code; :func:`price_lines` prices one
patient's lines of one date of service (therapy MPPR, lower of charge,
coinsurance, CQ/CO reduction, sequestration, KX accrual); :func:`localities`
lists the payment localities. The bundled schedule holds the CMS releases
RVU24A, RVU24AR, RVU24B, RVU24C, RVU25D and RVU26C (non-QP, with the CY2026
QP conversion factor) for the catalog's codes; :meth:`FeeSchedule.from_cms_files`
loads the CMS files of any release.
"""

from __future__ import annotations

from datetime import date

from .._coerce import coerce_date
from ..errors import FeeNotFoundError, InvalidTypeError
from ._contract import ContractLine, ContractPricing, price_contract
from ._model import ClaimType, Fee, Locality, Release
from ._pricing import PricedLine, Pricing, price_lines, sequestration_rate
from ._schedule import FeeSchedule, localities_of

# The public types are built in private modules but belong to this one: their
# repr, documentation and pickles name ``ot_billing_rules.payment``.
for _public in (
    ClaimType,
    Fee,
    Locality,
    Release,
    PricedLine,
    Pricing,
    FeeSchedule,
    ContractLine,
    ContractPricing,
):
    _public.__module__ = __name__
for _function in (price_lines, sequestration_rate, price_contract):
    _function.__module__ = __name__

__all__ = [
    "ClaimType",
    "ContractLine",
    "ContractPricing",
    "Fee",
    "FeeNotFoundError",
    "FeeSchedule",
    "Locality",
    "PricedLine",
    "Pricing",
    "Release",
    "fee",
    "localities",
    "price_contract",
    "price_lines",
    "sequestration_rate",
]


def _schedule(schedule: object) -> FeeSchedule:
    if schedule is None:
        return FeeSchedule.bundled()
    if not isinstance(schedule, FeeSchedule):
        raise InvalidTypeError(
            f"schedule must be a FeeSchedule, not {type(schedule).__name__}",
            value=schedule,
            field="schedule",
        )
    return schedule


def fee(
    code: str,
    *,
    on: date | str,
    locality: str | Locality | None = None,
    facility: bool = False,
    qp: bool = False,
    schedule: FeeSchedule | None = None,
    claim: ClaimType | str = ClaimType.PROFESSIONAL,
) -> Fee:
    """The Medicare fee schedule amount of one unit of ``code`` on date of service ``on``.

    ``locality`` is ``"MAC-locality"`` as CMS numbers it (Alabama:
    ``"10112-00"``; list them with :func:`localities`); ``None`` prices with
    national GPCIs (1.0). ``facility`` uses the facility PE RVU; ``qp`` the
    CY2026+ conversion factor of qualifying APM participants; ``claim`` only
    matters for the pre-2013-04-01 MPPR rate. ``on`` is required.

    >>> fee("97530", on="2024-03-08").conversion_factor
    Decimal('32.7442')
    >>> fee("97530", on="2024-03-09").conversion_factor
    Decimal('33.2875')

    A date no release covers, a code the release has no row for, or a
    status Medicare does not pay is a :class:`FeeNotFoundError`.
    """
    return _schedule(schedule).fee(
        code, on=on, locality=locality, facility=facility, qp=qp, claim=claim
    )


def localities(
    *,
    on: date | str,
    state: str | None = None,
    county: str | None = None,
    schedule: FeeSchedule | None = None,
) -> tuple[Locality, ...]:
    """The payment localities of the release covering ``on``, by state then id.

    ``state`` (two letters) keeps one state's; ``county`` keeps the localities
    whose county list names it, or else the state's "all (other) counties"
    locality (it needs the year's locality/county file, bundled for 2025).

    >>> [loc.id for loc in localities(on="2025-06-02", state="CA", county="Marin")]
    ['01112-52']
    >>> localities(on="2025-06-02", state="AL")[0].pe_gpci
    Decimal('0.869')
    """
    coerce_date(on, default_today=False)
    return localities_of(_schedule(schedule), on, state, county)
