"""Medicare fee schedule amounts: fee(), localities(), price_lines().

The oracle is CMS's own published payment files: the 2025 PFS carrier files
for Alabama, PFAL25A.TXT (carrier 10112, locality 00), and Alaska,
PFAK25A.TXT (carrier 02102, locality 01, work GPCI 1.5), whose fields are the
non-facility amount, the facility amount and the "50% Therapy Reduction
Amount". The formula on the RVU and GPCI files must reproduce every one of
them to the cent.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from datetime import date
from decimal import Decimal

import attrs
import pytest

import ot_billing_rules as ob
from ot_billing_rules.errors import FeeNotFoundError, InvalidOptionError
from ot_billing_rules.lines import ClaimLine, ServiceLine
from ot_billing_rules.payment import (
    FeeSchedule,
    fee,
    localities,
    price_lines,
    sequestration_rate,
)

AL = "10112-00"
D = Decimal

# code, non-facility, facility, 50% therapy reduction amount (0.00: no MPPR)
PFAL25A = (
    ("97012", "13.33", "13.33", "10.80"),
    ("97016", "10.79", "10.79", "8.40"),
    ("97018", "5.50", "5.50", "3.81"),
    ("97022", "14.12", "14.12", "9.90"),
    ("97024", "6.34", "6.34", "4.23"),
    ("97026", "6.06", "6.06", "4.09"),
    ("97028", "7.27", "7.27", "5.02"),
    ("97032", "13.33", "13.33", "10.80"),
    ("97033", "17.31", "17.31", "12.95"),
    ("97034", "12.60", "12.60", "9.79"),
    ("97035", "12.88", "12.88", "9.93"),
    ("97036", "30.89", "30.89", "20.07"),
    ("97110", "26.83", "26.83", "20.79"),
    ("97112", "29.85", "29.85", "23.11"),
    ("97113", "33.70", "33.70", "24.71"),
    ("97116", "26.83", "26.83", "20.79"),
    ("97124", "27.25", "27.25", "19.38"),
    ("97129", "20.86", "20.58", "0.00"),
    ("97130", "19.93", "19.93", "0.00"),
    ("97140", "25.34", "25.34", "19.72"),
    ("97150", "16.31", "16.31", "12.94"),
    ("97161", "91.32", "91.32", "70.94"),
    ("97162", "91.32", "91.32", "70.94"),
    ("97163", "91.32", "91.32", "70.94"),
    ("97164", "62.63", "62.63", "47.03"),
    ("97165", "93.56", "93.56", "72.06"),
    ("97166", "93.56", "93.56", "72.06"),
    ("97167", "93.56", "93.56", "72.06"),
    ("97168", "64.22", "64.22", "47.91"),
    ("97530", "31.85", "31.85", "23.13"),
    ("97533", "54.50", "54.50", "35.11"),
    ("97535", "29.64", "29.64", "22.19"),
    ("97537", "29.49", "29.49", "22.60"),
    ("97542", "28.64", "28.64", "22.18"),
    ("97550", "49.21", "42.74", "0.00"),
    ("97551", "24.40", "22.99", "0.00"),
    ("97552", "19.99", "9.87", "0.00"),
    ("97597", "86.83", "32.30", "0.00"),
    ("97598", "39.31", "21.88", "0.00"),
    ("97605", "38.78", "22.76", "0.00"),
    ("97606", "46.02", "24.65", "0.00"),
    ("97750", "30.76", "30.76", "22.75"),
    ("97755", "35.04", "35.04", "27.74"),
    ("97760", "41.94", "41.94", "29.15"),
    ("97761", "37.16", "37.16", "26.76"),
)


PFAK25A = (
    ("97022", "18.93", "18.93", "13.68"),
    ("97024", "8.35", "8.35", "5.73"),
    ("97026", "8.00", "8.00", "5.55"),
    ("97028", "9.67", "9.67", "6.87"),
    ("97032", "18.62", "18.62", "15.47"),
    ("97033", "23.65", "23.65", "18.23"),
    ("97034", "17.37", "17.37", "13.88"),
    ("97035", "17.72", "17.72", "14.05"),
    ("97036", "40.70", "40.70", "27.24"),
    ("97110", "37.06", "37.06", "29.54"),
    ("97112", "41.24", "41.24", "32.84"),
    ("97113", "45.86", "45.86", "34.67"),
    ("97116", "37.06", "37.06", "29.54"),
    ("97124", "36.75", "36.75", "26.96"),
    ("97129", "30.05", "29.70", "0.00"),
    ("97130", "28.73", "28.73", "0.00"),
    ("97140", "35.04", "35.04", "28.05"),
    ("97150", "22.65", "22.65", "18.46"),
    ("97161", "126.19", "126.19", "100.84"),
    ("97162", "126.19", "126.19", "100.84"),
    ("97163", "126.19", "126.19", "100.84"),
    ("97164", "85.77", "85.77", "66.37"),
    ("97165", "128.99", "128.99", "102.24"),
    ("97166", "128.99", "128.99", "102.24"),
    ("97167", "128.99", "128.99", "102.24"),
    ("97168", "87.71", "87.71", "67.43"),
    ("97530", "43.22", "43.22", "32.38"),
    ("97533", "71.73", "71.73", "47.61"),
    ("97535", "40.56", "40.56", "31.29"),
    ("97537", "40.61", "40.61", "32.05"),
    ("97542", "39.57", "39.57", "31.52"),
    ("97550", "69.37", "61.33", "0.00"),
    ("97551", "34.78", "33.04", "0.00"),
    ("97552", "26.74", "14.15", "0.00"),
    ("97597", "114.20", "46.36", "0.00"),
    ("97598", "52.84", "31.16", "0.00"),
    ("97605", "52.75", "32.82", "0.00"),
    ("97606", "62.17", "35.60", "0.00"),
    ("97750", "41.96", "41.96", "31.99"),
    ("97755", "48.65", "48.65", "39.56"),
    ("97760", "56.27", "56.27", "40.36"),
    ("97761", "50.33", "50.33", "37.39"),
    ("97763", "60.55", "60.55", "42.01"),
    ("98975", "21.01", "21.01", "0.00"),
    ("98976", "46.35", "46.35", "0.00"),
    ("98977", "46.35", "46.35", "0.00"),
    ("98980", "61.97", "39.59", "0.00"),
    ("98981", "49.94", "38.75", "0.00"),
)
CARRIER_FILES = [(AL, *row) for row in PFAL25A] + [("02102-01", *row) for row in PFAK25A]


@pytest.mark.parametrize(("locality", "code", "nonfac", "fac", "reduced"), CARRIER_FILES)
def test_formula_reproduces_cms_2025_carrier_file_amounts(
    locality: str, code: str, nonfac: str, fac: str, reduced: str
) -> None:
    full = fee(code, on="2025-06-02", locality=locality)
    facility = fee(code, on="2025-06-02", locality=locality, facility=True)
    assert full.amount == D(nonfac)
    assert facility.amount == D(fac)
    if reduced == "0.00":
        assert not full.mppr
        assert full.reduced_amount == full.amount
    else:
        assert full.mppr
        assert full.reduced_amount == D(reduced)
        assert facility.reduced_amount == D(reduced)


def test_acceptance_97110_alabama() -> None:
    f = fee("97110", on="2025-06-02", locality="10112-00")
    assert (f.amount, f.reduced_amount) == (D("26.83"), D("20.79"))
    assert f.release == "RVU25D"
    assert (f.work_rvu, f.pe_rvu, f.mp_rvu) == (D("0.45"), D("0.43"), D("0.01"))
    assert (f.work_gpci, f.pe_gpci, f.mp_gpci) == (D("1"), D("0.869"), D("0.575"))
    assert f.conversion_factor == D("32.3465")
    assert "RVU25D" in f.source
    assert "10.7" in f.source
    assert "rules/" not in f.source


def test_top_level_names() -> None:
    assert ob.fee is fee
    assert ob.price_lines is price_lines
    assert ob.localities is localities
    assert ob.FeeNotFoundError is FeeNotFoundError


def test_sometimes_therapy_codes_have_no_reduction() -> None:
    for code in ("97129", "97130", "97550", "97551", "97552"):
        f = fee(code, on="2025-06-02", locality=AL)
        assert not f.mppr
        assert f.reduced_amount == f.amount


@pytest.mark.parametrize(
    ("on", "cf", "release"),
    [
        ("2024-01-01", "32.7442", "RVU24A"),
        ("2024-03-08", "32.7442", "RVU24A"),
        ("2024-03-09", "33.2875", "RVU24AR"),
        ("2024-04-01", "33.2875", "RVU24B"),
        ("2024-12-31", "33.2875", "RVU24C"),
        ("2025-01-01", "32.3465", "RVU25D"),
        ("2026-12-31", "33.4009", "RVU26C"),
    ],
)
def test_conversion_factor_by_date_of_service(on: str, cf: str, release: str) -> None:
    f = fee("97530", on=on)
    assert (f.conversion_factor, f.release) == (D(cf), release)


def test_national_amount_uses_gpcis_of_one() -> None:
    f = fee("97530", on="2024-03-09")
    assert f.locality is None
    assert (f.work_gpci, f.pe_gpci, f.mp_gpci) == (1, 1, 1)
    # (0.44 + 0.65 + 0.01) x 33.2875 = 36.61625
    assert f.amount == D("36.62")


def test_qp_conversion_factor_2026() -> None:
    assert fee("97110", on="2026-06-01", qp=True).conversion_factor == D("33.5675")
    assert fee("97110", on="2026-06-01").conversion_factor == D("33.4009")
    # Before 2026 there is one CF for everyone.
    assert fee("97110", on="2025-06-01", qp=True).conversion_factor == D("32.3465")


def test_2026_rvus_differ_from_2025() -> None:
    assert fee("97165", on="2026-02-02").mp_rvu == D("0.01")
    assert fee("97165", on="2025-02-02").mp_rvu == D("0.04")


@pytest.mark.parametrize("on", ["2023-12-31", "2027-01-01"])
def test_date_without_release_is_an_error_not_another_year(on: str) -> None:
    with pytest.raises(FeeNotFoundError, match=r"no fee schedule release covers") as info:
        fee("97110", on=on)
    assert info.value.code is None
    assert info.value.release is None
    assert "RVU24A" in str(info.value)
    assert "RVU26C" in str(info.value)


def test_code_without_row_or_unpaid_status() -> None:
    with pytest.raises(FeeNotFoundError, match="97014 has status I"):
        fee("97014", on="2025-06-02")
    with pytest.raises(FeeNotFoundError, match="status C"):
        fee("97039", on="2025-06-02")
    with pytest.raises(FeeNotFoundError, match="no row in fee schedule release RVU25D") as info:
        fee("99213", on="2025-06-02")
    assert info.value.code == "99213"
    assert info.value.release == "RVU25D"


def test_unknown_locality_names_it_and_how_to_list() -> None:
    with pytest.raises(InvalidOptionError, match=r"'10112-99'.*localities\(on=") as info:
        fee("97110", on="2025-06-02", locality="10112-99")
    assert AL in info.value.valid
    assert len(info.value.valid) == 109


def test_localities_by_state_and_county() -> None:
    assert len(localities(on="2025-01-01")) == 109
    assert len(localities(on="2026-01-01")) == 109
    assert [loc.id for loc in localities(on="2025-06-02", state="al")] == [AL]
    kern = localities(on="2025-06-02", state="CA", county="Kern")
    assert [loc.id for loc in kern] == ["01112-54"]
    # A county no locality names falls in the state's rest-of-state locality.
    assert [loc.id for loc in localities(on="2025-06-02", state="CA", county="Alpine")] == [
        "01112-75"
    ]
    assert localities(on="2025-06-02", state="AL")[0].counties == "ALL COUNTIES"
    # Without a state, only localities naming the county match.
    assert [loc.id for loc in localities(on="2025-06-02", county="Marin")] == ["01112-52"]
    assert localities(on="2025-06-02", county="Nowhere") == ()


def test_county_lookup_needs_a_county_file() -> None:
    with pytest.raises(ob.InvalidInputError, match="no locality/county file"):
        localities(on="2026-06-02", state="CA", county="Kern")


def test_gpcis_change_by_year() -> None:
    assert fee("97110", on="2026-06-02", locality=AL).pe_gpci == D("0.875")
    assert fee("97110", on="2024-06-03", locality=AL).pe_gpci == D("0.869")


# ------------------------------------------------------------------ price_lines


def test_mppr_worked_example() -> None:
    # 97530x2 and 97110x2, Alabama 2025: 97530 has the highest PE (0.62), so
    # one 97530 unit is paid in full; the other three units are reduced.
    p = price_lines(["97110x2:GO", "97530x2:GO"], on="2025-06-02", locality=AL)
    one, two = p.lines
    assert (one.full_units, one.reduced_units, one.fee_schedule_amount) == (0, 2, D("41.58"))
    assert (two.full_units, two.reduced_units, two.fee_schedule_amount) == (1, 1, D("54.98"))
    assert p.allowed == D("96.56")
    # Coinsurance is rounded per line (8.32 + 11.00), not on the visit total
    # (19.31): Medicare adjudicates each line.
    assert p.coinsurance == D("19.32")
    assert p.sequestration_rate == D("0.02")
    assert p.kx_amounts == {"OT": D("96.56")}
    assert "therapy MPPR" in p.explanation


def test_mppr_pools_disciplines_and_keeps_buckets_apart() -> None:
    p = price_lines(["97110:GP", "97530:GO", "92526:GN"], on="2025-06-02", locality=AL)
    assert sum(line.full_units for line in p.lines) == 1
    assert set(p.kx_amounts) == {"OT", "PT_SLP"}
    assert p.kx_amounts["OT"] + p.kx_amounts["PT_SLP"] == p.allowed


def test_tie_on_pe_goes_to_highest_total() -> None:
    # 97161 and 97165 both carry PE 1.53 in 2025; 97165 has the higher work
    # and MP, so the higher total, and keeps the full unit.
    p = price_lines(["97161:GP", "97165:GO"], on="2025-06-02", locality=AL)
    pt, ot = p.lines
    assert (ot.full_units, pt.full_units) == (1, 0)


def test_unit_with_highest_pe_is_paid_in_full_whatever_the_order() -> None:
    a = price_lines(["97530:GO", "97760:GO"], on="2025-06-02", locality=AL)
    b = price_lines(["97760:GO", "97530:GO"], on="2025-06-02", locality=AL)
    assert a.allowed == b.allowed
    assert [line.full_units for line in a.lines] == [0, 1]


def test_lines_outside_mppr_are_paid_in_full() -> None:
    p = price_lines(["97129:GO", "97130:GO", "97110x2:GO"], on="2025-06-02", locality=AL)
    assert [line.reduced_units for line in p.lines] == [0, 0, 1]


def test_lower_of_charge_and_fee_schedule() -> None:
    p = price_lines(["97110x2:GO", "97530:GO"], on="2025-06-02", locality=AL,
                    charges=["30.00", None])  # fmt: skip
    assert p.lines[0].fee_schedule_amount == D("41.58")
    assert p.lines[0].allowed == D("30.00")
    assert p.kx_amounts["OT"] == D("30.00") + D("31.85")


def test_assistant_reduction_after_mppr_before_sequestration() -> None:
    p = price_lines(["97530:GO,CO"], on="2025-06-02", locality=AL)
    line = p.lines[0]
    assert line.allowed == D("31.85")
    assert line.coinsurance == D("6.37")
    # 80% of 31.85 = 25.48; 15% of it = 3.82; 2% of 21.66 = 0.43.
    assert line.assistant_reduction == D("3.82")
    assert line.sequestration == D("0.43")
    assert line.paid == D("21.23")
    # The KX accrual is the allowed amount, not the reduced payment.
    assert p.kx_amounts == {"OT": D("31.85")}


def _moved(start: date, end: date) -> FeeSchedule:
    """The RVU25D values, re-dated: to test rules of other years."""
    release = FeeSchedule.bundled().release_for("2025-06-02")
    return FeeSchedule((attrs.evolve(release, start=start, end=end),))


def test_assistant_reduction_starts_2022() -> None:
    sched = _moved(date(2021, 1, 1), date(2022, 12, 31))
    before = price_lines(["97530:CO"], on="2021-12-31", schedule=sched)
    after = price_lines(["97530:CO"], on="2022-01-03", schedule=sched)
    assert before.assistant_reduction == 0
    assert after.assistant_reduction > 0


@pytest.mark.parametrize(
    ("on", "rate"),
    [
        ("2013-03-29", "0"),
        ("2013-04-01", "0.02"),
        ("2020-04-30", "0.02"),
        ("2020-05-01", "0"),
        ("2022-03-31", "0"),
        ("2022-04-01", "0.01"),
        ("2022-06-30", "0.01"),
        ("2022-07-01", "0.02"),
        ("2026-01-01", "0.02"),
    ],
)
def test_sequestration_rate_by_date(on: str, rate: str) -> None:
    assert sequestration_rate(on) == D(rate)


def test_sequestration_applied_by_date() -> None:
    sched = _moved(date(2022, 1, 1), date(2022, 12, 31))
    moratorium = price_lines(["97110:GO"], on="2022-03-31", schedule=sched)
    one = price_lines(["97110:GO"], on="2022-05-02", schedule=sched)
    assert moratorium.sequestration == 0
    # National 97110: 0.89 RVUs x 32.3465 = 28.79; 1% of 80% of it = 0.23032.
    assert one.sequestration == D("0.23")


@pytest.mark.parametrize(
    ("claim", "share", "reduced"),
    [("professional", "0.8", "24.41"), ("institutional", "0.75", "23.81")],
)
def test_mppr_before_april_2013(claim: str, share: str, reduced: str) -> None:
    sched = _moved(date(2012, 1, 1), date(2013, 12, 31))
    f = fee("97110", on="2013-03-29", locality=AL, schedule=sched, claim=claim)
    assert f.mppr_pe_share == D(share)
    # (0.45 + 0.43 x share x 0.869 + 0.00575) x 32.3465
    assert f.reduced_amount == D(reduced)
    assert fee("97110", on="2013-04-01", locality=AL, schedule=sched).reduced_amount == D("20.79")


def test_no_mppr_before_2011() -> None:
    sched = _moved(date(2010, 1, 1), date(2010, 12, 31))
    assert not fee("97110", on="2010-06-01", schedule=sched).mppr


def test_unpriced_lines_are_reported_not_dropped() -> None:
    p = price_lines(["97014:GO", "97110:GO"], on="2025-06-02", locality=AL)
    assert [line.priced for line in p.lines] == [False, True]
    assert p.unpriced[0].line.code == "97014"
    assert "status I" in p.unpriced[0].note
    assert "97014" in p.explanation
    assert p.allowed == D("26.83")


def test_date_without_release_in_price_lines() -> None:
    with pytest.raises(FeeNotFoundError):
        price_lines(["97110:GO"], on="2027-02-01")


def test_line_forms_and_discipline_bucket() -> None:
    forms = [
        ServiceLine("97110", 1, ()),
        ClaimLine("97530", 1, ()),
        ("97140", 1),
        {"code": "97112"},
    ]
    p = price_lines(forms, on="2025-06-02", discipline="PT")
    assert p.kx_amounts == {"PT_SLP": p.allowed}
    none = price_lines(["97110"], on="2025-06-02")
    assert none.kx_amounts == {}
    assert "no KX threshold" in none.explanation


def test_to_dict_html_and_pickle() -> None:
    p = price_lines(["97110x2:GO", "97014:GO"], on="2025-06-02", locality=AL,
                    charges=[100, None])  # fmt: skip
    d = p.to_dict()
    assert d["allowed"] == "47.62"
    assert d["lines"][0]["fee"]["amount"] == "26.83"
    assert d["lines"][1]["fee"] is None
    assert "<table>" in p._repr_html_()
    assert "97110x2:GO" in p._repr_html_()
    assert pickle.loads(pickle.dumps(p)) == p
    f = fee("97110", on="2025-06-02")
    assert f.to_dict()["on"] == "2025-06-02"
    assert "<table>" in f._repr_html_()


def test_bundled_data_has_no_descriptors_and_keeps_the_notice() -> None:
    for release in FeeSchedule.bundled().releases:
        assert any("American Medical Association" in n for n in release.notice)
    text = (
        __import__("importlib.resources").resources.files("ot_billing_rules")
        .joinpath("_data/pfs_fees.json").read_text("utf-8")
    )  # fmt: skip
    assert "Therapeutic" not in text
    assert "therapeutic" not in text


def test_pricing_pickles_into_a_fresh_process() -> None:
    p = price_lines(["97110x2:GO", "97530:GO,CO"], on="2025-06-02", locality=AL)
    code = (
        "import pickle, sys\n"
        "p = pickle.loads(sys.stdin.buffer.read())\n"
        "print(p.allowed, p.paid, p.lines[1].fee.reduced_amount, p.kx_amounts['OT'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(p), capture_output=True, check=True
    )
    assert out.stdout.decode().split() == [
        str(p.allowed),
        str(p.paid),
        "23.13",
        str(p.kx_amounts["OT"]),
    ]


def test_payment_neutral_modifiers_never_move_the_full_pe_unit() -> None:
    # Found by the audit-pricing property: the same code split into a therapist
    # line and a CO line tie on PE and amount; KX used to flip the tie.
    plain = price_lines(["97760x3:GO", "97760x1:GO,CO"], on="2024-01-01", locality="01112-05")
    with_kx = price_lines(
        ["97760x3:GO,KX", "97760x1:GO,CO,KX"], on="2024-01-01", locality="01112-05"
    )
    assert plain.paid == with_kx.paid
    # The CO line takes the full unit (inferred, never overstates the payment).
    assert [(p.full_units, p.reduced_units) for p in with_kx.lines] == [(0, 3), (1, 0)]
    # Line order never decides it either.
    reverse = price_lines(
        ["97760x1:GO,CO,KX", "97760x3:GO,KX"], on="2024-01-01", locality="01112-05"
    )
    assert reverse.paid == with_kx.paid


def test_lines_differing_only_in_discipline_modifier_price_the_same_in_any_order() -> None:
    # Found by the order property: the tie between two lines of one code must
    # still look at modifiers that change the KX bucket (GN vs none).
    lines = ["92521x1:GN", "92521x1"]
    one = price_lines(lines, on="2025-06-02", locality="10112-00", discipline="OT")
    other = price_lines(lines[::-1], on="2025-06-02", locality="10112-00", discipline="OT")
    assert (one.paid, one.kx_amounts) == (other.paid, other.kx_amounts)
