"""KX thresholds and therapy caps by year (SSA §1833(g); BBA 1997 §4541, DRA 2005
§5107, MCTRJCA 2012 §3005, MACRA 2015 §202, BBA 2018 §50202; 42 USC
1395l(g)(7)(B); CMS Medical Review: Therapy Cap page; per-year sources in the data)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ot_billing_rules as ob
from ot_billing_rules import Evidence


def test_2017_is_the_cap_of_1980() -> None:
    cap = ob.kx_threshold(2017)
    assert cap is not None
    assert (cap.kind, cap.amount) == ("cap", Decimal("1980.00"))
    assert cap.manual_review == Decimal("3700.00")
    assert cap.targeted_review is None
    assert cap.to_dict()["kind"] == "cap"


@pytest.mark.parametrize(
    ("year", "amount"),
    [
        (2006, "1740"),
        (2007, "1780"),
        (2010, "1860"),
        (2011, "1870"),
        (2012, "1880"),
        (2013, "1900"),
        (2014, "1920"),
        (2015, "1940"),
        (2016, "1960"),
    ],
)
def test_cap_amounts(year: int, amount: str) -> None:
    cap = ob.kx_threshold(year, "PT")
    assert cap is not None
    assert (cap.kind, cap.amount) == ("cap", Decimal(amount))
    assert cap.bucket == "PT_SLP"
    assert cap.evidence in (Evidence.SOURCE, Evidence.WEAK_SOURCE)


def test_manual_review_only_2012_to_2017() -> None:
    assert ob.kx_threshold(2011).manual_review is None  # type: ignore[union-attr]
    assert ob.kx_threshold(2012).manual_review == Decimal("3700.00")  # type: ignore[union-attr]
    assert ob.kx_threshold(2018).manual_review is None  # type: ignore[union-attr]


def test_thresholds_from_2018() -> None:
    first = ob.kx_threshold(2018)
    assert first is not None
    assert first.kind == "threshold"
    assert "kind" not in first.to_dict()


def test_unsourced_cap_years_are_unknown() -> None:
    assert ob.kx_threshold(2008) is None
    (f,) = ob.check_kx(0, year=2009)
    assert f.rule == "kx.year_unknown"
    assert "2006–2007, 2010–2026" in f.message


def test_targeted_review_threshold_by_year() -> None:
    assert ob.targeted_review_threshold(2018) == Decimal("3000.00")
    assert ob.targeted_review_threshold(2027) == Decimal("3000.00")
    # From 2028 the statute indexes it by the MEI: unknown until a release records it.
    assert ob.targeted_review_threshold(2028) is None
    assert ob.targeted_review_threshold(2017) is None


def test_cap_year_finding_says_cap_and_exceptions() -> None:
    found = ob.check_kx("1970", "20", year=2017)
    assert [f.rule for f in found] == ["kx.threshold_reached"]
    assert "therapy cap" in found[0].message
    assert "exceptions process" in found[0].message
    assert "1833(g)" in found[0].source
    above = ob.check_kx("3700.01", year=2016)
    assert [f.rule for f in above] == ["kx.threshold_reached", "kx.targeted_review"]
    assert "$3,700" in above[1].message or "3700" in above[1].message


def test_bad_year_for_review_threshold() -> None:
    with pytest.raises(ob.OTBillingError):
        ob.targeted_review_threshold("2020")  # type: ignore[arg-type]
