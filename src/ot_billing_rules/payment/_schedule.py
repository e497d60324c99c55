"""The fee schedule: releases by date of service, and one unit's fee.

Formula (CMS RVU file documentation, e.g. RVU25D; SSA §1848(b)):
``[(work RVU × work GPCI) + (PE RVU × PE GPCI) + (MP RVU × MP GPCI)] × CF``,
with the facility PE RVU in a facility setting. The product is rounded once,
half-up, to cents: that reproduces the amounts CMS publishes in its
per-locality payment files.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs

from .._coerce import coerce_date, coerce_enum
from .._data import once, read_text
from ..catalog import normalize_code
from ..errors import (
    FeeNotFoundError,
    InvalidInputError,
    InvalidOptionError,
    InvalidTypeError,
)
from ..sources import cite
from ._cms_files import read_paths
from ._model import (
    PAYABLE_STATUS,
    STATUS_MEANING,
    ClaimType,
    Fee,
    Locality,
    Release,
    RvuRow,
    cents,
)
from ._mppr import mppr_applies, pe_share
from ._releases import assemble, from_json

#: Conversion factor for qualifying APM participants where CMS sets one apart
#: (SSA §1848(d)(20), from CY2026; CY2026 PFS final rule: 33.5675).
QP_CONVERSION_FACTORS = {2026: Decimal("33.5675")}

#: National pricing: every GPCI 1.0.
NATIONAL = Locality(
    mac="", state="", number="", name="national (GPCIs 1.0)", work_gpci=Decimal(1),
    pe_gpci=Decimal(1), mp_gpci=Decimal(1),
)  # fmt: skip

_BUNDLED = "pfs_fees.json"


def _load_bundled() -> FeeSchedule:
    return FeeSchedule(from_json(json.loads(read_text(_BUNDLED))))


def _require_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidTypeError(
            f"{field} must be True or False, not {type(value).__name__} {value!r}",
            value=value,
            field=field,
        )
    return value


@attrs.frozen(eq=False)
class FeeSchedule:
    """Medicare Physician Fee Schedule releases, each pricing a range of dates.

    Use :meth:`bundled` (CY2024–CY2026 therapy codes, all localities) or
    :meth:`from_cms_files` (the CMS files of any year). A date of service no
    release covers is a :class:`~ot_billing_rules.errors.FeeNotFoundError`,
    never another year's amount.
    """

    releases: tuple[Release, ...]

    @classmethod
    def bundled(cls) -> FeeSchedule:
        """The package's releases RVU24A, RVU24AR, RVU24B, RVU24C, RVU25D and RVU26C."""
        return once(
            "pfs_fees:bundled", lambda: FeeSchedule(from_json(json.loads(read_text(_BUNDLED))))
        )

    @classmethod
    def from_cms_files(cls, *paths: str | Path) -> FeeSchedule:
        """Load the CMS PPRRVU CSV(s), GPCI CSV(s) and locality/county CSV(s), or RVU zips.

        A fixed-width PPRRVU ``.txt`` is read with the CY2025 record layout
        (release from its CMS file name, e.g. ``PPRRVU2025_Oct.txt``); the
        ``.txt`` of 2026 and later is refused (give the ``.csv``).

        Each PPRRVU file is one release, named from its banner (``2025 ...
        October Release`` -> ``RVU25D``); it prices dates of service from the
        first day of its quarter to the day before the next loaded release of
        the same year (the earliest loaded release of a year from January 1)
        to December 31. GPCIs and counties attach to the releases of their
        year. A ``*_QPP`` PPRRVU file supplies the qualifying-APM CF of its
        release.
        """
        if not paths:
            raise InvalidInputError("give at least one CMS file path", value=paths, field="paths")
        return FeeSchedule(assemble(read_paths(paths)))

    @property
    def span(self) -> str:
        """The dates of service covered, in words."""
        return ", ".join(
            f"{r.start.isoformat()}..{r.end.isoformat()} ({r.name})" for r in self.releases
        )

    def release_for(self, on: date | str) -> Release:
        """The release that prices date of service ``on``."""
        day = coerce_date(on, default_today=False)
        for release in self.releases:
            if release.covers(day):
                return release
        raise FeeNotFoundError(
            f"no fee schedule release covers the date of service {day.isoformat()}; "
            f"this schedule covers {self.span or 'nothing'} (load the CMS files of that year "
            "with FeeSchedule.from_cms_files)",
            code=None,
            on=day,
            release=None,
            valid=self.span,
        )

    def locality(self, release: Release, locality: object) -> Locality:
        """The locality ``"MAC-locality"`` of ``release`` (``None``: national)."""
        if locality is None or locality is NATIONAL:
            return NATIONAL
        if isinstance(locality, Locality):
            locality = locality.id
        if not isinstance(locality, str):
            raise InvalidTypeError(
                f"locality must be a 'MAC-locality' string such as '10112-00', not "
                f"{type(locality).__name__} {locality!r}",
                value=locality,
                field="locality",
            )
        found = release.localities.get(locality.strip())
        if found is None:
            known = sorted(release.localities)
            why = (
                "is not one of its localities"
                if known
                else "cannot be priced: no GPCI file of that year is loaded"
            )
            raise InvalidOptionError(
                f"locality {locality!r} {why} in release {release.name} (give 'MAC-locality' as "
                "CMS numbers them, e.g. '10112-00' for Alabama, or None for national; list them "
                f"with localities(on='{release.start.isoformat()}'))",
                value=locality,
                field="locality",
                valid=known,
            )
        return found

    def fee(
        self,
        code: str,
        *,
        on: date | str,
        locality: str | Locality | None = None,
        facility: bool = False,
        qp: bool = False,
        claim: ClaimType | str = ClaimType.PROFESSIONAL,
    ) -> Fee:
        """One unit's fee; see :func:`ot_billing_rules.payment.fee`."""
        code = normalize_code(code)
        release = self.release_for(on)
        day = coerce_date(on, default_today=False)
        return _fee(self, release, code, day, locality, facility, qp, claim)


def _fee(
    schedule: FeeSchedule,
    release: Release,
    code: str,
    day: date,
    locality: object,
    facility: object,
    qp: object,
    claim: object,
) -> Fee:
    facility = _require_bool(facility, "facility")
    qp = _require_bool(qp, "qp")
    kind = coerce_enum(ClaimType, claim, field="claim")
    loc = schedule.locality(release, locality)
    row = release.rows.get((code, ""))
    if row is None:
        raise FeeNotFoundError(
            f"{code} has no row in fee schedule release {release.name} (dates of service "
            f"{release.start.isoformat()}..{release.end.isoformat()})",
            code=code,
            on=day,
            release=release.name,
        )
    if row.status not in PAYABLE_STATUS:
        meaning = STATUS_MEANING.get(row.status, "not paid under the fee schedule")
        raise FeeNotFoundError(
            f"{code} has status {row.status} in {release.name} ({meaning}); only status A, R "
            "and T codes have a fee schedule amount",
            code=code,
            on=day,
            release=release.name,
        )
    cf = release.conversion_factor
    if qp:
        if release.qp_conversion_factor is not None:
            cf = release.qp_conversion_factor
        elif day.year >= min(QP_CONVERSION_FACTORS):
            raise FeeNotFoundError(
                f"release {release.name} has no qualifying-APM (QP) conversion factor; load "
                "its *_QPP PPRRVU file",
                code=code,
                on=day,
                release=release.name,
            )
    return compute_fee(row, release, loc, day, facility=facility, qp=qp, cf=cf, claim=kind)


def compute_fee(
    row: RvuRow,
    release: Release,
    loc: Locality,
    day: date,
    *,
    facility: bool,
    qp: bool,
    cf: Decimal,
    claim: ClaimType,
) -> Fee:
    """Apply the formula to one row (no look-ups)."""
    pe = row.pe_facility if facility else row.pe_nonfacility
    work, mp = row.work * loc.work_gpci, row.mp * loc.mp_gpci
    amount = cents((work + pe * loc.pe_gpci + mp) * cf)
    mppr = mppr_applies(row, day)
    share = pe_share(day, claim) if mppr else Decimal(1)
    reduced = cents((work + pe * share * loc.pe_gpci + mp) * cf) if mppr else amount
    where = "national GPCIs (1.0)" if loc is NATIONAL else f"GPCIs {release.gpci_source}"
    source = (
        f"{cite('pfs_rvu_file')} {release.name} (CF {cf}{', QP' if qp else ''}); {where}; "
        f"{cite('pfs_formula')}"
    )
    if mppr:
        source += f"; therapy MPPR: {cite('cms_therapy_mppr')}"
    return Fee(
        code=row.code,
        on=day,
        release=release.name,
        locality=loc.id if loc is not NATIONAL else None,
        facility=facility,
        qp=qp,
        status=row.status,
        work_rvu=row.work,
        pe_rvu=pe,
        mp_rvu=row.mp,
        work_gpci=loc.work_gpci,
        pe_gpci=loc.pe_gpci,
        mp_gpci=loc.mp_gpci,
        conversion_factor=cf,
        mppr=mppr,
        mppr_pe_share=share,
        amount=amount,
        reduced_amount=reduced,
        source=source,
    )


def localities_of(
    schedule: FeeSchedule, on: date | str, state: str | None, county: str | None
) -> tuple[Locality, ...]:
    """See :func:`ot_billing_rules.payment.localities`."""
    release = schedule.release_for(on)
    found = sorted(release.localities.values(), key=lambda loc: (loc.state, loc.id))
    if state is not None:
        if not isinstance(state, str):
            raise InvalidTypeError(
                f"state must be a two-letter code such as 'AL', not {type(state).__name__}",
                value=state,
                field="state",
            )
        states = sorted({loc.state for loc in found})
        key = state.strip().upper()
        if key not in states:
            raise InvalidOptionError(
                f"state={state!r} is not a state of release {release.name}'s localities "
                f"(two-letter codes: {', '.join(states)})",
                value=state,
                field="state",
                valid=states,
            )
        found = [loc for loc in found if loc.state == key]
    if county is not None:
        if not isinstance(county, str) or not county.strip():
            raise InvalidInputError(
                f"county must be a county name such as 'Marin', not {county!r}",
                value=county,
                field="county",
            )
        if any(loc.counties is None for loc in found):
            raise InvalidInputError(
                f"release {release.name} has no locality/county file loaded, so a county "
                "cannot be looked up; give the locality id instead",
                value=county,
                field="county",
            )
        name = county.strip().upper()
        hits = [loc for loc in found if name in (loc.counties or "").upper()]
        # Within a state, a county no locality names falls in the state's "all
        # (other) counties" locality; across states that would match every
        # statewide locality, so without a state only named counties count.
        if hits or state is None:
            found = hits
        else:
            found = [loc for loc in found if "ALL " in (loc.counties or "").upper()]
    return tuple(found)
