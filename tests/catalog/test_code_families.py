"""Code families come from the catalog: unit basis, once-per-day base codes, Medicare replacements.

The tables below are the golden of that change: written out from the
CPT/HCPCS descriptors, they are what the library hard-coded before the
catalog carried the columns, and every rule family must still see them.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import UnitBasis, bundling, catalog, strategies
from ot_billing_rules.units import _families

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "scripts" / "build_data.py"
SOURCES = ROOT / "data" / "sources"
TABLE = "project/code_catalog.json"

#: (basis, base, add-on, base minutes, add-on minutes) from the descriptors.
FAMILIES = {
    # 97129 first 15 minutes, 97130 each additional 15 minutes (CPT 2020)
    (UnitBasis.COGNITIVE, "97129", "97130", 15, 15),
    # 97545 initial 2 hours, 97546 each additional hour
    (UnitBasis.HOURS, "97545", "97546", 120, 60),
    # 97550 first 30 minutes, 97551 each additional 15 minutes (CPT 2024)
    (UnitBasis.CAREGIVER, "97550", "97551", 30, 15),
    # G0541 first 30 minutes, G0542 each additional 15 minutes (HCPCS 2025)
    (UnitBasis.CAREGIVER, "G0541", "G0542", 30, 15),
}

#: bundling.ONCE_PER_DAY as it was written out before the catalog held it.
ONCE_PER_DAY = {"97129": "97130", "97545": "97546", "97550": "97551", "G0541": "G0542"}

#: Timed codes that are neither plain 15-minute codes nor in a family: time
#: counted per calendar month (RTM 98979/98980/98981, DMHT G0553/G0554).
MONTHLY = {"98979", "98980", "98981", "G0553", "G0554"}


# -- the catalog's columns -------------------------------------------------------------------


def test_catalog_families_equal_the_descriptor_table() -> None:
    found = {
        (f.basis, f.base, f.add_on, f.base_minutes, f.add_on_minutes) for f in _families.families()
    }
    assert found == FAMILIES
    for basis, base, add_on, _, _ in FAMILIES:
        fam = _families.family_of(base)
        assert fam is not None
        assert fam is _families.family_of(add_on)
        assert (fam.basis, fam.base, fam.add_on) == (basis, base, add_on)
    assert _families.family_of("97110") is None
    assert _families.family_of("98981") is None  # an add-on pair, but counted per month


def test_every_code_keeps_its_unit_basis() -> None:
    # The rule basis_of applied before the catalog stored the basis.
    in_family = {code: basis for basis, *codes, _, _ in FAMILIES for code in codes}
    for entry in ob.codes():
        if entry.code in in_family:
            expected = in_family[entry.code]
        elif not entry.timed:
            expected = UnitBasis.UNTIMED
        elif entry.code in MONTHLY:
            expected = UnitBasis.MONTHLY
        else:
            assert entry.unit_minutes == 15
            assert not entry.add_on_to
            expected = UnitBasis.FIFTEEN
        assert entry.unit_basis is expected, entry.code
        assert _families.basis_of(entry) is expected


def test_derived_once_per_day_equals_the_previous_table() -> None:
    assert dict(bundling.ONCE_PER_DAY) == ONCE_PER_DAY
    assert dict(catalog.once_per_day_families()) == ONCE_PER_DAY
    assert {c.code for c in ob.codes() if c.once_per_day} == set(ONCE_PER_DAY)


def test_medicare_replacement_is_97014_to_g0283_only() -> None:
    assert dict(catalog.medicare_replacements()) == {"97014": ("G0283",)}
    assert dict(bundling._STATUS_I_REPLACEMENT) == {"97014": "G0283"}
    entry = ob.get("97014")
    assert entry is not None
    assert entry.medicare_replacement == ("G0283",)
    # The relation is the CMS status-I row, and the row says so.
    assert entry.medicare_status is ob.FeeScheduleStatus.NOT_VALID_FOR_MEDICARE
    assert "Relative Value File" in entry.source


def test_status_i_advice_names_the_replacement() -> None:
    found = bundling.check_bundling(["97014:GO"], on="2024-07-01")
    invalid = [f for f in found if f.rule == "status.invalid"]
    assert len(invalid) == 1
    assert "bill G0283 instead" in invalid[0].suggestion


def test_code_fields_are_typed_and_in_to_dict() -> None:
    entry = ob.lookup("97550", on="2024-07-01")
    assert entry.unit_basis is UnitBasis.CAREGIVER
    assert entry.once_per_day is True
    assert entry.medicare_replacement == ()
    d = entry.to_dict()
    assert (d["unit_basis"], d["once_per_day"], d["medicare_replacement"]) == (
        "caregiver",
        True,
        [],
    )
    assert json.loads(json.dumps(ob.get("97014").to_dict()))["medicare_replacement"] == [  # type: ignore[union-attr]
        "G0283"
    ]
    assert pickle.loads(pickle.dumps(entry)) == entry


def test_unit_basis_is_never_guessed_for_a_hand_built_code() -> None:
    fields = ob.get("97110").to_dict()  # type: ignore[union-attr]
    with pytest.raises(TypeError, match="unit_basis"):
        catalog.Code(  # type: ignore[call-arg]
            code="97110",
            description=fields["description"],
            category=catalog.Category.THERAPEUTIC_PROCEDURE,
            timed=True,
            unit_minutes=15,
            add_on_to=(),
            effective=date.min,
            deleted=None,
            replaced_by=(),
            medicare_status=None,
            therapy_list=catalog.TherapyList.ALWAYS,
            source="",
        )


# -- consumers -------------------------------------------------------------------------------


def test_strategies_plain_timed_codes_are_the_fifteen_basis() -> None:
    for day in (date(2016, 6, 1), date(2019, 6, 1), date(2024, 7, 1), date(2026, 6, 1)):
        expected = {c.code for c in ob.codes(on=day) if c.unit_basis is UnitBasis.FIFTEEN}
        assert set(strategies._plain_timed(day)) == expected
    # G0515 (Medicare, each 15 minutes, 2018-2019) is a plain 15-minute code
    # like 97532 before it; it was left out of the strategies by hand before.
    assert "G0515" in strategies._plain_timed(date(2019, 6, 1))
    assert "97129" not in strategies._plain_timed(date(2024, 7, 1))


@given(strategies.sessions(effective_on="2019-06-01"))
def test_sessions_of_2019_are_accepted_and_pooled(minutes: dict[str, int]) -> None:
    a = ob.compute_units(minutes, on="2019-06-01")
    assert a.total_timed_units == ob.cms_units(sum(minutes.values()))


@given(
    st.sampled_from(sorted(FAMILIES)),
    st.integers(0, 600),
    st.sampled_from(["cms", "ama"]),
)
def test_family_units_never_trip_the_once_per_day_check(
    family: tuple[Any, ...], minutes: int, method: str
) -> None:
    # units and bundling read the same catalog columns: the lines compute_units
    # writes for a family carry its base code at most once.
    base = family[1]
    alloc = ob.compute_units({base: minutes}, on="2025-06-01", method=method)
    assert sum(line.units for line in alloc.lines if line.code == base) <= 1
    found = bundling.check_bundling(alloc.lines, on="2025-06-01")
    assert not [f for f in found if f.rule == "addon.once_per_day"]


def test_importing_the_consumers_reads_no_data() -> None:
    script = (
        "import json\n"
        "import ot_billing_rules.bundling as b\n"
        "import ot_billing_rules.units, ot_billing_rules.strategies\n"
        "from ot_billing_rules import _data\n"
        "before = sorted(_data._cache)\n"
        "once = dict(b.ONCE_PER_DAY)\n"
        "print(json.dumps([before, once, sorted(_data._cache)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    before, once, after = json.loads(done.stdout)
    assert before == []
    assert once == ONCE_PER_DAY
    assert "code_catalog" in after


# -- the builder refuses contradictory columns -----------------------------------------------


def _build_with(tmp_path: Path, code: str, **changes: object) -> subprocess.CompletedProcess[str]:
    """Run build_data.py on a copy of the sources with one row changed (and re-pinned)."""
    import hashlib
    import shutil

    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    path = sources / TABLE
    old = hashlib.sha256(path.read_bytes()).hexdigest()
    rows = json.loads(path.read_text("utf-8"))
    [row] = [r for r in rows if r["code"] == code]
    row.update(changes)
    path.write_text(json.dumps(rows, indent=1), "utf-8")
    new = hashlib.sha256(path.read_bytes()).hexdigest()
    for pins in ("SHA256SUMS", "SOURCES.md"):
        text = (sources / pins).read_text("utf-8")
        (sources / pins).write_text(text.replace(old, new), "utf-8")
    return subprocess.run(
        [sys.executable, str(BUILD), "--sources", str(sources), "--data", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_repinned_unchanged_copy_builds(tmp_path: Path) -> None:
    # The harness itself works: only the changed column makes the cases below fail.
    done = _build_with(tmp_path, "97110")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("code", "changes", "message"),
    [
        ("97110", {"unit_basis": "quarter_hour"}, "code 97110: unit_basis 'quarter_hour'"),
        ("97110", {"unit_basis": None}, "code 97110: unit_basis None is not one of fifteen"),
        ("97165", {"unit_basis": "fifteen"}, "code 97165: unit_basis 'fifteen' contradicts"),
        ("97110", {"unit_basis": "hours"}, "code 97110: unit_basis 'hours' needs exactly one"),
        ("98980", {"unit_basis": "fifteen"}, "code 98980: unit_basis 'fifteen' needs 15 minutes"),
        ("98981", {"unit_basis": "fifteen"}, "code 98981: unit_basis 'fifteen' needs 15 minutes"),
        ("97110", {"once_per_day": True}, "code 97110: once_per_day marks a family's base"),
        ("97130", {"once_per_day": True}, "code 97130: once_per_day marks a family's base"),
        ("97129", {"once_per_day": "yes"}, "code 97129: once_per_day must be true or false"),
        ("97014", {"medicare_replacement": ["G9999"]}, "code 97014: medicare_replacement"),
        ("97014", {"medicare_replacement": "G0283"}, "code 97014: medicare_replacement"),
        ("97014", {"medicare_replacement": ["97014"]}, "code 97014: medicare_replacement"),
        ("97129", {"unit_minutes": None}, "code 97129: timed, but unit_minutes is None"),
    ],
)
def test_builder_refuses_contradictory_family_columns(
    tmp_path: Path, code: str, changes: dict[str, object], message: str
) -> None:
    done = _build_with(tmp_path, code, **changes)
    assert done.returncode != 0
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "out").exists()


def test_builder_lists_the_valid_unit_bases(tmp_path: Path) -> None:
    done = _build_with(tmp_path, "97110", unit_basis="weekly")
    assert done.returncode != 0
    valid = ", ".join(b.value for b in UnitBasis)
    assert f"unit_basis 'weekly' is not one of {valid}" in done.stderr
