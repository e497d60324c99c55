"""Bad-input matrix, second half: visits, audits, batches, activities, KX, plan of
care, payers and the Hypothesis strategies' options (issue 8).

Same contract as ``test_bad_input.py``: each row is (callable, args, kwargs,
expected exception type, substring the message must contain); the error must
be that exact ``OTBillingError`` subclass, name the value, and pickle.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

import ot_billing_rules as ob
from _matrix import GOOD, case, svc, visit
from ot_billing_rules import strategies as obst

CASES = [
    # visits
    case("visit-list", ob.Visit.from_dict, [GOOD], exc=ob.InvalidTypeError, match="list"),
    case("visit-empty", ob.Visit.from_dict, {}, exc=ob.InvalidInputError, match="date_of_service"),
    case(
        "visit-no-services",
        ob.Visit.from_dict,
        visit(services=[]),
        exc=ob.InvalidInputError,
        match="at least one",
    ),
    case(
        "visit-services-str",
        ob.Visit.from_dict,
        visit(services="97530"),
        exc=ob.InvalidTypeError,
        match="'97530'",
    ),
    case(
        "visit-service-int",
        ob.Visit.from_dict,
        visit(services=[97530]),
        exc=ob.InvalidTypeError,
        match="97530",
    ),
    case(
        "visit-unknown-key",
        ob.Visit.from_dict,
        visit(copay=20),
        exc=ob.InvalidInputError,
        match="'copay'",
    ),
    case(
        "visit-dos-feb30",
        ob.Visit.from_dict,
        visit(date_of_service="2024-02-30"),
        exc=ob.InvalidDateError,
        match="2024-02-30",
    ),
    case(
        "visit-dos-1900",
        ob.Visit.from_dict,
        visit(date_of_service="1900-01-01"),
        exc=ob.InvalidDateError,
        match="1900-01-01",
    ),
    case(
        "visit-dos-int",
        ob.Visit.from_dict,
        visit(date_of_service=20240701),
        exc=ob.InvalidTypeError,
        match="20240701",
    ),
    case(
        "visit-minutes-float",
        ob.Visit.from_dict,
        svc(minutes=30.0),
        exc=ob.InvalidTypeError,
        match="30.0",
    ),
    case(
        "visit-minutes-str",
        ob.Visit.from_dict,
        svc(minutes="30"),
        exc=ob.InvalidTypeError,
        match="'30'",
    ),
    case(
        "visit-minutes-day",
        ob.Visit.from_dict,
        svc(minutes=1441),
        exc=ob.InvalidMinutesError,
        match="1441",
    ),
    case(
        "visit-minutes-huge",
        ob.Visit.from_dict,
        svc(minutes=10**40),
        exc=ob.InvalidMinutesError,
        match="1" + "0" * 40,
    ),
    case(
        "visit-minutes-sum",
        ob.Visit.from_dict,
        visit(services=[{"code": "97530", "minutes": 1000}, {"code": "97110", "minutes": 1000}]),
        exc=ob.InvalidMinutesError,
        match="2000",
    ),
    case(
        "visit-duplicate",
        ob.Visit.from_dict,
        visit(services=[{"code": "97530", "minutes": 10}, {"code": " 97530", "minutes": 10}]),
        exc=ob.DuplicateCodeError,
        match="97530",
    ),
    case(
        "visit-many-duplicates",
        ob.Visit.from_dict,
        visit(services=[{"code": "97530", "minutes": 1}] * 10_000),
        exc=ob.DuplicateCodeError,
        match="97530",
    ),
    case(
        "visit-assistant-over",
        ob.Visit.from_dict,
        svc(assistant_minutes=31),
        exc=ob.InvalidMinutesError,
        match="31",
    ),
    case(
        "visit-modifier-short",
        ob.Visit.from_dict,
        svc(modifiers=["G"]),
        exc=ob.InvalidModifierError,
        match="'G'",
    ),
    case(
        "visit-modifier-int",
        ob.Visit.from_dict,
        svc(modifiers=[59]),
        exc=ob.InvalidTypeError,
        match="59",
    ),
    case(
        "visit-code-malformed",
        ob.Visit.from_dict,
        svc(code="9753"),
        exc=ob.InvalidCodeError,
        match="'9753'",
    ),
    case(
        "visit-code-none", ob.Visit.from_dict, svc(code=None), exc=ob.InvalidTypeError, match="None"
    ),
    case(
        "visit-service-key",
        ob.Visit.from_dict,
        svc(mins=10),
        exc=ob.InvalidInputError,
        match="'mins'",
    ),
    case(
        "visit-separate-str",
        ob.Visit.from_dict,
        svc(separate_interval="yes"),
        exc=ob.InvalidTypeError,
        match="'yes'",
    ),
    case(
        "visit-payer",
        ob.Visit.from_dict,
        visit(payer="acme-health"),
        exc=ob.InvalidOptionError,
        match="'acme-health'",
    ),
    case(
        "visit-payer-int",
        ob.Visit.from_dict,
        visit(payer=5),
        exc=ob.InvalidTypeError,
        match="int 5",
    ),
    case(
        "visit-discipline",
        ob.Visit.from_dict,
        visit(discipline="ST"),
        exc=ob.InvalidOptionError,
        match="'ST'",
    ),
    case(
        "visit-setting",
        ob.Visit.from_dict,
        visit(setting="home"),
        exc=ob.InvalidOptionError,
        match="'home'",
    ),
    case(
        "visit-ytd-float",
        ob.Visit.from_dict,
        visit(ytd_allowed=1.505),
        exc=ob.InvalidTypeError,
        match="1.5",
    ),
    case(
        "visit-ytd-negative",
        ob.Visit.from_dict,
        visit(ytd_allowed=-1),
        exc=ob.InvalidInputError,
        match="-1",
    ),
    case(
        "visit-ytd-word",
        ob.Visit.from_dict,
        visit(ytd_allowed="abc"),
        exc=ob.InvalidInputError,
        match="'abc'",
    ),
    case(
        "visit-ytd-huge",
        ob.Visit.from_dict,
        visit(ytd_allowed="1e400"),
        exc=ob.InvalidInputError,
        match="1e400",
    ),
    case(
        "visit-ytd-nan",
        ob.Visit.from_dict,
        visit(ytd_allowed="NaN"),
        exc=ob.InvalidInputError,
        match="NaN",
    ),
    case(
        "visit-ytd-infinity",
        ob.Visit.from_dict,
        visit(ytd_allowed=Decimal("Infinity")),
        exc=ob.InvalidInputError,
        match="Infinity",
    ),
    case(
        "visit-poc-int",
        ob.Visit.from_dict,
        visit(plan_of_care=5),
        exc=ob.InvalidTypeError,
        match="int 5",
    ),
    case(
        "visit-poc-empty",
        ob.Visit.from_dict,
        visit(plan_of_care={}),
        exc=ob.InvalidInputError,
        match="first_treatment",
    ),
    case(
        "visit-poc-key",
        ob.Visit.from_dict,
        visit(plan_of_care={"first_treatment": "2024-07-01", "bogus": 1}),
        exc=ob.InvalidInputError,
        match="'bogus'",
    ),
    case(
        "visit-id-list",
        ob.Visit.from_dict,
        visit(visit_id=[1]),
        exc=ob.InvalidTypeError,
        match="[1]",
    ),
    case(
        "visit-init-services-none",
        ob.Visit,
        "2024-07-01",
        None,
        exc=ob.InvalidTypeError,
        match="None",
    ),
    case(
        "visit-init-service-str",
        ob.Visit,
        "2024-07-01",
        ("97530",),
        exc=ob.InvalidTypeError,
        match="'97530'",
    ),
    case(
        "service-minutes-negative",
        ob.Service,
        "97530",
        minutes=-1,
        exc=ob.InvalidMinutesError,
        match="-1",
    ),
    case(
        "service-assistant-alone",
        ob.Service,
        "97530",
        assistant_minutes=5,
        exc=ob.InvalidMinutesError,
        match="assistant_minutes=5",
    ),
    # audit
    case("audit-str", ob.audit_visit, "visit.json", exc=ob.InvalidTypeError, match="'visit.json'"),
    case("audit-list", ob.audit_visit, [GOOD], exc=ob.InvalidTypeError, match="list"),
    case(
        "audit-bad-minutes", ob.audit_visit, svc(minutes=-3), exc=ob.InvalidMinutesError, match="-3"
    ),
    case(
        "audit_many-errors",
        ob.audit_many,
        [GOOD],
        errors="ignore",
        exc=ob.InvalidOptionError,
        match="'ignore'",
    ),
    case(
        "audit_many-workers-zero",
        ob.audit_many,
        [GOOD],
        workers=0,
        exc=ob.InvalidInputError,
        match="workers=0",
    ),
    case(
        "audit_many-workers-float",
        ob.audit_many,
        [GOOD],
        workers=2.0,
        exc=ob.InvalidTypeError,
        match="2.0",
    ),
    case(
        "audit_many-workers-huge",
        ob.audit_many,
        [GOOD],
        workers=10**6,
        exc=ob.InvalidInputError,
        match="1000000",
    ),
    case(
        "audit_many-chunks",
        ob.audit_many,
        [GOOD],
        chunksize=0,
        exc=ob.InvalidInputError,
        match="chunksize=0",
    ),
    case("audit_many-raise", ob.audit_many, [GOOD, None], exc=ob.InvalidTypeError, match="None"),
    case("to_records-item", ob.to_records, [1], exc=ob.InvalidTypeError, match="int"),
    case(
        "to_records-level", ob.to_records, [], level="row", exc=ob.InvalidOptionError, match="'row'"
    ),
    case(
        "to_records-level-int", ob.to_records, [], level=3, exc=ob.InvalidTypeError, match="int 3"
    ),
    # activities
    case("suggest-empty", ob.suggest_codes, "", exc=ob.UnknownActivityError, match="''"),
    case(
        "suggest-unknown",
        ob.suggest_codes,
        "skydiving",
        exc=ob.UnknownActivityError,
        match="'skydiving'",
    ),
    case(
        "suggest-huge", ob.suggest_codes, "x" * 100_000, exc=ob.UnknownActivityError, match="xxxx"
    ),
    case(
        "activities-area",
        ob.activities,
        skill_area="juggling",
        exc=ob.InvalidInputError,
        match="'juggling'",
    ),
    # KX
    case("kx-year-str", ob.kx_threshold, "2024", exc=ob.InvalidTypeError, match="'2024'"),
    case("kx-year-float", ob.kx_threshold, 2024.0, exc=ob.InvalidTypeError, match="2024.0"),
    case("kx-year-1900", ob.kx_threshold, 1900, exc=ob.InvalidInputError, match="1900"),
    case("kx-discipline", ob.kx_threshold, 2024, "ST", exc=ob.InvalidOptionError, match="'ST'"),
    case(
        "kx-disagree",
        ob.kx_threshold,
        2024,
        on="2023-01-01",
        exc=ob.InvalidInputError,
        match="2023-01-01",
    ),
    case("check_kx-float", ob.check_kx, 1.5, year=2024, exc=ob.InvalidTypeError, match="1.5"),
    case("check_kx-none", ob.check_kx, None, year=2024, exc=ob.InvalidTypeError, match="None"),
    case("check_kx-negative", ob.check_kx, -5, year=2024, exc=ob.InvalidInputError, match="-5"),
    case(
        "check_kx-visit-word",
        ob.check_kx,
        0,
        "abc",
        year=2024,
        exc=ob.InvalidInputError,
        match="'abc'",
    ),
    case(
        "check_kx-threshold-list",
        ob.check_kx,
        0,
        threshold=[1],
        year=2024,
        exc=ob.InvalidTypeError,
        match="[1]",
    ),
    case(
        "check_kx-huge",
        ob.check_kx,
        10**40,
        year=2024,
        exc=ob.InvalidInputError,
        match="1" + "0" * 40,
    ),
    case(
        "check_kx-on", ob.check_kx, 0, on="2024-99-01", exc=ob.InvalidDateError, match="2024-99-01"
    ),
    case(
        "assess_kx-bytes", ob.assess_kx, b"100", year=2024, exc=ob.InvalidTypeError, match="b'100'"
    ),
    # plan of care
    case(
        "deadline-feb30",
        ob.certification_deadline,
        "2024-02-30",
        exc=ob.InvalidDateError,
        match="2024-02-30",
    ),
    case(
        "interval-end-before",
        ob.certification_interval_end,
        "2024-07-01",
        "2024-06-01",
        exc=ob.InvalidDateError,
        match="2024-06-01",
    ),
    case(
        "interval-end-none",
        ob.certification_interval_end,
        None,
        exc=ob.InvalidTypeError,
        match="None",
    ),
    case(
        "interval-end-signed-int",
        ob.certification_interval_end,
        "2024-07-01",
        certified_on=5,
        exc=ob.InvalidTypeError,
        match="int 5",
    ),
    case("days-none", ob.count_treatment_days, None, exc=ob.InvalidTypeError, match="None"),
    case("days-int", ob.count_treatment_days, 20240701, exc=ob.InvalidTypeError, match="20240701"),
    case(
        "days-single-str",
        ob.count_treatment_days,
        "2024-07-01",
        exc=ob.InvalidTypeError,
        match="'2024-07-01'",
    ),
    case(
        "days-none-item",
        ob.count_treatment_days,
        ["2024-07-01", None],
        exc=ob.InvalidTypeError,
        match="None",
    ),
    case(
        "days-after",
        ob.count_treatment_days,
        ["2024-07-01"],
        after="x",
        exc=ob.InvalidDateError,
        match="'x'",
    ),
    case("report-none", ob.progress_report_due_by, None, exc=ob.InvalidTypeError, match="None"),
    case(
        "report-bytes-item",
        ob.progress_report_due_by,
        [b"2024-07-01"],
        exc=ob.InvalidTypeError,
        match="bytes",
    ),
    case(
        "report-last-float",
        ob.progress_report_due_by,
        ["2024-07-01"],
        last_report=1.0,
        exc=ob.InvalidTypeError,
        match="1.0",
    ),
    case("poc-none", ob.PlanOfCare, None, exc=ob.InvalidInputError, match="first_treatment"),
    case(
        "poc-order",
        ob.PlanOfCare,
        "2024-07-01",
        certified_through="2024-06-01",
        exc=ob.InvalidDateError,
        match="2024-06-01",
    ),
    case(
        "poc-days-negative",
        ob.PlanOfCare,
        "2024-07-01",
        treatment_days_since_report=-1,
        exc=ob.InvalidInputError,
        match="-1",
    ),
    case("poc-fromdict-list", ob.PlanOfCare.from_dict, [1], exc=ob.InvalidTypeError, match="[1]"),
    case(
        "check-poc-none",
        ob.check_plan_of_care,
        None,
        "2024-07-01",
        exc=ob.InvalidTypeError,
        match="None",
    ),
    case(
        "check-poc-dict",
        ob.check_plan_of_care,
        {"first_treatment": "2024-07-01"},
        "2024-07-02",
        exc=ob.InvalidTypeError,
        match="dict",
    ),
    case(
        "check-poc-on",
        ob.check_plan_of_care,
        ob.PlanOfCare("2024-07-01"),
        "x",
        exc=ob.InvalidDateError,
        match="'x'",
    ),
    # payers
    case("payer-empty", ob.payer_policy, "", exc=ob.InvalidOptionError, match="''"),
    case(
        "payer-unknown",
        ob.payer_policy,
        "acme-health",
        exc=ob.InvalidOptionError,
        match="'acme-health'",
    ),
    case("payer-dict-empty", ob.payer_policy, {}, exc=ob.InvalidInputError, match="'name'"),
    case(
        "payer-dict-method",
        ob.payer_policy,
        {"name": "x", "unit_method": "zzz"},
        exc=ob.InvalidOptionError,
        match="'zzz'",
    ),
    case(
        "payer-dict-key",
        ob.payer_policy,
        {"name": "x", "bogus": 1},
        exc=ob.InvalidInputError,
        match="'bogus'",
    ),
    case("payerpolicy-name", ob.PayerPolicy, name=None, exc=ob.InvalidInputError, match="None"),
    # strategies' option validation
    case("st-codes-timed", obst.codes, timed="x", exc=ob.InvalidTypeError, match="'x'"),
    case(
        "st-codes-on", obst.codes, effective_on="1800-01-01", exc=ob.InvalidDateError, match="1800"
    ),
    case("st-codes-category", obst.codes, category="x", exc=ob.InvalidOptionError, match="'x'"),
    case(
        "st-minutes-over-day", obst.minutes, max_value=2000, exc=ob.InvalidInputError, match="2000"
    ),
    case("st-minutes-negative", obst.minutes, min_value=-1, exc=ob.InvalidInputError, match="-1"),
    case("st-minutes-float", obst.minutes, max_value=1.5, exc=ob.InvalidTypeError, match="1.5"),
    case(
        "st-minutes-inverted",
        obst.minutes,
        min_value=10,
        max_value=5,
        exc=ob.InvalidInputError,
        match="max_value=5",
    ),
    case(
        "st-dates-inverted",
        obst.dates_of_service,
        min_value="2025-01-01",
        max_value="2024-01-01",
        exc=ob.InvalidDateError,
        match="2025-01-01",
    ),
    case("st-sessions-size", obst.sessions, max_size=100, exc=ob.InvalidInputError, match="100"),
    case("st-sessions-float", obst.sessions, min_size=1.0, exc=ob.InvalidTypeError, match="1.0"),
    case(
        "st-modifiers-negative", obst.modifiers, max_size=-1, exc=ob.InvalidInputError, match="-1"
    ),
    case(
        "st-lines-units-str",
        obst.service_lines,
        max_units="x",
        exc=ob.InvalidTypeError,
        match="'x'",
    ),
    case(
        "st-lines-code", obst.service_lines, code="97530", exc=ob.InvalidTypeError, match="'97530'"
    ),
    case("st-claim-units", obst.claim_lines, max_units=-1, exc=ob.InvalidInputError, match="-1"),
    case("st-services-size", obst.services, max_size=None, exc=ob.InvalidTypeError, match="None"),
    case(
        "st-visits-payers",
        obst.visits,
        payers="medicare",
        exc=ob.InvalidTypeError,
        match="'medicare'",
    ),
    case(
        "st-pairs-setting",
        obst.ncci_pairs,
        setting="home",
        exc=ob.InvalidOptionError,
        match="'home'",
    ),
    case(
        "st-pairs-none-live",
        obst.ncci_pairs,
        modifier_indicator="9",
        live_on="2024-07-01",
        exc=ob.InvalidInputError,
        match="2024-07-01",
    ),
]


def _run(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = fn(*args, **kwargs)
    if isinstance(result, Iterator):  # lazy APIs report bad input on first use
        result = list(result)
    return result


@pytest.mark.parametrize(("fn", "args", "kwargs", "exc", "match"), CASES)
def test_bad_input_raises_typed_error(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    exc: type[BaseException],
    match: str,
) -> None:
    with pytest.raises(ob.OTBillingError) as info:
        _run(fn, args, kwargs)
    err = info.value
    assert type(err) is exc, f"{type(err).__name__}: {err}"
    assert match in str(err), str(err)
    assert pickle.loads(pickle.dumps(err)) == err


def test_matrix_covers_the_public_functions() -> None:
    covered = {p.values[0] for p in CASES}
    required = [
        ob.Visit.from_dict,
        ob.Visit,
        ob.audit_visit,
        ob.audit_many,
        ob.to_records,
        ob.suggest_codes,
        ob.kx_threshold,
        ob.check_kx,
        ob.certification_deadline,
        ob.certification_interval_end,
        ob.count_treatment_days,
        ob.progress_report_due_by,
        ob.check_plan_of_care,
        ob.PlanOfCare,
        ob.payer_policy,
        obst.codes,
        obst.minutes,
        obst.sessions,
    ]
    missing = [getattr(f, "__qualname__", repr(f)) for f in required if f not in covered]
    assert not missing
    assert len(CASES) >= 100


@pytest.mark.parametrize("workers", [1, 2])
def test_audit_many_rejects_a_non_iterable(workers: int) -> None:
    with pytest.raises(ob.InvalidTypeError, match=r"visits .*None"):
        list(ob.audit_many(None, workers=workers))  # type: ignore[arg-type]


def test_to_records_rejects_a_non_iterable() -> None:
    with pytest.raises(ob.InvalidTypeError, match=r"results .*None"):
        list(ob.to_records(None))  # type: ignore[arg-type]


# -- accepted, but reported: nothing is dropped silently ---------------------------------------


@pytest.mark.parametrize(
    ("services", "rule", "severity"),
    [
        ([{"code": "97531", "minutes": 10}], "code.unknown", "error"),
        ([{"code": "97532", "minutes": 10}], "code.not_effective", "error"),
        ([{"code": "97530", "minutes": 10, "modifiers": ["ZZ"]}], "modifier.unknown", "warning"),
    ],
)
def test_audit_reports_unknowns_as_findings(
    services: list[dict[str, Any]], rule: str, severity: str
) -> None:
    report = ob.audit_visit(visit(services=services))
    hits = [f for f in report.findings if f.rule == rule]
    assert hits, [f.rule for f in report.findings]
    assert hits[0].severity.value == severity
    assert services[0]["code"] in hits[0].message


def test_duplicate_claim_lines_are_counted_not_merged() -> None:
    # Two lines of a once-a-day evaluation: the MUE (1 per day) must see both.
    found = ob.check_bundling(["97165:GO", "97165:GO"], on="2024-07-01")
    assert "ncci.mue" in {f.rule for f in found}


def test_unknown_modifier_on_a_line_is_a_finding() -> None:
    found = ob.check_bundling(["97530:GO,ZZ"], on="2024-07-01")
    assert any(f.rule == "modifier.unknown" and "ZZ" in f.message for f in found)


def test_collected_errors_keep_every_input() -> None:
    bad = [GOOD, None, 5, "x", svc(code="9753"), svc(minutes=-1)]
    results = list(ob.audit_many(bad, errors="collect"))
    assert [r.index for r in results] == list(range(len(bad)))
    assert results[0].ok
    assert [r.error_kind for r in results[1:]] == ["invalid_input"] * 5
    assert [type(r.error) for r in results[1:]] == [
        ob.InvalidTypeError,
        ob.InvalidTypeError,
        ob.InvalidTypeError,
        ob.InvalidCodeError,
        ob.InvalidMinutesError,
    ]
