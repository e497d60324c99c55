"""Bad input to audit_history: a typed error naming the value, never a traceback or a drop."""

from __future__ import annotations

from typing import Any

import pytest

from ot_billing_rules import HistoryState, audit_history
from ot_billing_rules.errors import (
    HistoryInputError,
    HistoryOrderError,
    InvalidInputError,
    InvalidTypeError,
    OTBillingError,
)

V = {
    "patient_id": "p",
    "visit_id": "a",
    "date_of_service": "2024-03-04",
    "services": [{"code": "97530", "minutes": 10}],
}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"errors": "ignore"}, InvalidInputError, "ignore"),
        ({"workers": 0}, InvalidInputError, "workers"),
        ({"presorted": "yes"}, InvalidTypeError, "presorted"),
        ({"state": {"version": 1}}, HistoryInputError, "HistoryState"),
        ({"opening_balances": [1]}, HistoryInputError, "opening_balances"),
        ({"opening_balances": {"p": 5}}, HistoryInputError, "opening_balances"),
        ({"opening_balances": {"p": {2024: "1"}}}, HistoryInputError, "year, bucket"),
        ({"opening_balances": {"p": {(2024, "OT"): 1.5}}}, InvalidTypeError, "float"),
        ({"opening_balances": {"p": {("x", "OT"): "1"}}}, OTBillingError, "year"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        list(audit_history([V], **kwargs))


@pytest.mark.parametrize("visits", ["abc", {"a": 1}, 5])
def test_visits_not_an_iterable_of_visits(visits: Any) -> None:
    with pytest.raises(InvalidTypeError, match="visits"):
        audit_history(visits)


def test_a_bad_visit_is_its_own_result_in_collect_mode() -> None:
    bad = dict(V, visit_id="b", services=[{"code": "9753", "minutes": 10}])
    odd = dict(V, visit_id="c", copay=20)
    results = list(audit_history([V, bad, odd, 7], errors="collect"))
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [r.ok for r in results] == [True, False, False, False]
    assert isinstance(results[2].error, InvalidInputError)
    assert isinstance(results[3].error, InvalidTypeError)
    with pytest.raises(InvalidInputError, match="copay"):
        list(audit_history([V, odd]))


def test_plan_days_refused() -> None:
    plan = {"first_treatment": "2024-03-01", "treatment_days_since_report": 3}
    with pytest.raises(HistoryInputError, match="progress_report"):
        list(audit_history([dict(V, plan_of_care=plan)]))


def test_progress_report_must_be_a_flag() -> None:
    (r,) = audit_history([dict(V, progress_report="yes")], errors="collect")
    assert isinstance(r.error, InvalidTypeError)
    assert "progress_report" in str(r.error)


def test_pooled_day_over_a_day_of_minutes_fails_every_visit_of_it() -> None:
    big = [dict(V, visit_id=f"v{n}", services=[{"code": "97530", "minutes": 800}]) for n in (1, 2)]
    results = list(audit_history(big, errors="collect"))
    assert [type(r.error).__name__ for r in results] == ["InvalidMinutesError"] * 2


def test_presorted_dates_out_of_order() -> None:
    later = dict(V, visit_id="b", date_of_service="2024-03-01")
    with pytest.raises(HistoryOrderError, match="2024-03-01"):
        list(audit_history([V, later], presorted=True))


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([], "mapping"),
        ({"version": 2, "patients": {}}, "version"),
        ({"version": 1, "patients": {}, "extra": 1}, "extra"),
        (
            {
                "version": 1,
                "patients": {"p": {"kx": [{"year": 2024, "bucket": "XX", "allowed": "1"}]}},
            },
            "bucket",
        ),
        ({"version": 1, "patients": {"p": {"episodes": {"OX": {}}}}}, "OX"),
        ({"version": 1, "patients": {"p": {"last_date": "2024-02-30"}}}, "2024-02-30"),
    ],
)
def test_state_from_dict_refuses(data: Any, match: str) -> None:
    with pytest.raises(OTBillingError, match=match):
        HistoryState.from_dict(data)


def test_state_before_the_run_finished() -> None:
    run = audit_history([V])
    with pytest.raises(HistoryOrderError, match="not finished"):
        _ = run.state
    list(run)
    with pytest.raises(HistoryOrderError, match="once"):
        list(run)


def test_opening_balance_for_a_year_the_state_already_totals() -> None:
    run = audit_history([dict(V, visit_allowed="10.00")])
    list(run)
    later = dict(V, visit_id="b", date_of_service="2024-04-01")
    with pytest.raises(HistoryInputError, match="already totals"):
        audit_history([later], state=run.state, opening_balances={"p": {(2024, "OT"): "5"}})
    # Another year is fine.
    again = audit_history([later], state=run.state, opening_balances={"p": {(2025, "OT"): "5"}})
    assert next(iter(again)).ok


def _failing_reader() -> Any:
    yield V
    yield dict(V, visit_id="b")
    raise OSError("disk gone")


@pytest.mark.parametrize("presorted", [False, True])
def test_the_input_iterator_failing(presorted: bool) -> None:
    results = list(audit_history(_failing_reader(), errors="collect", presorted=presorted))
    assert [r.ok for r in results] == [True, True, False]
    assert results[-1].reader_failed
    assert results[-1].error_kind == "reader"
    with pytest.raises(OSError, match="disk gone"):
        list(audit_history(_failing_reader(), presorted=presorted))


@pytest.mark.parametrize("presorted", [False, True])
def test_a_visit_without_a_patient_whose_audit_fails_is_its_own_result(
    monkeypatch: pytest.MonkeyPatch, presorted: bool
) -> None:
    # Audited alone (no patient_id), a failing audit is that visit's result: the
    # other inputs still get theirs, as when a patient's visit fails.
    from ot_billing_rules import history

    real = history.audit_visit

    def audit(v: Any, **kwargs: Any) -> Any:
        if v.visit_id == "alone":
            raise RuntimeError("audit failed")
        return real(v, **kwargs)

    monkeypatch.setattr(history, "audit_visit", audit)
    alone = {k: w for k, w in V.items() if k != "patient_id"}
    visits = [dict(alone, visit_id="alone"), dict(V, visit_id="b", date_of_service="2024-04-01")]
    results = list(audit_history(visits, errors="collect", presorted=presorted))
    assert [r.visit_id for r in results] == ["alone", "b"]
    assert isinstance(results[0].error, RuntimeError)
    assert results[0].report is None
    assert results[1].ok
    with pytest.raises(RuntimeError, match="audit failed"):
        list(audit_history(visits, presorted=presorted))
