"""MUE tables by release: the 2024-07-01 and 2026-04-01 CMS MUE files, each
table carrying its own release (CMS NCCI MUE files effective 07-01-2024 and
04-01-2026, practitioner and outpatient-hospital services; NCCI Policy Manual
Ch. I — MUEs are applied by date of service)."""

from __future__ import annotations

from datetime import date

import pytest

import ot_billing_rules as ob


@pytest.fixture(scope="module")
def edits() -> ob.EditSet:
    return ob.EditSet.bundled()


@pytest.mark.parametrize("setting", ["practitioner", "outpatient_hospital"])
def test_92972_value_changes_between_releases(edits: ob.EditSet, setting: str) -> None:
    # 92972: MUE 1 in the 2024-07-01 tables, 3 in the 2026-04-01 tables (both settings).
    old = edits.mue("92972", on="2024-08-01", setting=setting)
    new = edits.mue("92972", on="2026-05-04", setting=setting)
    assert (old.value, old.effective) == (1, date(2024, 7, 1))
    assert (new.value, new.effective) == (3, date(2026, 4, 1))


def test_between_releases_the_older_table_applies(edits: ob.EditSet) -> None:
    # The quarters 2024-10 .. 2026-01 are not held: the newest release on or before applies.
    assert edits.mue("92972", on="2026-03-31").value == 1


def test_code_dropped_from_newer_table_has_no_mue_then(edits: ob.EditSet) -> None:
    # 92590 has an MUE of 0 in the 2024 tables and no row in the 2026 ones.
    assert edits.mue("92590", on="2024-08-01").value == 0
    assert edits.mue("92590", on="2026-05-04") is None


def test_code_new_in_2026_table(edits: ob.EditSet) -> None:
    assert edits.mue("98981", on="2026-05-04").value == 3
    assert edits.mue("98981", on="2024-08-01") is None


def test_2026_visit_checks_the_2026_mue() -> None:
    on26 = ob.check_bundling([ob.ServiceLine("92972", 3)], on="2026-05-04", discipline=None)
    assert "ncci.mue" not in [f.rule for f in on26]
    on24 = ob.check_bundling([ob.ServiceLine("92972", 3)], on="2024-08-01", discipline=None)
    (hit,) = [f for f in on24 if f.rule == "ncci.mue"]
    assert "MUE of 1" in hit.message
    assert hit.source.endswith("release 2024-07-01")
    over = ob.check_bundling([ob.ServiceLine("92972", 4)], on="2026-05-04", discipline=None)
    (hit,) = [f for f in over if f.rule == "ncci.mue"]
    assert "MUE of 3" in hit.message
    assert hit.source.endswith("release 2026-04-01")


def test_stale_names_the_table() -> None:
    # 2026-05: the MUE table of 2026-04-01 is current, the PTP table of 2024-07-01 is not.
    found = ob.check_bundling(["97530:GO"], on="2026-05-04")
    stale = [f for f in found if f.rule == "ncci.stale"]
    assert len(stale) == 1
    assert "PTP table" in stale[0].message
    assert "MUE" not in stale[0].message
    # 2025-03: both tables in force are the 2024-07-01 ones, both stale.
    found = ob.check_bundling(["97530:GO"], on="2025-03-03")
    names = sorted(f.message.split(" of the ")[1].split(" ")[0] for f in found)
    assert names == ["MUE", "PTP"]
    # 2024-08: nothing stale, nothing uncovered.
    assert ob.check_bundling(["97530:GO"], on="2024-08-01") == ()


def test_date_before_oldest_release_is_not_covered() -> None:
    found = ob.check_bundling(["97530:GO"], on="2018-06-01")
    (gap,) = [f for f in found if f.rule == "ncci.uncovered"]
    assert "2024-07-01" in gap.message
    assert "MUE" in gap.message
    assert ob.rule("ncci.uncovered").severity is ob.Severity.INFO


def test_data_version_lists_each_table_release() -> None:
    files = {f.name: f.release for f in ob.data_version().files}
    assert files["ncci_mue_2024-07-01.csv"] == "2024-07-01"
    assert files["ncci_mue_2026-04-01.csv"] == "2026-04-01"
    assert files["ncci_ptp_2024-07-01.csv"] == "2024-07-01"


def test_sources_list_both_mue_releases(edits: ob.EditSet) -> None:
    got = sorted((s.kind, s.setting.value, s.release, s.rows) for s in edits.sources)
    assert ("mue", "practitioner", "2026-04-01", 346) in got
    assert ("mue", "outpatient_hospital", "2026-04-01", 346) in got
    assert ("ptp", "practitioner", "2024-07-01", 4409) in got
