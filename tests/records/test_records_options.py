"""audit_records takes audit_many's edits= and options= (issue 16 item 1, issue 17
item 2): its records equal to_records(audit_many(...)) with the same arguments, in one
process and in a pool, and the option really reaches the audit."""

from __future__ import annotations

from typing import Any

import pytest

from ot_billing_rules import audit_many, audit_records, to_records

TIE = {
    "visit_id": "tie",
    "date_of_service": "2024-07-01",
    "services": [{"code": "97110", "minutes": 20}, {"code": "97140", "minutes": 20}],
}
VISITS = [TIE, dict(TIE, visit_id="tie-2"), {"visit_id": "bad", "services": []}]
PREFER = {"prefer": ["97140"]}


def _units(records: list[dict[str, Any]]) -> dict[str, int]:
    return {r["code"]: r["units"] for r in records if r["visit_id"] == "tie"}


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("level", ["visit", "line", "finding"])
def test_records_with_options_equal_audit_many(workers: int, level: str) -> None:
    many = list(to_records(audit_many(VISITS, errors="collect", options=PREFER), level=level))
    records = list(audit_records(VISITS, level=level, workers=workers, options=PREFER))
    assert records == many


def test_the_option_reaches_the_records() -> None:
    default = _units(list(audit_records([TIE], level="line")))
    preferred = _units(list(audit_records([TIE], level="line", options=PREFER)))
    assert default == {"97110": 2, "97140": 1}
    assert preferred == {"97110": 1, "97140": 2}


def test_progress_callback_counts_every_visit() -> None:
    seen: list[int] = []
    list(audit_records(VISITS, progress=lambda done, total: seen.append(done)))
    assert seen[-1] == len(VISITS)
