"""Look-alike characters, strict dates and canonical money (issue 11 items 5, 17, 18).

``'ſ'.upper()`` is ``'S'``, ``'ß'.upper()`` is ``'SS'``, ``int('٣٠')`` is 30
and ``date.fromisoformat('2024-W27-1')`` is a date: none of these may turn a
user's text into a real modifier, code, count, amount or date.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ot_billing_rules import (
    ServiceLine,
    Visit,
    assess_kx,
    audit_visit,
    check_bundling,
    errors,
    is_valid_code,
    lookup,
    normalize_code,
)
from ot_billing_rules._coerce import coerce_date, coerce_enum
from ot_billing_rules._money import coerce_money
from ot_billing_rules.cli import main
from ot_billing_rules.modifiers import normalize_modifiers
from ot_billing_rules.ncci import Setting
from ot_billing_rules.readers import visits_from_rows

DOS = "2024-07-01"

#: Characters whose upper-case (or case fold) is ASCII: ſ -> S, ß -> SS,
#: ﬀ -> FF, ı -> I, K (Kelvin) -> k, ﬅ -> ST.
LOOK_ALIKES = ["ſ", "ß", "ﬀ", "ı", "\u212a", "ﬅ"]

# -- modifiers and codes -------------------------------------------------------


@pytest.mark.parametrize("text", ["xſ", "Xſ", "ß", "ﬀ", "ıN", "\u212aX", "ＸＵ", "X\u0301U"])
def test_look_alike_modifiers_are_refused(text: str) -> None:
    with pytest.raises(errors.InvalidModifierError, match="two letters or digits"):
        normalize_modifiers([text])
    with pytest.raises(errors.InvalidModifierError):
        ServiceLine("97530", 1, text)


def test_xs_look_alike_cannot_bypass_a_ptp_edit() -> None:
    # 97150/97530 is an indicator-1 edit: a real XS bypasses it, 'xſ' must not.
    real = check_bundling(["97150:GO", "97530:GO,xs"], on=DOS)
    assert "ncci.bypass" in {f.rule for f in real}
    with pytest.raises(errors.InvalidModifierError):
        check_bundling(["97150:GO", "97530:GO,xſ"], on=DOS)
    with pytest.raises(errors.InvalidModifierError):
        audit_visit(
            {
                "date_of_service": DOS,
                "services": [
                    {"code": "97150", "minutes": 30},
                    {"code": "97530", "minutes": 30, "modifiers": ["xſ"]},
                ],
            }
        )


@pytest.mark.parametrize("text", ["ſ0283", "ɡ0283", "９７１１０", "97１10", "٩٧١١٠", "0591ｔ"])
def test_look_alike_codes_are_refused(text: str) -> None:
    with pytest.raises(errors.InvalidCodeError):
        normalize_code(text)
    assert not is_valid_code(text)
    with pytest.raises(errors.InvalidCodeError):
        lookup(text, on=DOS)


def test_ascii_codes_and_modifiers_still_normalise() -> None:
    assert normalize_code(" g0283 ") == "G0283"
    assert normalize_modifiers(" go, xs ") == ("GO", "XS")


@pytest.mark.parametrize("text", ["outpatient_hoſpital", "practıtioner", "PRACTITIONER\u212a"])
def test_look_alike_option_values_are_refused(text: str) -> None:
    with pytest.raises(errors.InvalidOptionError):
        coerce_enum(Setting, text, field="setting")
    assert coerce_enum(Setting, " Outpatient-Hospital ", field="setting") is (
        Setting.OUTPATIENT_HOSPITAL
    )


# -- counts ------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", ["٣٠", "３０", "1_0", "²"])
def test_csv_minutes_refuse_non_ascii_digits_and_underscores(minutes: str) -> None:
    rows = [{"visit_id": "v1", "date_of_service": DOS, "code": "97530", "minutes": minutes}]
    (result,) = visits_from_rows(rows)
    assert isinstance(result, errors.DataFileError)
    assert "whole number" in str(result)


def test_csv_ascii_minutes_still_read() -> None:
    rows = [{"visit_id": "v1", "date_of_service": DOS, "code": "97530", "minutes": " 30 "}]
    (result,) = visits_from_rows(rows)
    assert isinstance(result, Visit)
    assert result.services[0].minutes == 30


@pytest.mark.parametrize("arg", ["97110=٣٠", "97110=３０", "97110=1_0", "ſ0283=30"])
def test_units_cli_refuses_look_alike_numbers_and_codes(
    capsys: pytest.CaptureFixture[str], arg: str
) -> None:
    assert main(["units", arg, "--on", DOS]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1


def test_units_cli_refuses_arabic_indic_minutes_in_a_fresh_process() -> None:
    cmd = [sys.executable, "-m", "ot_billing_rules.cli", "units", "97110=٣٠", "--on", DOS]
    done = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", check=False)
    assert done.returncode == 2, done.stdout
    assert "not a whole number" in done.stderr
    ok = subprocess.run(
        [*cmd[:4], "97110=30", "--on", DOS, "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["lines"][0]["units"] == 2


@pytest.mark.parametrize("count", ["٣", "３", "1_0"])
@pytest.mark.parametrize(
    "argv",
    [
        ["eval", "ot", "--profile", "brief", "--deficits", "N", "--decision", "low"],
        [
            *("eval", "ot", "--profile", "brief", "--deficits", "1", "--decision", "low"),
            *("--comorbidities", "N"),
        ],
        [
            *("eval", "pt", "--personal-factors", "N", "--body-system-elements", "1"),
            *("--presentation", "stable", "--decision", "low"),
        ],
        ["eval", "at", "--comorbidities", "N", "--exam-elements", "1", "--decision", "low"],
    ],
    ids=["ot-deficits", "ot-comorbidities", "pt-personal-factors", "at-comorbidities"],
)
def test_eval_cli_counts_refuse_look_alike_digits(
    capsys: pytest.CaptureFixture[str], count: str, argv: list[str]
) -> None:
    assert main([a if a != "N" else "1" for a in argv]) == 0
    capsys.readouterr()
    assert main([a if a != "N" else count for a in argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "error" in err


# -- money ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["٣٠", "３０", "1_0", "1_000.00", "٣٠.00", "NaN", "Infinity"])
def test_money_refuses_non_ascii_digits_and_underscores(text: str) -> None:
    with pytest.raises(errors.InvalidInputError, match="ytd_allowed"):
        coerce_money(text, field="ytd_allowed")
    with pytest.raises(errors.InvalidInputError):
        Visit.from_dict(
            {
                "date_of_service": DOS,
                "services": [{"code": "97530", "minutes": 30}],
                "ytd_allowed": text,
            }
        )


@pytest.mark.parametrize(
    ("given", "echo"),
    [
        ("-0.0", "0.00"),
        ("-0", "0.00"),
        (Decimal("-0.00"), "0.00"),
        ("1e2", "100.00"),
        ("1E+3", "1000.00"),
        ("2330", "2330.00"),
        (2330, "2330.00"),
        ("2330.5", "2330.50"),
        ("2330.500", "2330.50"),
        (" 12.30 ", "12.30"),
        (Decimal("2.5E+1"), "25.00"),
    ],
)
def test_money_echoes_canonically(given: object, echo: str) -> None:
    assert str(coerce_money(given, field="ytd_allowed")) == echo
    visit = Visit.from_dict(
        {
            "date_of_service": DOS,
            "services": [{"code": "97530", "minutes": 30}],
            "ytd_allowed": given,
            "visit_allowed": given,
        }
    )
    assert visit.to_dict()["ytd_allowed"] == echo
    assert visit.to_dict()["visit_allowed"] == echo
    report = audit_visit(visit)
    assert report.to_dict()["visit"]["ytd_allowed"] == echo
    assert report.to_dict()["kx"]["ytd_allowed"] == echo
    assert assess_kx(given, on=DOS).to_dict()["ytd_allowed"] == echo


def test_money_still_refuses_floats_and_sub_cent_amounts() -> None:
    with pytest.raises(errors.InvalidTypeError, match="never a float"):
        coerce_money(100.0, field="ytd_allowed")
    with pytest.raises(errors.InvalidInputError, match="two decimal places"):
        coerce_money("0.001", field="ytd_allowed")
    with pytest.raises(errors.InvalidInputError, match="between 0"):
        coerce_money("-0.01", field="ytd_allowed")
    with pytest.raises(errors.InvalidInputError, match="between 0"):
        coerce_money("1e999999", field="ytd_allowed")


@settings(max_examples=100, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False),
    st.sampled_from(["plain", "exp", "neg_zero_pad"]),
)
def test_money_echo_is_canonical_for_any_spelling(amount: Decimal, spelling: str) -> None:
    text = {"plain": str(amount), "exp": f"{amount:E}", "neg_zero_pad": f"{amount}0"}[spelling]
    got = coerce_money(text, field="ytd_allowed")
    assert got == amount
    assert str(got) == f"{amount:.2f}"


# -- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["2024-W27-1", "2024W271", "20240701", "2024-07-0١", "２０２４-07-01", "2024-7-1", "2024-183"],
)
def test_dates_are_yyyy_mm_dd_only(text: str) -> None:
    with pytest.raises(errors.InvalidDateError, match="YYYY-MM-DD"):
        coerce_date(text)
    with pytest.raises(errors.InvalidDateError):
        Visit.from_dict({"date_of_service": text, "services": [{"code": "97530", "minutes": 30}]})


def test_iso_dates_still_read() -> None:
    assert coerce_date(" 2024-07-01 ") == date(2024, 7, 1)
    assert coerce_date(datetime(2024, 7, 1, 9, 30)) == date(2024, 7, 1)
    with pytest.raises(errors.InvalidDateError, match="calendar date"):
        coerce_date("2024-02-30")


def test_pandas_nat_and_timestamps() -> None:
    pd = pytest.importorskip("pandas")
    assert coerce_date(pd.Timestamp("2024-07-01")) == date(2024, 7, 1)
    for call in (
        lambda: coerce_date(pd.NaT),
        lambda: coerce_date(pd.NaT, field="date_of_service", default_today=False),
        lambda: check_bundling(["97530"], on=pd.NaT),
        lambda: lookup("97530", on=pd.NaT),
        lambda: Visit(pd.NaT, [{"code": "97530", "minutes": 30}]),
    ):
        with pytest.raises(errors.InvalidTypeError, match="missing"):
            call()


@pytest.mark.parametrize("value", [None, 20240701, 2024.5, b"2024-07-01", object(), ["2024-07-01"]])
def test_non_dates_where_a_date_is_required_are_typed_errors(value: Any) -> None:
    with pytest.raises(errors.InvalidTypeError, match="date_of_service"):
        coerce_date(value, field="date_of_service", default_today=False)
    with pytest.raises(errors.OTBillingError):
        Visit(value, [{"code": "97530", "minutes": 30}])


def test_none_still_means_today_where_the_date_is_optional() -> None:
    assert coerce_date(None) == date.today()


# -- the invariant --------------------------------------------------------------------

_mixed = st.text(
    alphabet=st.sampled_from([*LOOK_ALIKES, "X", "S", "G", "O", "0", "9", "7", ".", "-", "é", "٣"]),
    min_size=1,
    max_size=6,
) | st.text(min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(_mixed)
def test_no_non_ascii_text_normalises_to_a_valid_value(text: str) -> None:
    assume(not text.strip().isascii())
    with pytest.raises(errors.InvalidModifierError):
        normalize_modifiers([text])
    with pytest.raises(errors.InvalidCodeError):
        normalize_code(text)
    assert not is_valid_code(text)
    with pytest.raises(errors.InvalidInputError):
        coerce_money(text, field="ytd_allowed")
    with pytest.raises(errors.InvalidDateError):
        coerce_date(text)
    with pytest.raises(errors.InvalidOptionError):
        coerce_enum(Setting, text, field="setting")
    rows = [{"visit_id": "v", "date_of_service": DOS, "code": "97530", "minutes": text}]
    (result,) = visits_from_rows(rows)
    assert isinstance(result, errors.DataFileError)
