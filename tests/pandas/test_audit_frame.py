"""audit_frame: a claims DataFrame as pandas reads it, audited in one call (issue 16, item 2)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")

import ot_billing_rules as ob  # noqa: E402
from _fresh import run_script  # noqa: E402
from ot_billing_rules.errors import InvalidInputError, InvalidOptionError, InvalidTypeError  # noqa: E402
from ot_billing_rules.pandas import audit_frame, sample_export  # noqa: E402


def _frame(**columns: list[object]) -> object:
    base: dict[str, list[object]] = {
        "visit_id": ["v1"],
        "date_of_service": ["2024-07-01"],
        "code": ["97530"],
        "minutes": ["38"],
    }
    base.update(columns)
    return pd.DataFrame(base)


def _row(audit: object, visit_id: str) -> dict[str, object]:
    visits = audit.visits  # type: ignore[attr-defined]
    (row,) = visits[visits["visit_id"] == visit_id].to_dict("records")
    return row  # type: ignore[no-any-return]


# -- cells as pandas reads them ---------------------------------------------------------


def test_extra_columns_are_ignored_not_row_errors() -> None:
    audit = audit_frame(_frame(claim_id=["c1"], patient_id=["p1"], icd10=["M25.5"]))
    row = _row(audit, "v1")
    assert row["ok"] is True or row["ok"] == True  # noqa: E712 (a numpy bool)
    assert row["claim_lines"] == "97530x3:GO"


def test_extra_error_makes_each_row_with_an_unknown_column_an_error_with_its_visit_id() -> None:
    audit = audit_frame(_frame(claim_id=["c1"]), extra="error")
    row = _row(audit, "v1")
    assert not row["ok"]
    assert "claim_id" in str(row["error_message"])


def test_whole_number_float_minutes_work() -> None:
    frame = pd.DataFrame(
        {
            "visit_id": ["v1", "v1"],
            "date_of_service": ["2024-07-01", "2024-07-01"],
            "code": ["97530", "97166"],
            "minutes": [41.0, float("nan")],  # what read_csv gives a column with an empty cell
        }
    )
    assert frame["minutes"].dtype.kind == "f"
    audit = audit_frame(frame)
    assert _row(audit, "v1")["claim_lines"] == "97166x1:GO;97530x3:GO"


def test_a_fractional_minute_is_an_error_naming_the_value_and_keeping_the_visit_id() -> None:
    audit = audit_frame(_frame(minutes=[41.5]))
    row = _row(audit, "v1")
    assert not row["ok"]
    assert "41.5" in str(row["error_message"])
    assert row["error_type"] == "DataFileError"


def test_nullable_int64_and_pd_na_are_minutes_and_empty() -> None:
    frame = pd.DataFrame(
        {
            "visit_id": ["v1", "v1"],
            "date_of_service": ["2024-07-01", "2024-07-01"],
            "code": ["97530", "97166"],
            "minutes": pd.array([38, pd.NA], dtype="Int64"),
        }
    )
    assert _row(audit_frame(frame), "v1")["claim_lines"] == "97166x1:GO;97530x3:GO"


@pytest.mark.parametrize(
    "dates",
    [
        pd.to_datetime(["2024-07-01"]),  # a datetime64 column (parse_dates)
        [pd.Timestamp("2024-07-01 09:30")],  # Timestamps in an object column
    ],
    ids=["datetime64", "Timestamp"],
)
def test_timestamps_are_dates_of_service(dates: object) -> None:
    audit = audit_frame(_frame(date_of_service=dates))
    row = _row(audit, "v1")
    assert row["ok"]
    assert row["date_of_service"] == pd.Timestamp("2024-07-01")


# -- one code on two rows ---------------------------------------------------------------


def _split_97110() -> object:
    return pd.DataFrame(
        {
            "visit_id": ["v1", "v1", "v1"],
            "date_of_service": ["2024-07-01"] * 3,
            "code": ["97110", "97110", "97530"],
            "modifiers": ["GO", "GO,CO", "GO"],
            "minutes": [30, 15, 10],
        }
    )


def test_a_code_on_two_rows_of_a_visit_is_combined_not_dropped() -> None:
    rows = _split_97110().to_dict("records")  # type: ignore[attr-defined]
    # The row reader alone refuses the visit: a code listed twice.
    (alone,) = ob.visits_from_rows(rows)
    assert isinstance(alone, ob.DataFileError)
    audit = audit_frame(_split_97110())
    row = _row(audit, "v1")
    assert row["ok"]
    report = audit.report("v1")
    (service,) = [s for s in report.visit.services if s.code == "97110"]
    assert (service.minutes, service.assistant_minutes) == (45, 15)
    assert "CO" not in service.modifiers
    # 55 timed minutes: 4 units; the same visit given as one service per code.
    expected = ob.audit_visit(
        {
            "visit_id": "v1",
            "date_of_service": "2024-07-01",
            "services": [
                {"code": "97110", "minutes": 45, "assistant_minutes": 15, "modifiers": ["GO"]},
                {"code": "97530", "minutes": 10, "modifiers": ["GO"]},
            ],
        }
    )
    assert report.lines == expected.lines
    combined = [f for f in report.findings if f.rule == "audit.rows_combined"]
    assert [f.codes for f in combined] == [("97110",)]
    assert combined[0].severity is ob.Severity.INFO
    assert "2 rows" in combined[0].message
    assert set(audit.findings["rule"]) >= {"audit.rows_combined"}


def test_rows_with_disagreeing_visit_cells_are_not_combined_and_the_reader_says_why() -> None:
    frame = pd.DataFrame(
        {
            "visit_id": ["v1", "v1"],
            "date_of_service": ["2024-07-01", "2024-07-02"],
            "code": ["97110", "97110"],
            "minutes": [30, 15],
        }
    )
    row = _row(audit_frame(frame), "v1")
    assert not row["ok"]
    assert "disagrees" in str(row["error_message"])


# -- payers -----------------------------------------------------------------------------


def _payer_frame(name: str) -> object:
    return _frame(payer=[name], visit_id=["v1"])


def test_an_unmapped_export_payer_name_is_an_error_of_its_visit() -> None:
    row = _row(audit_frame(_payer_frame("Aetna Commercial")), "v1")
    assert not row["ok"]
    assert "Aetna Commercial" in str(row["error_message"])


def test_payers_map_an_export_name_to_a_built_in_policy_id_case_insensitively() -> None:
    audit = audit_frame(_payer_frame("AETNA COMMERCIAL"), payers={"Aetna Commercial": "aetna"})
    assert audit.report("v1").visit.payer.id == "aetna"


def test_payers_map_an_export_name_to_the_callers_own_policy() -> None:
    mine = ob.PayerPolicy("my-aetna-contract", unit_method="ama", kx_threshold=False)
    audit = audit_frame(_payer_frame("Aetna"), payers={"Aetna": mine})
    assert audit.report("v1").visit.payer == mine
    assert _row(audit, "v1")["payer"] == "my-aetna-contract"


def test_payers_refuse_an_unknown_policy_id_when_called() -> None:
    with pytest.raises(InvalidOptionError, match="acme"):
        audit_frame(_payer_frame("Aetna"), payers={"Aetna": "acme"})


@pytest.mark.parametrize("payers", [["aetna"], "aetna", {"": "aetna"}, {"Aetna": 3}])
def test_payers_refuse_what_is_not_a_name_to_policy_mapping(payers: object) -> None:
    with pytest.raises((InvalidTypeError, InvalidOptionError)):
        audit_frame(_payer_frame("Aetna"), payers=payers)  # type: ignore[arg-type]


# -- the frames -------------------------------------------------------------------------


def _priced_ptp() -> object:
    # 97530 and 97150 the same day: an NCCI PTP pair; a locality prices the visit.
    return pd.DataFrame(
        {
            "visit_id": ["v1", "v1", "v2"],
            "date_of_service": ["2024-07-01", "2024-07-01", "2024-08-05"],
            "code": ["97530", "97150", "97530"],
            "minutes": ["30", "20", "x"],
            "locality": ["10112-00"] * 3,
        }
    )


def test_frames_have_real_dtypes_and_money_as_decimal() -> None:
    audit = audit_frame(_priced_ptp())
    v = audit.visits
    assert v["ok"].dtype == bool
    assert str(v["total_units"].dtype) == "Int64"
    assert str(v["errors"].dtype) == "Int64"
    assert v["date_of_service"].dtype.kind == "M"
    assert audit.lines["date_of_service"].dtype.kind == "M"
    assert str(audit.lines["units"].dtype) == "Int64"
    assert audit.findings["date_of_service"].dtype.kind == "M"
    expected = ob.audit_visit(
        {
            "date_of_service": "2024-07-01",
            "locality": "10112-00",
            "services": [{"code": "97530", "minutes": 30}, {"code": "97150", "minutes": 20}],
        }
    )
    row = _row(audit, "v1")
    assert isinstance(row["allowed"], Decimal)
    assert expected.pricing is not None
    assert row["allowed"] == expected.pricing.allowed
    assert row["amount_at_risk"] == expected.amount_at_risk
    # The failed visit keeps its id, with no counts (NA, not 0).
    failed = v[v["visit_id"] == "v2"]
    assert not failed["ok"].any()
    assert failed["total_units"].isna().all()


def test_money_float_on_request() -> None:
    audit = audit_frame(_priced_ptp(), money="float")
    assert audit.visits["allowed"].dtype == "float64"
    assert audit.findings["amount_at_risk"].dtype == "float64"


def test_at_risk_by_rule_sums_the_denied_priced_lines() -> None:
    audit = audit_frame(_priced_ptp())
    table = audit.at_risk_by_rule()
    expected = ob.audit_visit(
        {
            "date_of_service": "2024-07-01",
            "locality": "10112-00",
            "services": [{"code": "97530", "minutes": 30}, {"code": "97150", "minutes": 20}],
        }
    )
    assert list(table.index) == ["ncci.ptp"]
    assert table.loc["ncci.ptp", "amount_at_risk"] == expected.amount_at_risk
    assert table.loc["ncci.ptp", "findings"] == 1


def test_at_risk_by_rule_is_empty_without_pricing() -> None:
    assert audit_frame(_frame()).at_risk_by_rule().empty


def test_findings_by_rule_and_lines_by_code() -> None:
    audit = audit_frame(_split_97110())
    by_rule = audit.findings_by_rule()
    assert by_rule.loc["audit.rows_combined", "info"] == 1
    assert by_rule.loc["audit.rows_combined", "total"] == 1
    by_code = audit.lines_by_code()
    assert by_code.loc["97530", "visits"] == 1
    assert int(by_code["units"].sum()) == 4


def test_history_mode_uses_patient_history() -> None:
    frame = pd.DataFrame(
        {
            "visit_id": ["h1", "h2"],
            "patient_id": ["A", "A"],
            "date_of_service": ["2024-03-04", "2024-03-04"],
            "code": ["97530", "97530"],
            "minutes": [10, 10],
        }
    )
    plain = audit_frame(frame)
    pooled = audit_frame(frame, history=True)
    assert list(plain.visits["claim_lines"]) == ["", ""] or list(plain.visits["total_units"]) == [
        1,
        1,
    ]
    # Same patient and day: the 20 minutes pool into one unit on one visit.
    assert list(pooled.visits["total_units"]) == [1, 0]


def test_workers_give_the_same_frames(tmp_path: Path) -> None:
    frame = sample_export(400)
    one = audit_frame(frame, payers={"MEDICARE PART B": "medicare", "Aetna Commercial": "aetna"})
    two = audit_frame(
        frame, payers={"MEDICARE PART B": "medicare", "Aetna Commercial": "aetna"}, workers=2
    )
    pd.testing.assert_frame_equal(one.visits, two.visits)
    pd.testing.assert_frame_equal(one.findings, two.findings)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"extra": "keep"}, InvalidOptionError),
        ({"money": "cents"}, InvalidOptionError),
        ({"history": "yes"}, InvalidTypeError),
        ({"progress": "yes"}, InvalidTypeError),
    ],
)
def test_bad_arguments_are_typed_errors(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        audit_frame(_frame(), **kwargs)  # type: ignore[arg-type]


def test_a_list_of_rows_is_not_a_frame() -> None:
    with pytest.raises(InvalidTypeError, match="DataFrame"):
        audit_frame([{"visit_id": "v1"}])


def test_a_frame_without_a_required_column_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInputError, match="'visit_id'"):
        audit_frame(pd.DataFrame({"claim": ["c1"], "date_of_service": ["2024-07-01"]}))


def test_a_column_named_twice_is_refused() -> None:
    frame = pd.DataFrame(
        [["v1", "2024-07-01", "97530", "38"]], columns=["visit_id"] * 2 + ["code", "minutes"]
    )
    with pytest.raises(InvalidInputError, match="more than once"):
        audit_frame(frame)


def test_an_empty_frame_gives_empty_typed_frames() -> None:
    audit = audit_frame(pd.DataFrame(columns=["visit_id", "date_of_service", "code", "minutes"]))
    assert len(audit.visits) == len(audit.lines) == len(audit.findings) == 0
    assert list(audit.visits.columns) == list(ob.RESULT_SCHEMA)
    assert audit.findings_by_rule().empty


def test_report_of_an_unknown_visit_is_a_typed_error() -> None:
    with pytest.raises(InvalidOptionError, match="nope"):
        audit_frame(_frame()).report("nope")


def test_sample_export_is_reproducible_and_sized() -> None:
    a, b = sample_export(500), sample_export(500)
    assert len(a) == 500
    pd.testing.assert_frame_equal(a, b)


def test_plot_draws_findings_by_rule_and_month() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    payers = {"MEDICARE PART B": "medicare", "Aetna Commercial": "aetna"}
    fig = audit_frame(sample_export(200), payers=payers).plot()
    titles = [ax.get_title() for ax in fig.axes[:2]]
    assert titles == ["Findings by rule", "Findings by month"]
    assert fig.axes[0].patches  # bars were drawn


def test_plot_of_no_findings_draws_empty_axes() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    fig = audit_frame(_frame(minutes=["x"])).plot()
    assert [ax.get_title() for ax in fig.axes] == ["Findings by rule", "Findings by month"]


def test_plot_without_matplotlib_names_the_extra(tmp_path: Path) -> None:
    out = run_script(
        tmp_path,
        """
        import json, sys
        sys.modules["matplotlib"] = None
        import pandas as pd
        from ot_billing_rules.pandas import audit_frame
        audit = audit_frame(pd.DataFrame({"visit_id": ["v"], "date_of_service": ["2024-07-01"],
                                          "code": ["97530"], "minutes": ["38"]}))
        try:
            audit.plot()
        except Exception as exc:
            print(json.dumps([type(exc).__name__, str(exc), isinstance(exc, ImportError)]))
        """,
    )
    assert out[0] == "MissingExtraError"
    assert "ot-billing-rules[plot]" in out[1]
    assert out[2] is True


def test_import_of_the_package_does_not_import_pandas_and_the_module_gets_the_real_one(
    tmp_path: Path,
) -> None:
    out = run_script(
        tmp_path,
        """
        import json, sys
        import ot_billing_rules
        before = "pandas" in sys.modules
        import ot_billing_rules.pandas as obp
        print(json.dumps([before, obp.pd.__name__, hasattr(obp.pd, "DataFrame")]))
        """,
    )
    assert out == [False, "pandas", True]
