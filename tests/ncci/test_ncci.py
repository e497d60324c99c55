"""EditSet models and the bundled July 2024 data (golden rows: shared/data/ncci_2024-07-01/)."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

import ot_billing_rules as ob
from ot_billing_rules.ncci import infer_effective_dates, pick_mue

D = date.fromisoformat


@pytest.fixture(scope="module")
def bundled() -> ob.EditSet:
    return ob.EditSet.bundled()


def test_bundled_release_and_counts(bundled: ob.EditSet) -> None:
    # The newest table held: MUE 2026-04-01 (PTP stays at 2024-07-01).
    assert bundled.release == "2026-04-01"
    assert bundled.release_date == D("2026-04-01")
    # README: practitioner 4,409 rows, outpatient hospital 3,172; 348 MUE codes.
    assert bundled.counts()["ptp"] == 4409 + 3172
    by = {(s.kind, s.setting.value): s.rows for s in bundled.sources}
    assert by[("ptp", "practitioner")] == 4409
    assert by[("ptp", "outpatient_hospital")] == 3172
    assert isinstance(bundled, ob.EditData)


def test_bundled_is_cached(bundled: ob.EditSet) -> None:
    assert ob.EditSet.bundled() is bundled


def test_group_over_one_on_one(bundled: ob.EditSet) -> None:
    # bundling.md §2.2: 97150 column 1 over 97530, indicator 1, live.
    (edit,) = bundled.ptp_edits("97530", "97150", on="2024-07-01", setting="practitioner")
    assert (edit.column_1, edit.column_2) == ("97150", "97530")
    assert edit.modifier_indicator is ob.ModifierIndicator.ALLOWED
    assert edit.deletion is None
    assert edit.bypassable


def test_97140_97530_ends_2019(bundled: ob.EditSet) -> None:
    # bundling.md §2.3: the only row ends 20191231 (inclusive, §10.1).
    for setting in ob.Setting:
        (row,) = bundled.ptp_history("97140", "97530", setting=setting)
        assert row.deletion == D("2019-12-31")
        assert bundled.ptp_edits("97140", "97530", on="2019-12-31", setting=setting)
        assert not bundled.ptp_edits("97140", "97530", on="2020-01-01", setting=setting)


def test_indicator_9_never_applies(bundled: ob.EditSet) -> None:
    # bundling.md §1.3: 97530 over 97165 deleted 20200101 with indicator 9.
    rows = bundled.ptp_history("97530", "97165", setting="practitioner")
    assert [r.modifier_indicator.value for r in rows] == ["9"]
    for day in ("2019-06-01", "2020-01-01", "2024-07-01"):
        assert not bundled.ptp_edits("97530", "97165", on=day, setting="practitioner")


def test_settings_differ_97165_97750(bundled: ob.EditSet) -> None:
    # bundling.md §1.6: indicator 0 for practitioners, 1 in the hospital file.
    (prac,) = bundled.ptp_edits("97165", "97750", on="2024-07-01", setting="practitioner")
    (oph,) = bundled.ptp_edits("97165", "97750", on="2024-07-01", setting="outpatient_hospital")
    assert prac.modifier_indicator.value == "0"
    assert oph.modifier_indicator.value == "1"


def test_mue_values(bundled: ob.EditSet) -> None:
    # bundling.md §3.2.
    m = bundled.mue("97530", on="2024-07-01")
    assert m is not None
    assert (m.value, m.adjudication) == (6, ob.MUEAdjudication.DATE_OF_SERVICE_CLINICAL)
    assert m.adjudication.appealable
    assert not m.adjudication.per_line
    assert bundled.mue("97110", on="2024-07-01", setting="outpatient_hospital").value == 8
    assert bundled.mue("97010", on="2024-07-01").value == 0
    assert bundled.mue("97129", on="2024-07-01").adjudication.value == "2"
    assert not ob.MUEAdjudication("2").appealable
    assert bundled.mue("99999", on="2024-07-01") is None


def test_status(bundled: ob.EditSet) -> None:
    assert bundled.status("97010") is ob.FeeScheduleStatus.BUNDLED
    assert bundled.status("97014") is ob.FeeScheduleStatus.NOT_VALID_FOR_MEDICARE
    assert bundled.status("G0283") is ob.FeeScheduleStatus.ACTIVE
    assert bundled.status("99999") is None


def test_bad_arguments(bundled: ob.EditSet) -> None:
    with pytest.raises(ob.InvalidCodeError):
        bundled.ptp_edits("9715", "97530", on="2024-07-01")
    with pytest.raises(ob.InvalidOptionError) as exc:
        bundled.ptp_edits("97150", "97530", on="2024-07-01", setting="hospital")
    assert "practitioner" in str(exc.value)
    with pytest.raises(ob.InvalidDateError):
        bundled.ptp_edits("97150", "97530", on="2024-13-01")


def test_applies_on_window() -> None:
    e = ob.PTPEdit("97530", "97535", D("2020-01-01"), D("2021-12-31"), "1", "x", "practitioner")
    assert not e.applies_on(D("2019-12-31"))
    assert e.applies_on(D("2020-01-01"))
    assert e.applies_on(D("2021-12-31"))
    assert not e.applies_on(D("2022-01-01"))
    assert "from 2020-01-01 through 2021-12-31" in e.window()


def test_infer_effective_chain() -> None:
    # 97165/97750 hospital rows (real deletion dates): ended 2017, ended 2019, live.
    rows = [
        ob.PTPEdit("97165", "97750", None, None, "1", "m", "outpatient_hospital"),
        ob.PTPEdit("97165", "97750", None, D("2017-12-31"), "0", "s", "outpatient_hospital"),
        ob.PTPEdit("97165", "97750", None, D("2019-12-31"), "1", "m", "outpatient_hospital"),
        ob.PTPEdit("97530", "97165", None, D("2020-01-01"), "9", "c", "outpatient_hospital"),
    ]
    live, first, second, nine = infer_effective_dates(rows)
    assert (live.effective, live.effective_inferred) == (D("2020-01-01"), True)
    assert (first.effective, first.effective_inferred) == (None, False)
    assert second.effective == D("2018-01-01")
    assert nine.effective == D("2020-01-01")


def test_pick_mue_release() -> None:
    old = ob.MUE("97530", 4, "3", "x", "practitioner", D("2024-01-01"))
    new = ob.MUE("97530", 6, "3", "x", "practitioner", D("2024-07-01"))
    assert pick_mue((old, new), D("2024-03-01")) is old
    assert pick_mue((old, new), D("2024-07-01")) is new
    assert pick_mue((old, new), D("2023-01-01")) is old
    assert pick_mue((), D("2024-01-01")) is None


def test_to_dict_and_html(bundled: ob.EditSet) -> None:
    d = bundled.to_dict()
    assert d["release"] == "2026-04-01"
    assert d["counts"]["mue"] == 696 + 692
    (edit,) = bundled.ptp_edits("97150", "97530", on="2024-07-01")
    assert edit.to_dict()["modifier_indicator"] == "1"
    assert "<table>" in edit._repr_html_()
    assert "<table>" in bundled._repr_html_()
    m = bundled.mue("97530", on="2024-07-01")
    assert m.to_dict()["adjudication_label"] == "Date of Service Edit: Clinical"
    assert "2024-07-01" in bundled.explain()


def test_pickle_round_trip(bundled: ob.EditSet) -> None:
    (edit,) = bundled.ptp_edits("97150", "97530", on="2024-07-01")
    m = bundled.mue("97530", on="2024-07-01")
    for value in (edit, m, bundled.sources[0]):
        assert pickle.loads(pickle.dumps(value)) == value
    copy = pickle.loads(pickle.dumps(bundled))
    assert copy == bundled
    assert copy.ptp_edits("97150", "97530", on="2024-07-01") == (edit,)


def test_from_cms_files_needs_paths() -> None:
    with pytest.raises(ob.InvalidInputError):
        ob.EditSet.from_cms_files()


def test_editset_hashable(bundled: ob.EditSet) -> None:
    assert hash(bundled) == hash(pickle.loads(pickle.dumps(bundled)))
    assert {bundled: 1}[bundled] == 1
