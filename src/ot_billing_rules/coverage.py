"""Dated Medicare coverage and code-recognition rules, as cited data.

Two kinds of fact the July 2024 RVU status letters cannot tell for an older
date of service:

- **codes Medicare did not recognise** in a window, with what it paid
  instead: 97127 (CPT cognitive intervention, 2018–2019) was never payable by
  Medicare — it paid G0515 in 2018–2019; 97129/97130 replaced both from
  2020-01-01 (CY2018 PFS final rule; AOTA 2017-12-22; ASHA 2019-02-06).
  Finding ``status.invalid`` (a Medicare fee-schedule status, so a commercial
  policy's ``status.`` suppression drops it).
- **non-covered services by a provider type**: dry needling (CPT 20560/20561
  from 2020-01-01) is acupuncture for Medicare. NCD 30.3 made acupuncture
  non-covered; NCD 30.3.3 (Pub. 100-03, effective 2020-01-21) covers it only
  for chronic low back pain and only when furnished by physicians, or by
  PAs/NPs/CNSs and auxiliary personnel meeting its requirements — not by
  therapists. Finding ``coverage.noncovered`` when the claim is a therapy
  claim (discipline OT/PT/SLP or a GO/GP/GN modifier on the line).

>>> from ot_billing_rules import check_bundling
>>> [f.rule for f in check_bundling(["97127"], on="2018-05-01") if f.rule.startswith("status")]
['status.invalid']
>>> [f.rule for f in check_bundling(["20560:GP"], on="2024-07-01", discipline="PT")]
['coverage.noncovered']
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import attrs

from .findings import Finding, Severity
from .lines import ServiceLine
from .sources import cite
from .terms import Discipline

__all__ = ["DatedStatus", "coverage_findings", "dated_status"]


@attrs.frozen
class DatedStatus:
    """A code Medicare did not recognise between ``start`` and ``end`` (inclusive)."""

    code: str
    start: date
    end: date
    pay_instead: tuple[str, ...]
    citation: str


#: Codes the catalog knows Medicare did not pay in a window (grade B: CMS rule
#: text as reported by AOTA/ASHA; the catalog's 97127 record names the pages).
DATED_STATUS: tuple[DatedStatus, ...] = (
    DatedStatus("97127", date(2018, 1, 1), date(2019, 12, 31), ("G0515",), "cms_97127_g0515"),
)

_THERAPY_MODIFIERS = frozenset({"GO", "GP", "GN"})
_DRY_NEEDLING = ("20560", "20561")


def dated_status(code: str, on: date) -> DatedStatus | None:
    """The window in which Medicare did not recognise ``code`` that holds ``on``, if any."""
    for row in DATED_STATUS:
        if row.code == code and row.start <= on <= row.end:
            return row
    return None


def coverage_findings(
    lines: Iterable[ServiceLine], on: date, discipline: Discipline | None
) -> list[Finding]:
    """The dated status and coverage findings of one date of service's lines."""
    items = list(lines)
    out: list[Finding] = []
    for code in sorted({line.code for line in items}):
        row = dated_status(code, on)
        if row is not None:
            out.append(
                Finding(
                    "status.invalid",
                    Severity.ERROR,
                    (code,),
                    f"{code} was not payable by Medicare on {on.isoformat()} "
                    f"({row.start.isoformat()} to {row.end.isoformat()} Medicare paid "
                    f"{' or '.join(row.pay_instead)} instead)",
                    f"bill {' or '.join(row.pay_instead)} instead (Medicare's code then)",
                    cite(row.citation),
                )
            )
    for code in _DRY_NEEDLING:
        mine = [line for line in items if line.code == code]
        therapy = discipline is not None or any(
            _THERAPY_MODIFIERS & set(line.modifiers) for line in mine
        )
        if mine and therapy:
            out.append(
                Finding(
                    "coverage.noncovered",
                    Severity.ERROR,
                    (code,),
                    f"{code} (dry needling) is acupuncture for Medicare: not covered when a "
                    "therapist furnishes it (NCD 30.3; from 2020-01-21 NCD 30.3.3 covers it "
                    "only for chronic low back pain, furnished by physicians, PAs, NPs/CNSs or "
                    "qualified auxiliary personnel)",
                    "do not bill Medicare for it; the beneficiary may be billed (a statutorily "
                    "non-covered service needs no ABN, a voluntary notice is good practice)",
                    cite("ncd_acupuncture"),
                )
            )
    return out
