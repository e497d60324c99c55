"""KX threshold data and checks: golden values per year from the research data."""

from __future__ import annotations

import json
import pickle
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ot_billing_rules import errors
from ot_billing_rules.thresholds import assess_kx, check_kx, kx_threshold, kx_years

# rules/bundling.md §5.1 table, 2026 confirmed in §10.4 (CR 14252).
GOLDEN = {
    2018: 2010,
    2019: 2040,
    2020: 2080,
    2021: 2110,
    2022: 2150,
    2023: 2230,
    2024: 2330,
    2025: 2410,
    2026: 2480,
}
SHARED = Path(__file__).resolve().parents[2] / "data" / "sources" / "project" / "kx_thresholds.json"


@pytest.mark.parametrize(("year", "amount"), sorted(GOLDEN.items()))
@pytest.mark.parametrize("discipline", ["OT", "PT", "SLP"])
def test_golden_amounts(year: int, amount: int, discipline: str) -> None:
    t = kx_threshold(year, discipline)
    assert t is not None
    assert t.amount == Decimal(amount)
    assert t.bucket == ("OT" if discipline == "OT" else "PT_SLP")
    assert t.targeted_review == Decimal(3000)
    assert t.source
    assert t.grade in {"B", "C"}


@pytest.mark.skipif(not SHARED.exists(), reason="shared research data not present")
def test_package_data_matches_research_data() -> None:
    raw = json.loads(SHARED.read_text("utf-8"))
    for row in raw["kx_thresholds"]:
        ot = kx_threshold(row["year"], "OT")
        pt = kx_threshold(row["year"], "PT")
        assert ot is not None
        assert pt is not None
        assert (ot.amount, pt.amount) == (Decimal(row["ot"]), Decimal(row["pt_slp_combined"]))


def test_years_and_unknown_year() -> None:
    # Therapy caps 2006-2017 (2008 and 2009 unsourced), KX thresholds 2018-2026.
    assert kx_years() == (2006, 2007, *range(2010, 2027))
    assert kx_threshold(2008) is None
    assert kx_threshold(2005) is None
    assert kx_threshold(2027) is None
    assert kx_threshold(on="2024-12-31").year == 2024  # type: ignore[union-attr]


def test_at_threshold_no_kx_one_cent_above_kx() -> None:
    assert [f.rule for f in check_kx("2330.00", year=2024)] == ["kx.below_threshold"]
    assert [f.rule for f in check_kx("2330.01", year=2024)] == ["kx.threshold_reached"]
    assert [f.rule for f in check_kx("2300", "30", year=2024)] == ["kx.below_threshold"]
    assert [f.rule for f in check_kx("2300", "30.01", year=2024)] == ["kx.threshold_reached"]


def test_targeted_review_above_3000_only() -> None:
    assert "kx.targeted_review" not in [f.rule for f in check_kx(3000, year=2025)]
    rules = [f.rule for f in check_kx("2999.99", "0.02", year=2025)]
    assert rules == ["kx.threshold_reached", "kx.targeted_review"]


def test_year_unknown_is_a_finding_and_threshold_override() -> None:
    (f,) = check_kx(5000, on=date(2030, 3, 1))
    assert f.rule == "kx.year_unknown"
    assert f.severity.value == "warning"
    rules = [f.rule for f in check_kx(2600, year=2030, threshold="2550")]
    assert rules == ["kx.threshold_reached"]


def test_assessment_fields() -> None:
    a = assess_kx("2300.00", "75.00", year=2024, discipline="SLP")
    assert a.total == Decimal("2375.00")
    assert a.kx_required is True
    assert a.threshold is not None
    assert a.threshold.bucket == "PT_SLP"
    assert a.to_dict()["total"] == "2375.00"
    assert "KX" in a.explanation
    assert pickle.loads(pickle.dumps(a)) == a


def test_visit_amount_unknown_is_said() -> None:
    (f,) = check_kx(2000, year=2024)
    assert "not given" in f.message
    assert "$330.00" in f.message


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        ((2000.0,), {"year": 2024}, errors.InvalidTypeError),
        (("-1",), {"year": 2024}, errors.InvalidInputError),
        (("12.345",), {"year": 2024}, errors.InvalidInputError),
        (("abc",), {"year": 2024}, errors.InvalidInputError),
        (("NaN",), {"year": 2024}, errors.InvalidInputError),
        ((100,), {"year": 2024, "discipline": "OTA"}, errors.InvalidOptionError),
        ((100,), {"year": 2024, "on": "2025-01-01"}, errors.InvalidInputError),
        ((100,), {"year": True}, errors.InvalidTypeError),
    ],
)
def test_bad_input(args: tuple[object, ...], kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        check_kx(*args, **kwargs)  # type: ignore[arg-type]
