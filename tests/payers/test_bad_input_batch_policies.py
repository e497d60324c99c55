"""Bad policies= for audit_many / audit_history: a typed error at the call, naming it."""

from __future__ import annotations

from typing import Any

import pytest

from ot_billing_rules import audit_history, audit_many, errors
from ot_billing_rules.payers import payer_policy


@pytest.mark.parametrize("run", [audit_many, audit_history])
@pytest.mark.parametrize(
    ("bad", "match"),
    [
        ("cigna", "policies must be a list of PayerPolicy"),
        ({"name": "x"}, "policies must be a list of PayerPolicy"),
        (payer_policy("cigna"), "policies must be a list of PayerPolicy"),
        (["cigna"], r"policies\[0\] must be a PayerPolicy"),
        (3, "policies must be a list of PayerPolicy"),
    ],
)
def test_bad_policies(run: Any, bad: object, match: str) -> None:
    with pytest.raises(errors.InvalidTypeError, match=match):
        run([], policies=bad)


def test_a_visits_own_visits_this_period_is_refused_in_history() -> None:
    visit = {
        "patient_id": "p",
        "date_of_service": "2024-03-01",
        "payer": "medicaid-il",
        "state": "IL",
        "visits_this_period": 3,
        "services": [{"code": "97530", "minutes": 30}],
    }
    [result] = audit_history([visit], errors="collect")
    assert isinstance(result.error, errors.HistoryInputError)
    assert "visits_this_period=3" in str(result.error)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ({"payer": "", "period_start": "2024-01-01", "scope": "OT", "count": 1}, "payer"),
        ({"payer": "x", "period_start": "2024-01-01", "scope": "OTX", "count": 1}, "scope"),
        ({"payer": "x", "period_start": "soon", "scope": "OT", "count": 1}, "period_start"),
        ({"payer": "x", "period_start": "2024-01-01", "scope": "OT", "count": -1}, "count"),
        ({"payer": "x", "period_start": "2024-01-01", "scope": "OT"}, "count"),
        ({"payer": "x", "period_start": "2024-01-01", "scope": "OT", "n": 1}, "visits row"),
    ],
)
def test_bad_saved_visit_counts(row: dict[str, Any], match: str) -> None:
    from ot_billing_rules import HistoryState

    data = {"version": 1, "patients": {"p": {"visits": [row]}}}
    with pytest.raises(errors.OTBillingError, match=match):
        HistoryState.from_dict(data)
    with pytest.raises(errors.OTBillingError, match="visits must be a list"):
        HistoryState.from_dict({"version": 1, "patients": {"p": {"visits": {}}}})
