"""``ot-billing audit --workers N`` (issue 17, item 2): the output of one process.

With ``--format jsonl`` or ``csv`` the workers write each visit's records and
the parent copies them out; with ``text``/``json`` (and ``--history``) the
reports come back to the parent. Either way standard output, the summary
line and the exit status must be those of ``--workers 1``, byte for byte, on
an input mixing good visits, a row that cannot be read, a visit with an
error finding, mapped payer names and an edit store (``--db``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from _fresh import run_script

CLI = [sys.executable, "-m", "ot_billing_rules.cli", "audit"]

PTP = (
    "CPT only copyright 2023 American Medical Association.  All rights reserved.\t\t\t\t\t\t\n"
    "Column1/Column2 Edits\t\t\t\t\t\t\n"
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale\n"
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t\n"
    "\t\t\t\t*=no data\t1=allowed\t\n"
    "97750\t97110\t\t20200101\t*\t0\tMutually exclusive procedures\n"
)


def _csv_input(visits: int = 700) -> str:
    # Past two chunks of 256, so the pool really splits the input.
    lines = ["visit_id,patient_id,date_of_service,payer,code,minutes,modifiers"]
    for n in range(visits):
        day = f"2024-{1 + n % 12:02d}-{1 + n % 27:02d}"
        vid, pid = f"v{n:04d}", f"p{n % 40}"
        payer = ("Aetna PPO", "ACME Health", "medicare")[n % 3]
        if n == 5:  # a row the reader refuses: an error record in its place
            lines.append(f"{vid},{pid},{day},{payer},97530,4x,")
        elif n == 9:  # an error finding: a code the audit does not know
            lines.append(f"{vid},{pid},{day},{payer},99999,30,")
        elif n % 50 == 7:  # the --db store's edit pair
            lines += [f"{vid},{pid},{day},{payer},97750,30,", f"{vid},,,,97110,30,"]
        else:
            lines += [f"{vid},{pid},{day},{payer},97530,{8 + n % 45},", f"{vid},,,,97110,23,"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("workers")
    (root / "policies").mkdir()
    (root / "policies" / "acme.json").write_text('{"name": "Acme", "unit_method": "ama"}')
    (root / "map.json").write_text(
        '{"Aetna PPO": "commercial", "ACME Health": "policies/acme.json"}'
    )
    (root / "ccipra-v302r0-f1.txt").write_text(PTP)
    db = root / "edits.sqlite"
    imported = subprocess.run(
        [*CLI[:-1], "ncci", "import", str(root / PTP_NAME), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    (root / "mixed.csv").write_text(_csv_input())
    return {"csv": root / "mixed.csv", "map": root / "map.json", "db": db, "root": root}


PTP_NAME = "ccipra-v302r0-f1.txt"


def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, argv)], capture_output=True, text=True, timeout=300, check=False
    )


def _one_and_two(*argv: str | Path) -> tuple[subprocess.CompletedProcess[str], ...]:
    one = run(*argv)  # the default is one worker
    two = run(*argv, "--workers", "2")
    return one, two


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "text", "json"])
def test_two_workers_write_what_one_writes(inputs: dict[str, Path], fmt: str) -> None:
    one, two = _one_and_two(
        inputs["csv"], "--format", fmt, "--db", inputs["db"], "--payer-map", inputs["map"]
    )
    assert one.returncode == 2, one.stderr  # the unreadable row
    assert (two.stdout, two.stderr, two.returncode) == (one.stdout, one.stderr, one.returncode)
    assert "700 visits:" in one.stderr
    assert "1 not audited" in one.stderr
    assert one.stdout.count("ncci.ptp") >= 14  # the store was used, by the workers too
    assert "99999" in one.stdout


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_two_workers_with_history(inputs: dict[str, Path], fmt: str) -> None:
    one, two = _one_and_two(
        inputs["csv"], "--format", fmt, "--history", "--payer-map", inputs["map"]
    )
    assert one.returncode == 2, one.stderr
    assert (two.stdout, two.stderr, two.returncode) == (one.stdout, one.stderr, one.returncode)


def test_exit_1_and_0_as_with_one_worker(inputs: dict[str, Path]) -> None:
    lines = _csv_input(300).splitlines(keepends=True)
    good = [ln for ln in lines if not ln.startswith(("v0005,", "v0009,"))]
    errors = [ln for ln in lines if not ln.startswith("v0005,")]
    for rows, status in ((good, 0), (errors, 1)):
        path = inputs["root"] / f"exit{status}.csv"
        path.write_text("".join(rows))
        for fmt in ("jsonl", "csv"):
            one, two = _one_and_two(path, "--format", fmt, "--payer-map", inputs["map"])
            assert one.returncode == status, one.stderr
            assert (two.stdout, two.stderr, two.returncode) == (
                one.stdout,
                one.stderr,
                one.returncode,
            )


def test_fail_fast_as_with_one_worker(inputs: dict[str, Path]) -> None:
    one, two = _one_and_two(
        inputs["csv"], "--format", "jsonl", "--fail-fast", "--payer-map", inputs["map"]
    )
    assert (one.returncode, one.stdout) == (2, "")
    assert (two.stdout, two.stderr, two.returncode) == (one.stdout, one.stderr, one.returncode)


def test_an_empty_input_writes_nothing_with_workers(inputs: dict[str, Path]) -> None:
    path = inputs["root"] / "empty.csv"
    path.write_text("visit_id,date_of_service,code\n")
    for fmt in ("csv", "jsonl"):
        one, two = _one_and_two(path, "--format", fmt)
        assert (two.stdout, two.stderr, two.returncode) == (one.stdout, one.stderr, one.returncode)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("--workers", "0"), "--workers '0'"),
        (("--workers", "two"), "--workers 'two'"),
        (("--workers", "2", "--format", "fhir"), "not --format fhir"),
    ],
    ids=["zero", "not-a-number", "export-format"],
)
def test_refused_workers_is_one_line_exit_2(
    inputs: dict[str, Path], argv: tuple[str, ...], needle: str
) -> None:
    done = run(inputs["csv"], *argv)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1
    assert needle in done.stderr


def test_help_says_what_workers_does() -> None:
    done = run("--help")
    assert "--workers N" in done.stdout
    assert "refused with the claim-export formats (exit 2)" in done.stdout


SCRIPT = """
import json, os, sys
import ot_billing_rules.audit as audit

# Inherited by forked workers, re-read by spawned ones: only this process refuses.
PARENT = int(os.environ.setdefault("WIRE_PARENT_PID", str(os.getpid())))
to_dict = audit.AuditReport.to_dict

def parent_refuses(self, *args, **kwargs):
    if os.getpid() == PARENT:
        raise AssertionError("a report was written in the parent")
    return to_dict(self, *args, **kwargs)

audit.AuditReport.to_dict = parent_refuses

if __name__ == "__main__":
    from ot_billing_rules.cli import main
    status = main(["audit", sys.argv[1], "--format", "jsonl", "--workers", "2", "--quiet"])
    print()
    print(json.dumps({"status": status}))
"""


def test_jsonl_records_are_written_in_the_workers(inputs: dict[str, Path], tmp_path: Path) -> None:
    path = inputs["root"] / "good.csv"
    path.write_text(_csv_input(300).replace(",Aetna PPO,", ",,").replace(",ACME Health,", ",,"))
    out = run_script(tmp_path, SCRIPT, str(path))
    assert out == {"status": 2}  # the unreadable row; every other visit written by a worker
