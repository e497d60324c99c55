"""PTP parts of one release accumulate in the store, one import at a time or together.

CMS ships each quarter's PTP edits as four parts (``ccipra-v302r0-f1`` ..
``-f4``: version 30.2, revision 0, parts 1 to 4). The store identifies a
release by that version, not by a date guessed from the rows.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
PRA = FIX / "ccipra-v302r0-f1.txt"
PTP_ZIP = FIX / "medicare-ncci-2024q3-practitioner-ptp-edits-ccipra-v302r0-f1.zip"
HEAD = "".join(PRA.read_text("latin-1").splitlines(keepends=True)[:6])
# Part 2's latest effective date (2024-07-01) is later than part 1's
# (2020-01-01): the old date-guessed release made either order lose a part.
F2_ROWS = (
    "97535\t97110\t\t20240701\t*\t1\tMutually exclusive procedures\r\n"
    "97535\t97112\t\t20230101\t*\t0\tA rationale only part 2 carries\r\n"
)


def _part2(folder: Path, version: str = "v302r0") -> Path:
    path = folder / f"ccipra-{version}-f2.txt"
    path.write_bytes((HEAD + F2_ROWS).encode("latin-1"))
    return path


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from ot_billing_rules.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _pairs(db: Path) -> set[tuple[str, str]]:
    with ob.EditSet.open(db) as edits:
        return {(e.column_1, e.column_2) for e in edits.iter_ptp()}


@pytest.mark.parametrize("order", ["f2-then-f1", "f1-then-f2"])
def test_parts_imported_one_at_a_time_accumulate(tmp_path: Path, order: str) -> None:
    db = tmp_path / "edits.sqlite"
    f2 = _part2(tmp_path)
    first, second = (f2, PRA) if order == "f2-then-f1" else (PRA, f2)
    for part in (first, second):
        done = _cli("ncci", "import", part, "--db", db)
        assert done.returncode == 0, done.stderr
    pairs = _pairs(db)
    assert ("97535", "97110") in pairs  # part 2
    assert ("97150", "97530") in pairs  # part 1
    with ob.EditSet.open(db) as edits:
        assert edits.counts()["ptp"] == 7 + 2
        # Both parts are one release: one label, one date (the latest guess).
        assert {(s.release, s.release_date) for s in edits.sources if s.kind == "ptp"} == {
            ("ccipra-v302r0", ob.EditSet.from_cms_files(f2).release_date)
        }
        row = edits.ptp_history("97535", "97112", setting="practitioner")[0]
        assert row.rationale == "A rationale only part 2 carries"


@pytest.mark.parametrize("order", [0, 1])
def test_parts_of_one_release_in_one_command_are_not_refused(tmp_path: Path, order: int) -> None:
    db = tmp_path / "edits.sqlite"
    parts = [PRA, _part2(tmp_path)]
    if order:
        parts.reverse()
    summary = ob.import_cms_files(parts, db)
    assert summary.counts["ptp"] == 9
    assert len(_pairs(db)) == 9


def test_same_part_under_another_name_replaces_not_doubles(tmp_path: Path) -> None:
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PRA, _part2(tmp_path)], db)
    # Part 1 again, now from the CMS zip: it replaces the .txt part 1 and
    # gives the release its named quarter.
    ob.import_cms_files([PTP_ZIP], db)
    with ob.EditSet.open(db) as edits:
        assert edits.counts()["ptp"] == 9
        assert edits.release == "2024-07-01"
        assert {s.release for s in edits.sources if s.kind == "ptp"} == {"2024-07-01"}


def test_higher_version_replaces_all_parts_lower_refused(tmp_path: Path) -> None:
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PRA, _part2(tmp_path)], db)
    newer = tmp_path / "new"
    newer.mkdir()
    (newer / "ccipra-v303r0-f1.txt").write_bytes(PRA.read_bytes())
    ob.import_cms_files([newer / "ccipra-v303r0-f1.txt"], db)
    assert ("97535", "97110") not in _pairs(db)  # v30.2 part 2 replaced by v30.3
    with pytest.raises(ob.DataFileError, match="newer"):
        ob.import_cms_files([_part2(tmp_path)], db)
    # A revision is a newer release of the same version.
    (newer / "ccipra-v303r1-f2.txt").write_bytes((HEAD + F2_ROWS).encode("latin-1"))
    ob.import_cms_files([newer / "ccipra-v303r1-f2.txt"], db)
    assert _pairs(db) == {("97535", "97110"), ("97535", "97112")}


def test_zip_part_then_txt_part_accumulate(tmp_path: Path) -> None:
    # f1 from the zip (quarter in the name), f2 as a bare .txt (date guessed):
    # same version, so one release with the named date.
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PTP_ZIP], db)
    ob.import_cms_files([_part2(tmp_path)], db)
    with ob.EditSet.open(db) as edits:
        assert edits.counts()["ptp"] == 9
        assert {(s.release, s.release_date) for s in edits.sources if s.kind == "ptp"} == {
            ("2024-07-01", ob.EditSet.from_cms_files(PTP_ZIP).release_date)
        }


def test_unversioned_names_fall_back_to_dates(tmp_path: Path) -> None:
    # A renamed file carries no version: release by its latest effective date.
    db = tmp_path / "edits.sqlite"
    renamed = tmp_path / "my-practitioner-ptp.txt"
    renamed.write_bytes(PRA.read_bytes())
    zipped = tmp_path / "ptp-2024q3.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("practitioner-ptp.txt", (HEAD + F2_ROWS).encode("latin-1"))
    ob.import_cms_files([renamed], db, setting="practitioner")
    ob.import_cms_files([zipped], db, setting="practitioner")
    # 2020-01-01 (guessed) is older than 2024-07-01 (named): replaced.
    assert _pairs(db) == {("97535", "97110"), ("97535", "97112")}


_CODES = [f"9{n:04d}" for n in range(7000, 7040)]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.lists(
        st.sets(
            st.tuples(st.sampled_from(_CODES), st.sampled_from(_CODES), st.integers(2000, 2024)),
            min_size=1,
            max_size=6,
        ),
        min_size=2,
        max_size=4,
    ),
    batches=st.data(),
)
def test_property_parts_accumulate_in_any_order_and_grouping(
    tmp_path_factory: pytest.TempPathFactory,
    parts: list[set[tuple[str, str, int]]],
    batches: st.DataObject,
) -> None:
    folder = tmp_path_factory.mktemp("parts")
    files = []
    for number, rows in enumerate(parts, 1):
        body = "".join(
            f"{a}\t{b}\t\t{year}0101\t*\t1\tMutually exclusive procedures\r\n"
            for a, b, year in rows
        )
        path = folder / f"ccipra-v302r0-f{number}.txt"
        path.write_bytes((HEAD + body).encode("latin-1"))
        files.append(path)
    order = batches.draw(st.permutations(files))
    cuts = sorted(batches.draw(st.sets(st.integers(1, len(order) - 1))))
    groups = [order[i:j] for i, j in zip([0, *cuts], [*cuts, len(order)], strict=True)]
    db = folder / "edits.sqlite"
    for group in groups:
        ob.import_cms_files(group, db)
    expected = sorted((a, b, year) for rows in parts for a, b, year in rows if a != b)
    with ob.EditSet.open(db) as edits:
        held = sorted(
            (e.column_1, e.column_2, e.effective.year if e.effective else 0)
            for e in edits.iter_ptp()
        )
        assert len({s.release_date for s in edits.sources}) == 1
    assert [r for r in held if r[0] != r[1]] == expected
