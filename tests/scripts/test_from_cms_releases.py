"""A refreshed quarter *ships*: after ``build_data.py --from-cms`` on a copy of
the repository, a fresh interpreter importing that copy's package applies the
new PTP release and the new PPRRVU release by date of service.

The quarter is synthetic and tiny: PTP tables dated 2026-10-01 that add the
edit 97110/97535 and delete 97150/97530 (live in the bundled 2024-07-01
extract), both MUE tables, and the RVU26C PPRRVU file re-labelled October
with 97530's work RVU raised from 0.44 to 0.50.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.scripts.test_from_cms import CMS, ROOT, SOURCES, run

from ot_billing_rules.ncci._models import MUE, PTPEdit, _ReleasedPTPEdit, pick_mue

PACKAGE = ROOT / "src" / "ot_billing_rules"

pytestmark = pytest.mark.skipif(not SOURCES.is_dir(), reason="data/sources/ not in this checkout")

#: Rows of the new PTP release: an added edit (effective on the release date)
#: and the deletion of a bundled one (deleted the day before the release).
NEW_ROWS = (
    b"97110\t97535\t\t20261001\t*\t0\tMutually exclusive procedures\r\n"
    b"97150\t97530\t\t20200101\t20260930\t1\tMutually exclusive procedures\r\n"
)


def _ptp(fixture: str, dest: Path) -> None:
    # The fixture's notice and wrapped header (six lines), then the new rows.
    head = (CMS / fixture).read_bytes().split(b"\r\n")[:6]
    dest.write_bytes(b"\r\n".join(head) + b"\r\n" + NEW_ROWS)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the package (code and _data) and of data/sources."""
    root = tmp_path / "repo"
    shutil.copytree(SOURCES, root / "data" / "sources")
    shutil.copytree(
        PACKAGE,
        root / "src" / "ot_billing_rules",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return root


@pytest.fixture
def quarter(tmp_path: Path) -> Path:
    q = tmp_path / "cms-2026q4"
    q.mkdir()
    _ptp("ccipra-v302r0-f1.txt", q / "ccipra-v324r0-f1.txt")
    _ptp("ccioph-v302r0-f1.txt", q / "ccioph-v324r0-f1.txt")
    for setting in ("PractitionerServices", "OutpatientHospitalServices"):
        shutil.copy(
            CMS / f"MCR_MUE_{setting}_Eff_07-01-2024.csv",
            q / f"MCR_MUE_{setting}_Eff_10-01-2026.csv",
        )
    rvu = (SOURCES / "pfs" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv").read_bytes()
    rvu = rvu.replace(b"July Release", b"October Release")
    assert b"97530,,,A,,0.44," in rvu
    (q / "PPRRVU2026_Oct_nonQPP.csv").write_bytes(
        rvu.replace(b"97530,,,A,,0.44,", b"97530,,,A,,0.50,")
    )
    return q


#: Run in the copy's package: PTP hits and fees per date, as JSON.
PROBE = """
import json, sys
import ot_billing_rules as o
from ot_billing_rules import check_bundling, fee
from ot_billing_rules.ncci import EditSet
assert o.__file__.startswith(sys.argv[1]), o.__file__
def ptp(codes, on, setting):
    return sorted(
        "/".join(f.codes) for f in check_bundling(codes, on=on, setting=setting)
        if f.rule == "ncci.ptp"
    )
out = {}
for setting in ("practitioner", "outpatient_hospital"):
    for on in ("2024-08-01", "2026-09-30", "2026-10-05"):
        out[f"{setting} {on}"] = {
            "added": ptp(["97110:GO", "97535:GO"], on, setting),
            "deleted": ptp(["97150:GO", "97530:GO"], on, setting),
        }
def cited(codes, on):
    return sorted({
        f.source.split("release ")[-1][:10]
        for f in check_bundling(codes, on=on) if f.rule == "ncci.ptp"
    })
out["cited 2024-08-01"] = cited(["97150:GO", "97530:GO"], "2024-08-01")
out["cited 2026-10-05"] = cited(["97110:GO", "97535:GO"], "2026-10-05")
for on in ("2026-08-05", "2026-10-05"):
    f = fee("97530", on=on)
    out[f"fee {on}"] = [f.release, str(f.work_rvu), str(f.amount)]
e = EditSet.bundled()
out["ptp releases"] = sorted({s.release for s in e.sources if s.kind == "ptp"})
out["release"] = e.release
print(json.dumps(out))
"""


def probe(root: Path) -> dict[str, object]:
    src = root / "src"
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(src)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=root,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_imported_ptp_and_rvu_releases_ship_by_date_of_service(repo: Path, quarter: Path) -> None:
    before = probe(repo)
    # The unrefreshed copy: 97150/97530 is an edit on every date, 97110/97535 never.
    assert before["practitioner 2026-10-05"] == {"added": [], "deleted": ["97150/97530"]}
    assert before["fee 2026-10-05"][:2] == ["RVU26C", "0.44"]  # type: ignore[index]

    done = run(repo, "--from-cms", quarter)
    assert done.returncode == 0, done.stderr
    assert "PTP release 2026-10-01 ships as _data/ncci_ptp_2026-10-01.csv" in done.stdout
    assert "the fee schedule ships the new files" in done.stdout
    built = repo / "src" / "ot_billing_rules" / "_data" / "ncci_ptp_2026-10-01.csv"
    assert "practitioner,97110,97535,2026-10-01,,0," in built.read_text("utf-8")

    after = probe(repo)
    for setting in ("practitioner", "outpatient_hospital"):
        # Dates the 2024-07-01 release is in force on keep the old state ...
        for on in ("2024-08-01", "2026-09-30"):
            assert after[f"{setting} {on}"] == {"added": [], "deleted": ["97150/97530"]}
        # ... and from the new release on, its edits apply.
        assert after[f"{setting} 2026-10-05"] == {"added": ["97110/97535"], "deleted": []}
    assert after["ptp releases"] == ["2024-07-01", "2026-10-01"]
    # Each finding cites the release in force on its date, not the newest one.
    assert after["cited 2024-08-01"] == ["2024-07-01"]
    assert after["cited 2026-10-05"] == ["2026-10-01"]
    assert after["release"] == "2026-10-01"
    assert after["fee 2026-08-05"] == before["fee 2026-08-05"]
    new_fee = after["fee 2026-10-05"]
    assert new_fee[:2] == ["RVU26D", "0.50"]  # type: ignore[index]
    assert new_fee != before["fee 2026-10-05"]

    check = run(repo, "--check")
    assert check.returncode == 0, check.stderr


def test_ptp_release_with_one_setting_is_refused_and_nothing_written(
    repo: Path, quarter: Path
) -> None:
    (quarter / "ccioph-v324r0-f1.txt").unlink()
    sources = repo / "data" / "sources"
    pins = (sources / "SHA256SUMS").read_bytes()
    done = run(repo, "--from-cms", quarter)
    assert done.returncode == 2
    assert "PTP release 2026-10-01: needs the practitioner (ccipra) and outpatient" in done.stderr
    assert not (sources / "ncci_2026-10-01").exists()
    assert (sources / "SHA256SUMS").read_bytes() == pins


# --- the selection by date, in process -------------------------------------------

_DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def _released(edit: PTPEdit, table: date, tables: tuple[date, ...]) -> _ReleasedPTPEdit:
    fields = {f.name: getattr(edit, f.name) for f in attrs.fields(PTPEdit)}
    return _ReleasedPTPEdit(**fields, table=table, tables=tables)


@given(st.sets(_DAYS, min_size=1, max_size=6), _DAYS)
def test_exactly_the_ptp_table_in_force_applies_and_matches_the_mue_pick(
    releases: set[date], on: date
) -> None:
    tables = tuple(sorted(releases))
    base = PTPEdit("97110", "97535", None, None, "0", "x", "practitioner")
    applying = [t for t in tables if _released(base, t, tables).applies_on(on)]
    # The newest table released on or before the date; the oldest before them all.
    assert applying == [max((t for t in tables if t <= on), default=tables[0])]
    mues = tuple(MUE("97110", i, "3", "x", "practitioner", t) for i, t in enumerate(tables))
    picked = pick_mue(mues, on, tables)
    assert picked is not None
    assert picked.effective == applying[0]


def test_released_row_keeps_its_own_dates_and_pickles() -> None:
    tables = (date(2024, 7, 1), date(2026, 10, 1))
    plain = PTPEdit("97150", "97530", date(2020, 1, 1), date(2026, 9, 30), "1", "x", "practitioner")
    row = _released(plain, tables[1], tables)
    # Its table is in force from 2026-10-01; its own deletion ended it the day before.
    assert not row.applies_on(date(2026, 9, 30))
    assert not row.applies_on(date(2026, 10, 5))
    assert row.to_dict() == plain.to_dict()
    back = pickle.loads(pickle.dumps(row))
    assert back == row
    assert back.tables == tables
    live = attrs.evolve(row, deletion=None)
    assert live.applies_on(date(2026, 10, 5))
    assert not live.applies_on(date(2026, 9, 30))


def test_ptp_release_with_a_missing_part_is_refused(repo: Path, quarter: Path) -> None:
    # Part 2 without part 1: the new table would lose part 1's column-1 codes on later dates.
    (quarter / "ccipra-v324r0-f1.txt").rename(quarter / "ccipra-v324r0-f2.txt")
    done = run(repo, "--from-cms", quarter)
    assert done.returncode == 2
    assert "PTP release 2026-10-01 practitioner: parts [2] given" in done.stderr
    assert not (repo / "data" / "sources" / "ncci_2026-10-01").exists()
