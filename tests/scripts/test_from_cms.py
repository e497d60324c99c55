"""``scripts/build_data.py --from-cms DIR``: a CMS quarter imported end to end.

Every case runs the script in a fresh interpreter against a temporary copy of
the repository's ``data/sources/`` and ``_data/`` (``--root``), with a tiny
quarter built here from the repository's CMS-layout fixtures.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_data.py"
SOURCES = ROOT / "data" / "sources"
DATA = ROOT / "src" / "ot_billing_rules" / "_data"
CMS = ROOT / "tests" / "fixtures" / "cms"

pytestmark = pytest.mark.skipif(not SOURCES.is_dir(), reason="data/sources/ not in this checkout")


def run(root: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(root), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SOURCES, root / "data" / "sources")
    shutil.copytree(DATA, root / "src" / "ot_billing_rules" / "_data")
    return root


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _mue(src: str, dest: Path, old: bytes = b"", new: bytes = b"") -> None:
    raw = (CMS / src).read_bytes()
    dest.write_bytes(raw.replace(old, new) if old else raw)


@pytest.fixture
def quarter(tmp_path: Path) -> Path:
    """An October 2026 quarter: both MUE tables (practitioner 97530 6 -> 4), an RVU file."""
    q = tmp_path / "quarter"
    q.mkdir()
    _mue(
        "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv",
        q / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv",
        b"\n97530,6,",
        b"\n97530,4,",
    )
    _mue(
        "MCR_MUE_OutpatientHospitalServices_Eff_07-01-2024.csv",
        q / "MCR_MUE_OutpatientHospitalServices_Eff_10-01-2026.csv",
    )
    rvu = (SOURCES / "pfs" / "rvu26c" / "PPRRVU2026_Jul_nonQPP.csv").read_bytes()
    rvu = rvu.replace(b"July Release", b"October Release")
    rvu = rvu.replace(b"97530,,,A,,0.44,", b"97530,,,A,,0.50,")
    (q / "PPRRVU2026_Oct_nonQPP.csv").write_bytes(rvu)
    return q


def test_dry_run_prints_the_diff_and_changelog_and_writes_nothing(
    repo: Path, quarter: Path
) -> None:
    before = _tree(repo)
    done = run(repo, "--from-cms", quarter, "--dry-run")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "MUE practitioner 2026-10-01" in out
    assert "97530 6→4" in out
    assert "MUE outpatient hospital 2026-10-01" in out
    assert "RVU RVU26D" in out
    assert "1 row(s) changed" in out
    assert "97530" in out
    assert "would copy data/sources/ncci_2026-10-01/MCR_MUE_PractitionerServices" in out
    assert "### Data" in out
    assert "NCCI MUE practitioner table of 2026-10-01" in out
    assert _tree(repo) == before


def test_import_pins_the_files_and_rebuilds_the_mue_quarter(
    repo: Path, quarter: Path, tmp_path: Path
) -> None:
    entry = tmp_path / "changelog.md"
    done = run(repo, "--from-cms", quarter, "--changelog", entry)
    assert done.returncode == 0, done.stderr
    sources = repo / "data" / "sources"
    copied = sources / "ncci_2026-10-01" / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv"
    raw = copied.read_bytes()
    # Notice and header lines verbatim, then only rows of bundled/catalog codes.
    assert raw.startswith(
        (CMS / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv").read_bytes()[:80]
    )
    assert b"\n97530,4," in raw
    pins = (sources / "SHA256SUMS").read_text("utf-8")
    digest = hashlib.sha256(raw).hexdigest()
    assert f"{digest}  ncci_2026-10-01/MCR_MUE_PractitionerServices_Eff_10-01-2026.csv" in pins
    assert digest in (sources / "SOURCES.md").read_text("utf-8")
    rvu = (sources / "pfs" / "rvu26d" / "PPRRVU2026_Oct_nonQPP.csv").read_bytes()
    assert b"\r\nHCPCS,MOD,DESCRIPTION," in rvu or b"\nHCPCS,MOD,DESCRIPTION," in rvu
    assert b"97530,,,A,,0.50," in rvu
    built = repo / "src" / "ot_billing_rules" / "_data" / "ncci_mue_2026-10-01.csv"
    assert "practitioner,97530,4,3," in built.read_text("utf-8")
    assert "NCCI MUE practitioner table of 2026-10-01" in entry.read_text("utf-8")
    # The result is a consistent checkout: pins, SOURCES.md and _data agree.
    check = run(repo, "--check")
    assert check.returncode == 0, check.stderr


def test_imported_quarter_is_loaded_by_the_bundled_edit_set(repo: Path, quarter: Path) -> None:
    assert run(repo, "--from-cms", quarter).returncode == 0
    data = repo / "src" / "ot_billing_rules" / "_data"
    code = (
        "import sys, ot_billing_rules._data as d; from pathlib import Path; "
        f"d.__path__.insert(0, {str(data)!r}); "
        "from importlib import resources; "
        "d.read_text = lambda n: (Path(sys.argv[1]) / n).read_text('utf-8'); "
        "from ot_billing_rules.ncci import EditSet; e = EditSet.bundled(); "
        "print(e.release, e.mue('97530', on='2026-10-05').value, "
        "e.mue('97530', on='2026-09-30').value)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(data)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2026-10-01", "4", "6"]


def test_unknown_file_is_named_and_nothing_is_written(repo: Path, quarter: Path) -> None:
    (quarter / "readme.txt").write_text("not a CMS file\n", "utf-8")
    before = _tree(repo)
    done = run(repo, "--from-cms", quarter)
    assert done.returncode == 2
    assert "readme.txt" in done.stderr
    assert "not a CMS NCCI PTP/MUE file" in done.stderr
    assert _tree(repo) == before


def test_missing_directory_is_named(repo: Path, tmp_path: Path) -> None:
    done = run(repo, "--from-cms", tmp_path / "nowhere", "--dry-run")
    assert done.returncode == 2
    assert "nowhere" in done.stderr


def test_different_file_at_the_destination_is_not_overwritten(repo: Path, quarter: Path) -> None:
    assert run(repo, "--from-cms", quarter).returncode == 0
    _mue(
        "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv",
        quarter / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv",
        b"\n97530,6,",
        b"\n97530,5,",
    )
    before = _tree(repo)
    done = run(repo, "--from-cms", quarter)
    assert done.returncode == 2
    assert "would overwrite" in done.stderr
    assert "MCR_MUE_PractitionerServices" in done.stderr
    assert _tree(repo) == before


def test_ptp_file_diff_counts_added_deleted_and_changed(repo: Path, tmp_path: Path) -> None:
    q = tmp_path / "ptp"
    q.mkdir()
    shutil.copy(CMS / "ccipra-v302r0-f1.txt", q)
    shutil.copy(CMS / "ccioph-v302r0-f1.txt", q)
    done = run(repo, "--from-cms", q, "--dry-run")
    assert done.returncode == 0, done.stderr
    # A bare .txt is dated by its latest effective date (no quarter in the name).
    assert "PTP practitioner 2020-01-01 (column 1 97140–97530)" in done.stdout
    assert "added: 97530/97535" in done.stdout
    assert "note: PTP release 2020-01-01 ships as _data/ncci_ptp_2020-01-01.csv" in done.stdout
    assert "would copy data/sources/ncci_2020-01-01/ccipra-v302r0-f1.txt" in done.stdout


def test_dry_run_without_from_cms_is_a_usage_error(repo: Path) -> None:
    done = run(repo, "--dry-run")
    assert done.returncode == 2
    assert "--from-cms" in done.stderr


def test_subset_keeps_every_non_data_line_verbatim() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import _from_cms
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    raw = (
        b'"notice\r\n97530 is not a row",,,\r\nHCPCS,MOD\r\n97530,1\r\n99999,2\r\n'
        b"97530\t97150\t*\r\n97530\t99999\t*\r\n"
    )
    assert _from_cms.subset(raw, {"97530", "97150"}) == (
        b'"notice\r\n97530 is not a row",,,\r\nHCPCS,MOD\r\n97530,1\r\n97530\t97150\t*\r\n'
    )


def test_quarter_that_would_not_build_writes_nothing(repo: Path, quarter: Path) -> None:
    # One MUE table of the two: the staged build refuses it before any write.
    (quarter / "MCR_MUE_OutpatientHospitalServices_Eff_10-01-2026.csv").unlink()
    before = _tree(repo)
    done = run(repo, "--from-cms", quarter)
    assert done.returncode == 2
    assert "do not build" in done.stderr
    assert "needs the practitioner and outpatient hospital tables" in done.stderr
    assert _tree(repo) == before


def test_ptp_zip_is_imported_as_its_member_subset(repo: Path, tmp_path: Path) -> None:
    q = tmp_path / "zips"
    q.mkdir()
    shutil.copy(CMS / "medicare-ncci-2024q3-practitioner-ptp-edits-ccipra-v302r0-f1.zip", q)
    done = run(repo, "--from-cms", q)
    assert done.returncode == 0, done.stderr
    member = repo / "data" / "sources" / "ncci_2024-07-01" / "ccipra-v302r0-f1.TXT"
    raw = member.read_bytes()
    assert raw.startswith(b"CPT only copyright")
    assert b"97530\t97535\t" in raw
    # The release of the project's extract: pinned beside it, not built.
    assert "PTP release 2024-07-01 is the project's extract" in done.stdout
    assert (
        not (repo / "src" / "ot_billing_rules" / "_data" / "ncci_ptp_2024-07-01.csv")
        .read_text("utf-8")
        .startswith("setting,column_1,column_2,effective")
    )
    assert run(repo, "--check").returncode == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "not a CMS NCCI PTP/MUE file"),
        ("table.xlsx", b"a,b\n", "export .xlsx tables as .txt/.csv"),
        ("broken.zip", b"PK\x03\x04garbage", "not a readable zip"),
    ],
)
def test_unreadable_input_is_a_typed_error_naming_it(
    repo: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    q = tmp_path / "bad"
    q.mkdir()
    (q / name).write_bytes(content)
    done = run(repo, "--from-cms", q, "--dry-run")
    assert done.returncode == 2
    assert name in done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
