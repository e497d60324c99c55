"""Bad-input matrix for the public functions (issue 8).

Each row is (callable, args, kwargs, expected exception type, substring the
message must contain). The rule under test is the design's principle 4: bad
input gets a typed error — an ``OTBillingError`` subclass that is also the
builtin a caller would catch — whose message names the bad value, never a
crash deep inside and never a silent drop. Every raised error must also
survive a pickle round trip (errors cross process pools in ``audit_many``).

Inputs that are well-formed but unknown (an unknown code inside a visit, an
unknown modifier) are not errors in the audit: they come back as findings,
tested in the second table, so nothing is dropped silently either way.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob
from _matrix import case, visit

FIX = Path(__file__).parent / "fixtures" / "cms"
PRA = FIX / "ccipra-v302r0-f1.txt"
MUE_ZIP = FIX / "mue-2024q3-practitioner.zip"
OT_EVAL = {"profile": "brief", "performance_deficits": 1, "decision_making": "low"}
PT_EVAL = {
    "personal_factors": 0,
    "body_system_elements": 1,
    "presentation": "stable",
    "decision_making": "low",
}
AT_EVAL = {"comorbidities": 0, "exam_elements": 1, "decision_making": "low"}


# -- wrong types: every single-argument entry point, every odd type ---------------------------

WRONG_TYPES = [None, True, 1.5, b"97530", {}]
SINGLE_ARG: list[tuple[str, Callable[..., Any]]] = [
    ("lookup", ob.lookup),
    ("get", ob.get),
    ("normalize_code", ob.normalize_code),
    ("search", ob.search),
    ("cms_units", ob.cms_units),
    ("cms_chart_row", ob.cms_chart_row),
    ("suggest_codes", ob.suggest_codes),
    ("get_activity", ob.get_activity),
    ("parse_line_token", ob.parse_line_token),
    ("certification_deadline", ob.certification_deadline),
    ("ServiceLine", ob.ServiceLine),
    ("Service", ob.Service),
    ("payer_policy", ob.payer_policy),
    ("audit_visit", ob.audit_visit),
    ("Visit.from_dict", ob.Visit.from_dict),
    ("PlanOfCare.from_dict", ob.PlanOfCare.from_dict),
]
# A mapping is the right type for these; an empty one is a different error (below).
_TAKES_MAPPING = {"payer_policy", "audit_visit", "Visit.from_dict", "PlanOfCare.from_dict"}

WRONG_TYPE_CASES = [
    case(
        f"{name}-{type(value).__name__}",
        fn,
        value,
        exc=ob.InvalidTypeError,
        match=repr(value),
    )
    for name, fn in SINGLE_ARG
    for value in WRONG_TYPES
    if not (isinstance(value, dict) and name in _TAKES_MAPPING)
]


# -- the matrix -----------------------------------------------------------------------------

CASES = [
    # codes
    case("lookup-empty", ob.lookup, "", exc=ob.InvalidCodeError, match="''"),
    case("lookup-short", ob.lookup, "9753", exc=ob.InvalidCodeError, match="'9753'"),
    case("lookup-long", ob.lookup, "97530X", exc=ob.InvalidCodeError, match="'97530X'"),
    case("lookup-nul", ob.lookup, "97530\x00", exc=ob.InvalidCodeError, match="97530"),
    case("lookup-fullwidth", ob.lookup, "Ｇ０２８３", exc=ob.InvalidCodeError, match="Ｇ０２８３"),
    case("lookup-huge", ob.lookup, "9" * 100_000, exc=ob.InvalidCodeError, match="99999"),
    case("lookup-int", ob.lookup, 97530, exc=ob.InvalidTypeError, match="int 97530"),
    case("lookup-unknown", ob.lookup, "97531", exc=ob.UnknownCodeError, match="'97531'"),
    case("lookup-unknown-zeros", ob.lookup, "00000", exc=ob.UnknownCodeError, match="'00000'"),
    case(
        "lookup-deleted",
        ob.lookup,
        "97532",
        on="2024-07-01",
        exc=ob.CodeNotEffectiveError,
        match="97127",
    ),
    case(
        "lookup-on-1989", ob.lookup, "97530", on="1989-12-31", exc=ob.InvalidDateError, match="1989"
    ),
    case(
        "lookup-on-2100",
        ob.lookup,
        "97530",
        on=date(2100, 1, 1),
        exc=ob.InvalidDateError,
        match="2100",
    ),
    case(
        "lookup-on-month13",
        ob.lookup,
        "97530",
        on="2024-13-01",
        exc=ob.InvalidDateError,
        match="2024-13-01",
    ),
    case(
        "lookup-on-feb30",
        ob.lookup,
        "97530",
        on="2024-02-30",
        exc=ob.InvalidDateError,
        match="2024-02-30",
    ),
    case(
        "lookup-on-compact",
        ob.lookup,
        "97530",
        on="20240701",
        exc=ob.InvalidDateError,
        match="20240701",
    ),
    case("lookup-on-float", ob.lookup, "97530", on=2024.0, exc=ob.InvalidTypeError, match="2024.0"),
    case(
        "lookup-on-bytes",
        ob.lookup,
        "97530",
        on=b"2024-07-01",
        exc=ob.InvalidTypeError,
        match="bytes",
    ),
    case("get-malformed", ob.get, "97-30", exc=ob.InvalidCodeError, match="'97-30'"),
    case(
        "normalize-malformed", ob.normalize_code, "9753O", exc=ob.InvalidCodeError, match="'9753O'"
    ),
    case(
        "codes-category", ob.codes, category="massage", exc=ob.InvalidOptionError, match="'massage'"
    ),
    case("codes-category-int", ob.codes, category=1, exc=ob.InvalidTypeError, match="int 1"),
    case("codes-timed-str", ob.codes, timed="yes", exc=ob.InvalidTypeError, match="'yes'"),
    case("codes-on-bytes", ob.codes, on=b"2024", exc=ob.InvalidTypeError, match="b'2024'"),
    case("codes-on-range", ob.codes, on="1900-01-01", exc=ob.InvalidDateError, match="1900-01-01"),
    # units
    case("units-none", ob.compute_units, None, exc=ob.InvalidTypeError, match="None"),
    case("units-list", ob.compute_units, [("97530", 10)], exc=ob.InvalidTypeError, match="list"),
    case("units-float", ob.compute_units, {"97530": 10.0}, exc=ob.InvalidTypeError, match="10.0"),
    case("units-bool", ob.compute_units, {"97530": True}, exc=ob.InvalidTypeError, match="True"),
    case(
        "units-str-minutes",
        ob.compute_units,
        {"97530": "10"},
        exc=ob.InvalidTypeError,
        match="'10'",
    ),
    case(
        "units-bytes-key", ob.compute_units, {b"97530": 10}, exc=ob.InvalidTypeError, match="bytes"
    ),
    case("units-int-key", ob.compute_units, {97530: 10}, exc=ob.InvalidTypeError, match="97530"),
    case("units-negative", ob.compute_units, {"97530": -1}, exc=ob.InvalidMinutesError, match="-1"),
    case(
        "units-over-day",
        ob.compute_units,
        {"97530": 1441},
        exc=ob.InvalidMinutesError,
        match="1441",
    ),
    case(
        "units-sum-over-day",
        ob.compute_units,
        {"97530": 1000, "97110": 1000},
        exc=ob.InvalidMinutesError,
        match="2000",
    ),
    case(
        "units-huge",
        ob.compute_units,
        {"97530": 10**30},
        exc=ob.InvalidMinutesError,
        match="1" + "0" * 30,
    ),
    case(
        "units-malformed-code",
        ob.compute_units,
        {"9753": 10},
        exc=ob.InvalidCodeError,
        match="'9753'",
    ),
    case(
        "units-unknown-code",
        ob.compute_units,
        {"97531": 10},
        exc=ob.UnknownCodeError,
        match="'97531'",
    ),
    case(
        "units-duplicate-code",
        ob.compute_units,
        {"97530": 10, " 97530 ": 10},
        exc=ob.DuplicateCodeError,
        match="97530",
    ),
    case(
        "units-method",
        ob.compute_units,
        {"97530": 10},
        method="8min",
        exc=ob.InvalidOptionError,
        match="'8min'",
    ),
    case(
        "units-method-none",
        ob.compute_units,
        {"97530": 10},
        method=None,
        exc=ob.InvalidTypeError,
        match="None",
    ),
    case(
        "units-discipline",
        ob.compute_units,
        {"97530": 10},
        discipline="ST",
        exc=ob.InvalidOptionError,
        match="'ST'",
    ),
    case(
        "units-tie",
        ob.compute_units,
        {"97530": 10},
        tie_break="coin",
        exc=ob.InvalidOptionError,
        match="'coin'",
    ),
    case(
        "units-hour",
        ob.compute_units,
        {"97530": 10},
        hour_rule="x",
        exc=ob.InvalidOptionError,
        match="'x'",
    ),
    case(
        "units-on",
        ob.compute_units,
        {"97530": 10},
        on="2200-01-01",
        exc=ob.InvalidDateError,
        match="2200",
    ),
    case(
        "units-prefer-str",
        ob.compute_units,
        {"97530": 10},
        prefer="97530",
        exc=ob.InvalidTypeError,
        match="'97530'",
    ),
    case(
        "units-prefer-bad",
        ob.compute_units,
        {"97530": 10},
        prefer=["x"],
        exc=ob.InvalidCodeError,
        match="'x'",
    ),
    case(
        "units-assistant-over",
        ob.compute_units,
        {"97530": 10},
        assistant_minutes={"97530": 11},
        exc=ob.InvalidMinutesError,
        match="11",
    ),
    case(
        "units-assistant-orphan",
        ob.compute_units,
        {"97530": 10},
        assistant_minutes={"97110": 5},
        exc=ob.InvalidInputError,
        match="97110",
    ),
    case(
        "units-assistant-type",
        ob.compute_units,
        {"97530": 10},
        assistant_minutes=[5],
        exc=ob.InvalidTypeError,
        match="[5]",
    ),
    case("cms_units-negative", ob.cms_units, -1, exc=ob.InvalidMinutesError, match="-1"),
    case("cms_units-over-day", ob.cms_units, 1441, exc=ob.InvalidMinutesError, match="1441"),
    case("cms_units-str", ob.cms_units, "8", exc=ob.InvalidTypeError, match="'8'"),
    # evaluation
    case(
        "ot-profile",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "profile": "huge"},
        exc=ob.InvalidOptionError,
        match="'huge'",
    ),
    case(
        "ot-profile-none",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "profile": None},
        exc=ob.InvalidTypeError,
        match="None",
    ),
    case(
        "ot-deficits-negative",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "performance_deficits": -1},
        exc=ob.InvalidInputError,
        match="-1",
    ),
    case(
        "ot-deficits-float",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "performance_deficits": 1.0},
        exc=ob.InvalidTypeError,
        match="1.0",
    ),
    case(
        "ot-decision-bytes",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "decision_making": b"low"},
        exc=ob.InvalidTypeError,
        match="b'low'",
    ),
    case(
        "ot-comorbidities-negative",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "comorbidities": -2},
        exc=ob.InvalidInputError,
        match="-2",
    ),
    case(
        "ot-comorbidities-word",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "comorbidities": "lots"},
        exc=ob.InvalidOptionError,
        match="'lots'",
    ),
    case(
        "ot-task-float",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "task_modification": 3.0},
        exc=ob.InvalidTypeError,
        match="3.0",
    ),
    case(
        "ot-boundaries",
        ob.select_ot_evaluation,
        **{**OT_EVAL, "boundaries": "fuzzy"},
        exc=ob.InvalidOptionError,
        match="'fuzzy'",
    ),
    case(
        "pt-factors-none",
        ob.select_pt_evaluation,
        **{**PT_EVAL, "personal_factors": None},
        exc=ob.InvalidTypeError,
        match="None",
    ),
    case(
        "pt-body-negative",
        ob.select_pt_evaluation,
        **{**PT_EVAL, "body_system_elements": -1},
        exc=ob.InvalidInputError,
        match="-1",
    ),
    case(
        "pt-presentation",
        ob.select_pt_evaluation,
        **{**PT_EVAL, "presentation": "wobbly"},
        exc=ob.InvalidOptionError,
        match="'wobbly'",
    ),
    case(
        "at-comorbidities-bool",
        ob.select_at_evaluation,
        **{**AT_EVAL, "comorbidities": True},
        exc=ob.InvalidTypeError,
        match="True",
    ),
    case(
        "at-exam-dict",
        ob.select_at_evaluation,
        **{**AT_EVAL, "exam_elements": {}},
        exc=ob.InvalidTypeError,
        match="{}",
    ),
    case(
        "at-presentation-int",
        ob.select_at_evaluation,
        **{**AT_EVAL, "presentation": 1},
        exc=ob.InvalidTypeError,
        match="int 1",
    ),
    case(
        "reeval-reason",
        ob.reevaluation_billable,
        "boredom",
        exc=ob.InvalidOptionError,
        match="'boredom'",
    ),
    case("reeval-none", ob.reevaluation_billable, None, exc=ob.InvalidTypeError, match="None"),
    case(
        "reeval-discipline",
        ob.reevaluation_billable,
        "new_clinical_findings",
        discipline="SLP",
        exc=ob.InvalidOptionError,
        match="'SLP'",
    ),
    case(
        "reeval-flag",
        ob.reevaluation_billable,
        "new_clinical_findings",
        before_discharge_billable="yes",
        exc=ob.InvalidTypeError,
        match="'yes'",
    ),
    # bundling
    case("bundling-none", ob.check_bundling, None, exc=ob.InvalidTypeError, match="None"),
    case("bundling-str", ob.check_bundling, "97530", exc=ob.InvalidTypeError, match="'97530'"),
    case("bundling-int-line", ob.check_bundling, [97530], exc=ob.InvalidTypeError, match="97530"),
    case(
        "bundling-bad-token",
        ob.check_bundling,
        ["97530x2x3"],
        exc=ob.InvalidCodeError,
        match="97530x2x3",
    ),
    case(
        "bundling-short-code", ob.check_bundling, ["9753"], exc=ob.InvalidCodeError, match="'9753'"
    ),
    case(
        "bundling-dash-mod",
        ob.check_bundling,
        ["97530-ZZ"],
        exc=ob.InvalidInputError,
        match="97530-ZZ",
    ),
    case(
        "bundling-units-zero",
        ob.check_bundling,
        [("97530", 0)],
        exc=ob.InvalidInputError,
        match="units=0",
    ),
    case(
        "bundling-units-huge",
        ob.check_bundling,
        [("97530", 10**9)],
        exc=ob.InvalidInputError,
        match="1000000000",
    ),
    case(
        "bundling-dict-key",
        ob.check_bundling,
        [{"code": "97530", "unitz": 1}],
        exc=ob.InvalidInputError,
        match="unitz",
    ),
    case(
        "bundling-on",
        ob.check_bundling,
        ["97530"],
        on="1900-01-01",
        exc=ob.InvalidDateError,
        match="1900",
    ),
    case(
        "bundling-setting",
        ob.check_bundling,
        ["97530"],
        setting="home",
        exc=ob.InvalidOptionError,
        match="'home'",
    ),
    case(
        "bundling-edits",
        ob.check_bundling,
        ["97530"],
        edits="bundled",
        exc=ob.InvalidTypeError,
        match="str",
    ),
    case(
        "bundling-discipline",
        ob.check_bundling,
        ["97530"],
        discipline=3,
        exc=ob.InvalidTypeError,
        match="int 3",
    ),
    case(
        "bundling-bypass",
        ob.check_bundling,
        ["97530"],
        bypass="x",
        exc=ob.InvalidOptionError,
        match="'x'",
    ),
    case("token-empty", ob.parse_line_token, "", exc=ob.InvalidInputError, match="''"),
    case(
        "token-units", ob.parse_line_token, "97530xabc", exc=ob.InvalidCodeError, match="97530xabc"
    ),
    # lines
    case(
        "serviceline-units-zero",
        ob.ServiceLine,
        "97530",
        0,
        exc=ob.InvalidInputError,
        match="units=0",
    ),
    case(
        "serviceline-units-float",
        ob.ServiceLine,
        "97530",
        1.0,
        exc=ob.InvalidTypeError,
        match="1.0",
    ),
    case(
        "serviceline-units-huge",
        ob.ServiceLine,
        "97530",
        10**6,
        exc=ob.InvalidInputError,
        match="1000000",
    ),
    case(
        "serviceline-mod-short",
        ob.ServiceLine,
        "97530",
        1,
        ("G",),
        exc=ob.InvalidModifierError,
        match="'G'",
    ),
    case(
        "serviceline-mod-none",
        ob.ServiceLine,
        "97530",
        1,
        (None,),
        exc=ob.InvalidTypeError,
        match="None",
    ),
    case(
        "serviceline-mod-int",
        ob.ServiceLine,
        "97530",
        1,
        (59,),
        exc=ob.InvalidTypeError,
        match="59",
    ),
    case(
        "claimline-units-none", ob.ClaimLine, "97530", None, exc=ob.InvalidTypeError, match="None"
    ),
    case(
        "claimline-minutes-negative",
        ob.ClaimLine,
        "97530",
        1,
        (),
        -5,
        exc=ob.InvalidMinutesError,
        match="-5",
    ),
    case(
        "claimline-minutes-day",
        ob.ClaimLine,
        "97530",
        1,
        (),
        1441,
        exc=ob.InvalidMinutesError,
        match="1441",
    ),
    case(
        "claimline-minutes-float",
        ob.ClaimLine,
        "97530",
        1,
        (),
        1.5,
        exc=ob.InvalidTypeError,
        match="1.5",
    ),
    case("claimline-code", ob.ClaimLine, "9753", 1, exc=ob.InvalidCodeError, match="'9753'"),
    # edit data
    case(
        "cms-no-paths",
        ob.EditSet.from_cms_files,
        exc=ob.InvalidInputError,
        match="at least one path",
    ),
    case("cms-none", ob.EditSet.from_cms_files, None, exc=ob.InvalidTypeError, match="None"),
    case(
        "cms-bytes", ob.EditSet.from_cms_files, b"x.txt", exc=ob.InvalidTypeError, match="b'x.txt'"
    ),
    case(
        "cms-setting",
        ob.EditSet.from_cms_files,
        PRA,
        setting="home",
        exc=ob.InvalidOptionError,
        match="'home'",
    ),
    case(
        "cms-limit-str",
        ob.EditSet.from_cms_files,
        MUE_ZIP,
        max_member_bytes="1MB",
        exc=ob.InvalidTypeError,
        match="'1MB'",
    ),
    case(
        "cms-limit-negative",
        ob.EditSet.from_cms_files,
        PRA,
        max_member_bytes=-1,
        exc=ob.InvalidInputError,
        match="max_member_bytes=-1",
    ),
    case(
        "cms-limit-small",
        ob.EditSet.from_cms_files,
        MUE_ZIP,
        max_member_bytes=10,
        exc=ob.DataFileError,
        match="10-byte limit",
    ),
    case(
        "cms-status-letter",
        ob.EditSet.from_cms_files,
        PRA,
        status={"97530": "Q"},
        exc=ob.InvalidOptionError,
        match="'Q'",
    ),
    case(
        "cms-status-list",
        ob.EditSet.from_cms_files,
        PRA,
        status=[1],
        exc=ob.InvalidTypeError,
        match="list",
    ),
    case("open-none", ob.EditSet.open, None, exc=ob.InvalidTypeError, match="None"),
    case(
        "open-missing",
        ob.EditSet.open,
        "/nonexistent/store.db",
        exc=ob.DataFileError,
        match="store.db",
    ),
    case(
        "import-no-paths",
        ob.import_cms_files,
        [],
        "x.db",
        exc=ob.InvalidInputError,
        match="at least one path",
    ),
    case("import-db-none", ob.import_cms_files, PRA, None, exc=ob.InvalidTypeError, match="None"),
]


def _run(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = fn(*args, **kwargs)
    if isinstance(result, Iterator):  # lazy APIs report bad input on first use
        result = list(result)
    return result


def _check_error(err: BaseException, exc: type[BaseException], match: str) -> None:
    assert type(err) is exc, f"{type(err).__name__}: {err}"
    assert isinstance(err, ob.OTBillingError)
    assert match in str(err), str(err)
    assert pickle.loads(pickle.dumps(err)) == err


@pytest.mark.parametrize(("fn", "args", "kwargs", "exc", "match"), WRONG_TYPE_CASES + CASES)
def test_bad_input_raises_typed_error(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    exc: type[BaseException],
    match: str,
) -> None:
    with pytest.raises(ob.OTBillingError) as info:
        _run(fn, args, kwargs)
    _check_error(info.value, exc, match)


def test_matrix_covers_the_public_functions() -> None:
    covered = {p.values[0] for p in WRONG_TYPE_CASES + CASES}
    required = [
        ob.lookup,
        ob.get,
        ob.codes,
        ob.search,
        ob.normalize_code,
        ob.compute_units,
        ob.cms_units,
        ob.select_ot_evaluation,
        ob.select_pt_evaluation,
        ob.select_at_evaluation,
        ob.reevaluation_billable,
        ob.check_bundling,
        ob.EditSet.from_cms_files,
        ob.EditSet.open,
        ob.import_cms_files,
        ob.ServiceLine,
        ob.ClaimLine,
    ]
    missing = [getattr(f, "__qualname__", repr(f)) for f in required if f not in covered]
    assert not missing
    assert len(WRONG_TYPE_CASES + CASES) >= 150


# -- files on disk: missing, empty, not SQLite, wrong encoding (zip bombs: test_fuzz_loaders) --


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_open_missing_empty_and_non_sqlite(tmp_path: Path) -> None:
    empty = _file(tmp_path, "empty.db", b"")
    junk = _file(tmp_path, "junk.db", b"not a database at all " * 50)
    with pytest.raises(ob.DataFileError, match="no meta table") as info:
        ob.EditSet.open(empty)
    assert info.value.path == str(empty)
    with pytest.raises(ob.DataFileError, match="not a SQLite database"):
        ob.EditSet.open(junk)
    with pytest.raises(ob.DataFileError, match="no such NCCI store"):
        ob.EditSet.open(tmp_path)  # a directory
    with pytest.raises(ob.DataFileError, match=r"missing\.db"):
        ob.EditSet.open(tmp_path / "missing.db")


def test_missing_cms_file_keeps_the_builtin_oserror(tmp_path: Path) -> None:
    # Documented choice (docs/errors.md): a path that cannot be opened raises
    # the builtin OSError naming it, so `except FileNotFoundError` works; the
    # CLI turns it into exit 2.
    with pytest.raises(FileNotFoundError, match="missing-ccipra"):
        ob.EditSet.from_cms_files(tmp_path / "missing-ccipra-v1r0-f1.txt")
    with pytest.raises(IsADirectoryError):
        ob.EditSet.from_cms_files(tmp_path)


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("ccipra-v1r0-f1.txt", b"", "no PTP edit rows"),
        ("MCR_MUE_PractitionerServices_Eff_07-01-2024.csv", b"", "no MUE header row"),
        ("ccipra-v1r0-f1.txt", "97530\t97110".encode("utf-16"), "wrong encoding"),
        ("ccipra-v1r0-f1.txt", b"97530\t97110\x00\t\t20200101\t*\t1\tx\n", "wrong encoding"),
        ("edits.pdf", b"%PDF-1.4", "expected a CMS PTP .txt"),
        ("notes.txt", b"hello\nworld\n", "not a CMS PTP or MUE file"),
        ("empty.zip", b"", "not a readable zip"),
        ("junk.zip", b"PK\x03\x04 this is not really a zip", "not a readable zip"),
    ],
)
def test_malformed_cms_files(tmp_path: Path, name: str, data: bytes, match: str) -> None:
    path = _file(tmp_path, name, data)
    with pytest.raises(ob.DataFileError, match=match) as info:
        ob.EditSet.from_cms_files(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("fixture", ["bad_columns", "bad_date", "bad_indicator", "truncated"])
def test_fixture_damage_names_file_and_line(fixture: str) -> None:
    path = FIX / fixture / "ccipra-v302r0-f1.txt"
    with pytest.raises(ob.DataFileError) as info:
        ob.EditSet.from_cms_files(path)
    assert info.value.path == str(path)
    assert fixture == "truncated" or isinstance(info.value.line, int)


def test_import_into_a_non_sqlite_file(tmp_path: Path) -> None:
    junk = _file(tmp_path, "junk.db", b"not a database at all " * 50)
    with pytest.raises(ob.DataFileError, match=r"junk\.db"):
        ob.import_cms_files(PRA, junk)


def test_import_into_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ob.DataFileError, match=str(tmp_path)):
        ob.import_cms_files(PRA, tmp_path)


# -- properties: never an untyped error ------------------------------------------------------

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.binary(max_size=12),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(ANYTHING)
def test_is_valid_code_never_raises(value: object) -> None:
    assert ob.is_valid_code(value) in (True, False)


@given(ANYTHING)
def test_lookup_raises_only_typed_errors(value: object) -> None:
    try:
        code = ob.lookup(value, on="2024-07-01")  # type: ignore[arg-type]
    except ob.InvalidTypeError:
        assert not isinstance(value, str)
    except ob.InvalidCodeError:
        assert isinstance(value, str)
        assert not ob.is_valid_code(value)
    except (ob.UnknownCodeError, ob.CodeNotEffectiveError):
        assert isinstance(value, str)
        assert ob.is_valid_code(value)
    else:
        assert isinstance(value, str)
        assert code.code == ob.normalize_code(value)


@given(ANYTHING)
def test_visit_from_dict_raises_only_typed_errors(value: object) -> None:
    data = visit(services=[{"code": "97530", "minutes": value}])
    try:
        v = ob.Visit.from_dict(data)
    except ob.OTBillingError:
        return
    assert v.services[0].minutes == value


@given(st.dictionaries(st.text(max_size=6), ANYTHING, max_size=4))
def test_compute_units_raises_only_typed_errors(minutes: dict[str, object]) -> None:
    try:
        alloc = ob.compute_units(minutes, on="2024-07-01")  # type: ignore[arg-type]
    except ob.OTBillingError:
        return
    assert set(alloc.units) == {ob.normalize_code(c) for c in minutes}
