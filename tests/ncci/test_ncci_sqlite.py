"""The SQLite store: import round trip, history, releases, errors."""

from __future__ import annotations

import pickle
import sqlite3
import zipfile
from datetime import date
from pathlib import Path

import pytest

import ot_billing_rules as ob

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
PRA = FIX / "ccipra-v302r0-f1.txt"
OPH = FIX / "ccioph-v302r0-f1.txt"
MUE_PRA = FIX / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"
PTP_ZIP = FIX / "medicare-ncci-2024q3-practitioner-ptp-edits-ccipra-v302r0-f1.zip"
D = date.fromisoformat


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PTP_ZIP, OPH, MUE_PRA], db)
    return db


def test_round_trip_matches_in_memory(store: Path) -> None:
    disk = ob.EditSet.open(store)
    memory = ob.EditSet.from_cms_files(PTP_ZIP, OPH, MUE_PRA)
    assert sorted(map(repr, disk.iter_ptp())) == sorted(map(repr, memory.iter_ptp()))
    assert disk.counts() == {"ptp": 10, "mue": 5, "status": memory.counts()["status"]}
    for pair in (("97150", "97530"), ("97166", "97165"), ("97530", "97535")):
        for setting in ob.Setting:
            assert set(disk.ptp_history(*pair, setting=setting)) == set(
                memory.ptp_history(*pair, setting=setting)
            )
    assert disk.mue("97530", on="2024-07-01") == memory.mue("97530", on="2024-07-01")
    assert disk.status("97010") is ob.FeeScheduleStatus.BUNDLED
    assert disk.release == "2024-07-01"


def test_history_kept_deleted_edit_by_date(store: Path) -> None:
    edits = ob.EditSet.open(store)
    # 97530/97535: in force 2020-01-01 .. 2021-12-31 (fixture; deletion date is CMS's).
    (row,) = edits.ptp_history("97530", "97535", setting="practitioner")
    assert row.deletion == D("2021-12-31")
    assert edits.ptp_edits("97530", "97535", on="2021-12-31", setting="practitioner")
    assert not edits.ptp_edits("97530", "97535", on="2022-01-01", setting="practitioner")
    found = ob.check_bundling(["97530:GO", "97535:GO"], on="2021-06-01", edits=edits)
    assert [f.rule for f in found] == ["ncci.ptp", "ncci.uncovered"]
    later = ob.check_bundling(["97530:GO", "97535:GO"], on="2022-06-01", edits=edits)
    assert [f.rule for f in later] == ["ncci.uncovered"]


def test_release_recorded(store: Path) -> None:
    con = sqlite3.connect(store)
    meta = dict(con.execute("SELECT key, value FROM meta"))
    con.close()
    assert meta["release"] == "2024-07-01"
    assert meta["schema"] == "1"
    edits = ob.EditSet.open(store)
    assert {s.release for s in edits.sources} == {"2024-07-01", "ccioph-v302r0"}


def test_reimport_same_file_replaces(store: Path) -> None:
    ob.import_cms_files([PTP_ZIP], store)
    assert ob.EditSet.open(store).counts()["ptp"] == 10


def test_newer_release_replaces_older_ptp(store: Path, tmp_path: Path) -> None:
    newer = tmp_path / "medicare-ncci-2024q4-practitioner-ptp-edits-ccipra-v303r0-f1.zip"
    text = PRA.read_text("latin-1").replace(
        "20200101\t*\t1\tMutually", "20200101\t20240930\t1\tMutually"
    )
    with zipfile.ZipFile(newer, "w") as z:
        z.writestr("ccipra-v303r0-f1.TXT", text.encode("latin-1"))
    summary = ob.import_cms_files([newer], store)
    assert summary.release == "2024-10-01"
    edits = ob.EditSet.open(store)
    assert edits.counts()["ptp"] == 10
    (row,) = edits.ptp_history("97150", "97530", setting="practitioner")
    assert row.deletion == D("2024-09-30")
    with pytest.raises(ob.DataFileError, match="newer"):
        ob.import_cms_files([PTP_ZIP], store)


def test_bad_file_leaves_store_unchanged(store: Path) -> None:
    before = ob.EditSet.open(store).counts()
    with pytest.raises(ob.DataFileError) as exc:
        ob.import_cms_files([FIX / "bad_indicator" / "ccipra-v302r0-f1.txt"], store)
    assert exc.value.line == 8
    assert ob.EditSet.open(store).counts() == before


def test_open_errors(tmp_path: Path) -> None:
    with pytest.raises(ob.DataFileError, match="no such NCCI store"):
        ob.EditSet.open(tmp_path / "missing.sqlite")
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(ob.DataFileError, match="SQLite"):
        ob.EditSet.open(junk)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.close()
    with pytest.raises(ob.DataFileError, match="not an ot-billing NCCI store"):
        ob.EditSet.open(other)


def test_pickle_reopens(store: Path) -> None:
    edits = ob.EditSet.open(store)
    copy = pickle.loads(pickle.dumps(edits))
    assert copy == edits
    assert copy.ptp_edits("97150", "97530", on="2024-07-01") == edits.ptp_edits(
        "97150", "97530", on="2024-07-01"
    )


def test_summary(tmp_path: Path) -> None:
    summary = ob.import_cms_files(PRA, tmp_path / "s.sqlite")
    assert summary.counts["ptp"] == 7
    assert summary.to_dict()["tables"][0]["rows"] == 7
    assert "7 PTP rows" in summary.explain()
    assert pickle.loads(pickle.dumps(summary)) == summary
    with pytest.raises(ob.InvalidInputError):
        ob.import_cms_files([], tmp_path / "s.sqlite")
