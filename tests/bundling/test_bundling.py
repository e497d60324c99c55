"""check_bundling: golden cases from the July 2024 CMS rows (shared/data/ncci_2024-07-01/,
rules/bundling.md §2-§5 and §10) and the structural rules."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest

import ot_billing_rules as ob
from ot_billing_rules.ncci import MUE, PTPEdit, Setting

JULY = "2024-07-01"
#: The modifiers the issue asks the checker to know.
BRIEF_MODIFIERS = "GO GP GN CO CQ KX 59 XE XS XP XU 25 76 77 91 95 96 97 GT 52 LT RT"
FIX = Path(__file__).parents[1] / "fixtures" / "cms"


def rules(found: tuple[ob.Finding, ...]) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.rule, f.severity.value, f.codes) for f in found]


# -- PTP golden cases -----------------------------------------------------------


def test_group_over_one_on_one_without_modifier() -> None:
    # §2.2: 97150 column 1 over 97530, indicator 1.
    found = ob.check_bundling(["97150:GO", "97530:GO"], on=JULY)
    assert rules(found) == [("ncci.ptp", "error", ("97150", "97530"))]
    (f,) = found
    assert "97530 (column 2) is denied" in f.message
    assert "separate time periods" in f.suggestion
    assert "59" in f.suggestion
    assert "XU" in f.suggestion
    assert "edit 40" in f.source


def test_group_over_one_on_one_with_59() -> None:
    found = ob.check_bundling(["97150:GO", "97530:GO,59"], on=JULY)
    assert rules(found) == [("ncci.bypass", "info", ("97150", "97530"))]
    assert "modifier 59 on 97530" in found[0].message
    assert "document" in found[0].suggestion


@pytest.mark.parametrize("mod", ["XU", "XE", "XS", "XP"])
def test_x_modifiers_bypass(mod: str) -> None:
    found = ob.check_bundling(["97150:GO", f"97530:GO,{mod}"], on=JULY)
    assert [f.rule for f in found] == ["ncci.bypass"]


def test_x_modifiers_not_before_2015() -> None:
    found = ob.check_bundling(["97140:GO", "97530:GO,XU"], on="2014-06-02")
    assert ("ncci.ptp", "error", ("97140", "97530")) in rules(found)


def test_evaluations_indicator_0() -> None:
    # §1.5: 97166 column 1 over 97165, indicator 0: no modifier helps.
    for lines in (["97165:GO", "97166:GO"], ["97165:GO,59", "97166:GO,59"]):
        found = ob.check_bundling(lines, on=JULY)
        assert rules(found) == [("ncci.ptp", "error", ("97166", "97165"))]
        assert "no modifier bypasses" in found[0].message
        assert "edit 20" in found[0].source


def test_97140_97530_before_and_after_2020() -> None:
    # §2.3: the row ends 20191231 (last date it applies, §10.1); no live row since.
    before = ob.check_bundling(["97140:GO", "97530:GO"], on="2019-12-31")
    # 2019 precedes the oldest bundled MUE table (2024-07-01): flagged, not hidden.
    assert rules(before) == [
        ("ncci.ptp", "error", ("97140", "97530")),
        ("ncci.uncovered", "info", ()),
    ]
    assert "separate time intervals" in before[0].suggestion
    after = ob.check_bundling(["97140:GO", "97530:GO"], on="2020-01-01")
    assert [f.rule for f in after] == ["ncci.uncovered"]
    assert ob.check_bundling(["97140:GO", "97530:GO,59"], on="2019-12-31")[0].rule == (
        "ncci.bypass"
    )


def test_settings_differ_97165_97750() -> None:
    # §1.6: indicator 0 in the practitioner file, 1 in the hospital file.
    lines = ["97165:GO", "97750:GO,59"]
    prac = ob.check_bundling(lines, on=JULY, setting="practitioner")
    oph = ob.check_bundling(lines, on=JULY, setting=ob.Setting.OUTPATIENT_HOSPITAL)
    assert rules(prac) == [("ncci.ptp", "error", ("97165", "97750"))]
    assert rules(oph) == [("ncci.bypass", "info", ("97165", "97750"))]


def test_bypass_on_column_1_line() -> None:
    lines = ["97150:GO,59", "97530:GO"]
    either = ob.check_bundling(lines, on=JULY)
    assert [f.rule for f in either] == ["ncci.bypass"]
    assert "column-1 line" in either[0].message
    assert "CR 11168" in either[0].message
    strict = ob.check_bundling(lines, on=JULY, bypass="column2")
    assert [f.rule for f in strict] == ["ncci.ptp"]
    # Before 2019-07-01 Medicare looked at the column-2 line only.
    early = ob.check_bundling(["97140:GO,59", "97530:GO"], on="2019-06-28")
    assert [f.rule for f in early] == ["ncci.ptp", "ncci.uncovered"]


def test_em_column_2_needs_25() -> None:
    # §2.2: 97165 column 1 over 99213, indicator 1; the E/M takes 25, never 59.
    with_25 = ob.check_bundling(["97165:GO", "99213:25"], on=JULY)
    assert [f.rule for f in with_25] == ["ncci.bypass"]
    with_59 = ob.check_bundling(["97165:GO", "99213:59"], on=JULY, bypass="column2")
    assert ("ncci.ptp", "error", ("97165", "99213")) in rules(with_59)
    assert ("modifier.misplaced", "warning", ("99213",)) in rules(with_59)
    none = ob.check_bundling(["97165:GO", "99213"], on=JULY)
    assert "25 (on the E/M line)" in none[0].suggestion


def test_non_catalog_codes_checked() -> None:
    # §2.2: chiropractic manipulation 98940 column 1 over 97140, indicator 1.
    found = ob.check_bundling(["98940", "97140:GO"], on=JULY)
    assert rules(found) == [("ncci.ptp", "error", ("98940", "97140"))]
    assert "different site" in found[0].suggestion
    # Strapping 29581 column 1 over 97140.
    found = ob.check_bundling(["29581", "97140:GO"], on=JULY)
    assert rules(found) == [("ncci.ptp", "error", ("29581", "97140"))]


def test_anatomic_modifiers_must_differ() -> None:
    same = ob.check_bundling(["98940:LT", "97140:GO,LT"], on=JULY)
    assert [f.rule for f in same] == ["ncci.ptp"]
    differ = ob.check_bundling(["98940:LT", "97140:GO,RT"], on=JULY)
    assert [f.rule for f in differ] == ["ncci.bypass"]


def test_no_edit_pairs() -> None:
    # §2.2 "pairs that have no live edit in July 2024".
    for pair in (("97110", "97530"), ("97112", "97530"), ("97165", "97530"), ("97129", "97530")):
        assert ob.check_bundling([f"{c}:GO" for c in pair], on=JULY) == ()


def test_same_day_pt_and_ot_evaluations() -> None:
    # §10.1: 97161/97165 ended 20170630.
    found = ob.check_bundling(["97161", "97165"], on="2017-06-30", discipline=None)
    assert rules(found) == [
        ("ncci.ptp", "error", ("97161", "97165")),
        ("ncci.uncovered", "info", ()),
    ]
    later = ob.check_bundling(["97161", "97165"], on="2017-07-01", discipline=None)
    assert [f.rule for f in later] == ["ncci.uncovered"]


# -- MUE ----------------------------------------------------------------------------


def test_97530_seven_units_over_mue_6() -> None:
    found = ob.check_bundling([ob.ServiceLine("97530", 7, ["GO"])], on=JULY)
    assert rules(found) == [("ncci.mue", "error", ("97530",))]
    msg = found[0].message + found[0].suggestion
    assert "7 units" in msg
    assert "MUE of 6" in msg
    assert "appeal" in msg
    assert ob.check_bundling([ob.ServiceLine("97530", 6, ["GO"])], on=JULY) == ()


def test_mue_date_of_service_sums_lines() -> None:
    found = ob.check_bundling(["97530x4:GO", "97530x3:GO,CO"], on=JULY)
    assert rules(found) == [("ncci.mue", "error", ("97530",))]
    assert "summed" in found[0].message


def test_mue_mai_2_not_appealable() -> None:
    found = ob.check_bundling(["97165x2:GO"], on=JULY)
    (f,) = found
    assert f.rule == "ncci.mue"
    assert "cannot overturn" in f.suggestion


def test_mue_setting_values() -> None:
    # 97110: 6 practitioner, 8 outpatient hospital.
    assert ob.check_bundling(["97110x7:GO"], on=JULY, setting="outpatient_hospital") == ()
    assert [f.rule for f in ob.check_bundling(["97110x7:GO"], on=JULY)] == ["ncci.mue"]


def test_mue_line_edit(tmp_path: Path) -> None:
    path = tmp_path / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"
    path.write_text(
        '"notice",,,\n"HCPCS/\nCPT Code",Practitioner Services MUE Values,'
        "MUE Adjudication Indicator,MUE Rationale\n97530,2,1 Line Edit,Clinical: Data\n",
        "latin-1",
    )
    edits = ob.EditSet.from_cms_files(path)
    assert ob.check_bundling(["97530x2:GO", "97530x2:GO,76"], on=JULY, edits=edits) == ()
    found = ob.check_bundling(["97530x3:GO", "97530x1:GO,76"], on=JULY, edits=edits)
    assert rules(found) == [("ncci.mue", "error", ("97530",))]
    assert "3 units of 97530 on one line" in found[0].message
    assert "separate lines" in found[0].suggestion


def test_mue_before_release_says_so() -> None:
    found = ob.check_bundling(["97530x7:GO"], on="2023-03-01")
    assert "may differ" in found[0].message


# -- status ----------------------------------------------------------------------------


def test_97010_status_b() -> None:
    found = ob.check_bundling(["97010:GO"], on=JULY)
    assert ("status.bundled", "error", ("97010",)) in rules(found)
    # MUE 0 for practitioners (§10.3: MUE 0 is always a finding).
    assert ("ncci.mue", "error", ("97010",)) in rules(found)
    oph = ob.check_bundling(["97010:GO"], on=JULY, setting="outpatient_hospital")
    assert rules(oph) == [("status.bundled", "error", ("97010",))]


def test_other_statuses() -> None:
    found = ob.check_bundling(["97014", "97026:GO", "97039:GO", "G0282"], on=JULY)
    got = rules(found)
    assert ("status.invalid", "error", ("97014",)) in got
    assert ("status.restricted", "warning", ("97026",)) in got
    assert ("status.carrier_priced", "info", ("97039",)) in got
    assert ("status.noncovered", "warning", ("G0282",)) in got
    invalid = next(f for f in found if f.rule == "status.invalid")
    assert "G0283" in invalid.suggestion


# -- add-on codes ----------------------------------------------------------------------


def test_addon_without_primary() -> None:
    found = ob.check_bundling(["97130x2:GO"], on=JULY)
    assert ("addon.without_primary", "error", ("97130",)) in rules(found)
    assert not [
        f
        for f in ob.check_bundling(["97129:GO", "97130x2:GO"], on=JULY)
        if f.rule.startswith("addon")
    ]


def test_once_per_day() -> None:
    twice = ob.check_bundling(["97129:GO", "97129:GO"], on=JULY)
    assert ("addon.once_per_day", "error", ("97129",)) in rules(twice)
    units = ob.check_bundling(["97129x2:GO"], on=JULY)
    assert ("addon.once_per_day", "error", ("97129",)) in rules(units)
    assert "97130" in next(f for f in units if f.rule == "addon.once_per_day").suggestion


# -- modifiers ---------------------------------------------------------------------------


def test_therapy_modifier_missing() -> None:
    found = ob.check_bundling(["97530"], on=JULY)
    assert rules(found) == [("modifier.therapy_missing", "error", ("97530",))]
    assert "GO" in found[0].suggestion
    # Sometimes-therapy code: a warning.
    sometimes = ob.check_bundling(["97129"], on=JULY)
    assert rules(sometimes) == [("modifier.therapy_missing", "warning", ("97129",))]
    assert ob.check_bundling(["97530"], on=JULY, discipline=None) == ()


def test_discipline_mismatch() -> None:
    found = ob.check_bundling(["97530:GP"], on=JULY)
    assert rules(found) == [("modifier.discipline_mismatch", "error", ("97530",))]
    assert ob.check_bundling(["97530:GP"], on=JULY, discipline="PT") == ()
    assert [f.rule for f in ob.check_bundling(["97530:GO"], on=JULY, discipline="SLP")] == [
        "modifier.discipline_mismatch"
    ]


def test_59_with_x_and_unknown_modifiers() -> None:
    found = ob.check_bundling(["97530:GO,59,XU", "97110:GO,ZZ"], on=JULY)
    assert ("modifier.59_with_x", "warning", ("97530",)) in rules(found)
    unknown = next(f for f in found if f.rule == "modifier.unknown")
    assert "ZZ" in unknown.message
    assert "GO" in unknown.message
    assert ("modifier.misplaced", "warning", ("97530",)) in rules(
        ob.check_bundling(["97530:GO,25"], on=JULY)
    )


def test_known_modifiers_documented() -> None:
    from ot_billing_rules.modifiers import KNOWN_MODIFIERS, ncci_modifiers

    for mod in BRIEF_MODIFIERS.split():
        assert mod in KNOWN_MODIFIERS
    assert ncci_modifiers("2024-07-01") >= {"59", "XU", "25", "LT", "91"}
    assert not {"GO", "KX", "76", "CO"} & ncci_modifiers("2024-07-01")


def test_therapy_modifiers_bypass_nothing() -> None:
    found = ob.check_bundling(["97150:GO,KX", "97530:GO,CO,76"], on=JULY)
    assert [f.rule for f in found] == ["ncci.ptp"]


# -- data release -------------------------------------------------------------------------


def test_stale_release_info() -> None:
    assert ob.check_bundling(["97530:GO"], on="2024-09-30") == ()
    found = ob.check_bundling(["97530:GO"], on="2024-10-01")
    # One finding per stale table: PTP and MUE are both the 2024-07-01 releases then.
    assert rules(found) == [("ncci.stale", "info", ())] * 2
    assert sorted("PTP table" in f.message for f in found) == [False, True]
    assert "ncci import" in found[0].suggestion


# -- inputs ------------------------------------------------------------------------------


def test_line_forms() -> None:
    expected = rules(ob.check_bundling(["97150:GO", "97530x2:GO,59"], on=JULY))
    forms = [
        [ob.ServiceLine("97150", 1, ["GO"]), ob.ServiceLine("97530", 2, ["GO", "59"])],
        [("97150", 1, ("GO",)), ("97530", 2, ["GO", "59"])],
        [
            {"code": "97150", "modifiers": ["GO"]},
            {"code": "97530", "units": 2, "modifiers": "GO,59"},
        ],
        [ob.ClaimLine("97150", 1, ["GO"]), ob.ClaimLine("97530", 2, ["GO", "59"], minutes=30)],
        (x for x in ["97150:GO", "97530x2:GO,59"]),
    ]
    for lines in forms:
        assert rules(ob.check_bundling(lines, on=JULY)) == expected
    assert ob.check_bundling([], on=JULY) == ()


def test_bad_inputs() -> None:
    with pytest.raises(ob.InvalidTypeError):
        ob.check_bundling("97530", on=JULY)
    with pytest.raises(ob.InvalidTypeError):
        ob.check_bundling([97530], on=JULY)
    with pytest.raises(ob.InvalidInputError, match="keys"):
        ob.check_bundling([{"code": "97530", "unit": 2}], on=JULY)
    with pytest.raises(ob.InvalidCodeError, match="CODE"):
        ob.check_bundling(["97530x:GO"], on=JULY)
    with pytest.raises(ob.InvalidCodeError):
        ob.check_bundling(["9753"], on=JULY)
    with pytest.raises(ob.InvalidModifierError):
        ob.check_bundling(["97530:GOO"], on=JULY)
    with pytest.raises(ob.InvalidOptionError) as exc:
        ob.check_bundling(["97530"], on=JULY, setting="hospital")
    assert "outpatient_hospital" in str(exc.value)
    with pytest.raises(ob.InvalidOptionError):
        ob.check_bundling(["97530"], on=JULY, bypass="col1")
    with pytest.raises(ob.InvalidOptionError):
        ob.check_bundling(["97530"], on=JULY, discipline="OTA")
    with pytest.raises(ob.InvalidTypeError, match="EditSet"):
        ob.check_bundling(["97530"], on=JULY, edits="bundled")  # type: ignore[arg-type]
    with pytest.raises(ob.InvalidDateError):
        ob.check_bundling(["97530"], on="07/01/2024")


def test_parse_line_token() -> None:
    assert ob.parse_line_token(" 97530X3:go,59 ") == ob.ServiceLine("97530", 3, ["GO", "59"])
    with pytest.raises(ob.InvalidInputError):
        ob.parse_line_token("97530x0")


class Overlay:
    """A user's EditData: a commercial payer that still edits 97140/97530 (§2.3)."""

    release = "payer-2025"
    release_date = None

    def ptp_edits(
        self, code_a: str, code_b: str, *, on: date | None, setting: Setting
    ) -> tuple[PTPEdit, ...]:
        if {code_a, code_b} == {"97140", "97530"}:
            return (PTPEdit("97140", "97530", None, None, "1", "Payer policy", setting),)
        return ()

    def mue(self, code: str, *, on: date, setting: Setting) -> MUE | None:
        return None

    def status(self, code: str) -> ob.FeeScheduleStatus | None:
        return None


def test_user_edit_data() -> None:
    found = ob.check_bundling(["97140:GO", "97530:GO"], on="2025-01-02", edits=Overlay())
    assert rules(found) == [("ncci.ptp", "error", ("97140", "97530"))]
    assert "payer-2025" in found[0].source


def test_stable_order_and_pickle() -> None:
    lines = ["97010", "97150", "97530x7:GP,ZZ", "97130"]
    found = ob.check_bundling(lines, on=JULY)
    assert found == ob.check_bundling(list(reversed(lines)), on=JULY)
    ranks = [f.severity.rank for f in found]
    assert ranks == sorted(ranks)
    assert pickle.loads(pickle.dumps(found)) == found
    assert all(f.to_dict()["rule"] == f.rule for f in found)
