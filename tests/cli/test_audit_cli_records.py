"""``ot-billing audit`` of issue 16 item 4, every flag through a fresh process.

Bad visits are error records and the run goes on (``--fail-fast`` stops);
``--format text|json|jsonl|csv``; ``--db``; ``--payer-map``; ``--quiet``; the
summary line; the progress counter on a terminal; exit 2 / 1 / 0.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ot_billing_rules.cli._audit_out import CSV_COLUMNS
from ot_billing_rules.readers import ROW_COLUMNS

CLI = [sys.executable, "-m", "ot_billing_rules.cli", "audit"]
SUMMARY = re.compile(
    r"ot-billing: (\d+) visits?: (\d+) clean, (\d+) with warnings, (\d+) with errors, "
    r"(\d+) not audited\n"
)

GOOD = {
    "visit_id": "a",
    "date_of_service": "2024-07-01",
    "services": [{"code": "97530", "minutes": 30}],
}
ERROR_FINDING = {
    "visit_id": "e",
    "date_of_service": "2024-07-01",
    "services": [{"code": "99999", "minutes": 30}],
}
BAD = {"visit_id": "b", "date_of_service": "2024-07-01", "services": [{"code": "97530"}], "x": 1}
LAST = {
    "visit_id": "c",
    "date_of_service": "2024-07-02",
    "services": [{"code": "97110", "minutes": 23}],
}


def run(*argv: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, argv)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def summary(err: str) -> tuple[int, ...]:
    found = SUMMARY.fullmatch(err)
    assert found, err
    return tuple(int(g) for g in found.groups())


# -- error records and exit status ------------------------------------------------


def test_a_bad_visit_is_an_error_record_in_its_place_and_the_run_goes_on(tmp_path: Path) -> None:
    path = write(tmp_path / "v.json", [GOOD, BAD, LAST])
    done = run(path, "--format", "json")
    assert done.returncode == 2, done.stderr
    records = json.loads(done.stdout)
    assert [r["visit_id"] for r in records] == ["a", "b", "c"]
    assert [r["status"] for r in records] == ["clean", "failed", "clean"]
    error = records[1]["error"]
    assert error["type"] == "DataFileError"
    assert "'x'" in error["message"]
    assert error["path"] == str(path)
    assert summary(done.stderr) == (3, 2, 0, 0, 1)


def test_csv_visit_errors_are_records_too(tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.csv",
        "visit_id,date_of_service,code,minutes\n"
        "a,2024-07-01,97530,30\nb,2024-07-01,97530,ten\nc,2024-07-01,97110,20\n",
    )
    done = run(path, "--format", "jsonl")
    assert done.returncode == 2, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["visit_id"], r["status"]) for r in records] == [
        ("a", "clean"),
        ("b", "failed"),
        ("c", "clean"),
    ]
    assert records[1]["error"]["line"] == 3
    assert "'ten'" in records[1]["error"]["message"]


@pytest.mark.parametrize(
    ("visits", "status"),
    [([GOOD, LAST], 0), ([GOOD, ERROR_FINDING], 1), ([ERROR_FINDING, BAD], 2), ([BAD], 2)],
    ids=["clean", "error-finding", "failed-wins-over-findings", "only-failed"],
)
def test_exit_status(tmp_path: Path, visits: list[object], status: int) -> None:
    done = run(write(tmp_path / "v.json", visits))
    assert done.returncode == status, done.stderr
    counts = summary(done.stderr)
    assert counts[0] == len(visits)
    assert (counts[4] > 0) == (status == 2)


def test_fail_fast_stops_at_the_first_bad_visit_and_prints_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "v.json", [GOOD, BAD, LAST])
    done = run(path, "--fail-fast", "--format", "jsonl")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("ot-billing: error: ")
    assert done.stderr.count("\n") == 1
    assert "visit 2" in done.stderr


def test_a_broken_file_stops_before_any_output(tmp_path: Path) -> None:
    path = write(tmp_path / "v.json", json.dumps([GOOD, LAST])[:-1])  # no closing ]
    done = run(path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("ot-billing: error: ")
    assert done.stderr.count("\n") == 1


def test_an_audit_that_raises_is_an_error_record(tmp_path: Path) -> None:
    # A well-formed locality the fee-schedule release lacks: the visit reads
    # fine and its audit (pricing) raises.
    odd = dict(GOOD, visit_id="loc", locality="10112-77")
    path = write(tmp_path / "v.json", [odd, LAST])
    done = run(path, "--format", "jsonl")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["visit_id"], r["status"]) for r in records] == [("loc", "failed"), ("c", "clean")]
    assert records[0]["error"]["type"] == "InvalidOptionError"
    assert "10112-77" in records[0]["error"]["message"]
    assert done.returncode == 2
    fast = run(path, "--fail-fast")
    assert fast.returncode == 2
    assert fast.stderr.startswith("ot-billing: error: locality '10112-77'")


# -- formats -----------------------------------------------------------------------


def test_text_format_names_the_failed_visit(tmp_path: Path) -> None:
    done = run(write(tmp_path / "v.json", [GOOD, BAD]), "--format", "text")
    assert done.returncode == 2
    assert done.stdout.startswith("Visit a 2024-07-01")
    assert "Visit b: NOT AUDITED (DataFileError)" in done.stdout


def test_csv_format_has_the_documented_columns(tmp_path: Path) -> None:
    done = run(write(tmp_path / "v.json", [GOOD, ERROR_FINDING, BAD]), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert {r["visit_id"] for r in rows} == {"a", "e", "b"}
    unknown = [r for r in rows if r["rule"] == "code.unknown"]
    assert [(r["visit_id"], r["status"], r["severity"], r["codes"]) for r in unknown] == [
        ("e", "errors", "error", "99999")
    ]
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1
    assert failed[0]["visit_id"] == "b"
    assert "'x'" in failed[0]["error"]


def test_json_flag_is_format_json_and_a_clash_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "v.json", [GOOD, LAST])
    assert run(path, "--json").stdout == run(path, "--format", "json").stdout
    clash = run(path, "--json", "--format", "csv")
    assert (clash.returncode, clash.stdout) == (2, "")
    assert "--json and --format csv" in clash.stderr


def test_single_object_stays_one_json_object(tmp_path: Path) -> None:
    done = run(write(tmp_path / "v.json", BAD), "--format", "json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["status"] == "failed"


def test_help_lists_the_csv_columns_and_the_exit_status() -> None:
    done = run("--help")
    assert done.returncode == 0
    flat = " ".join(done.stdout.split())
    assert ", ".join(CSV_COLUMNS) in flat
    assert all(c in flat for c in ROW_COLUMNS)
    for flag in ("--format", "--db", "--payer-map", "--history", "--fail-fast", "--quiet"):
        assert flag in flat
    assert "exit status" in flat
    assert "141" in flat


def test_export_formats_still_work_and_failed_visits_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path / "v.json", [GOOD, BAD])
    done = run(path, "--format", "837p-lines", "--force")
    assert done.returncode == 2
    assert "SV1*HC:97530" in done.stdout
    assert "visit b not audited" in done.stderr


# -- summary, --quiet, progress ------------------------------------------------------


def test_quiet_leaves_stderr_empty(tmp_path: Path) -> None:
    done = run(write(tmp_path / "v.json", [GOOD, BAD]), "--quiet")
    assert done.returncode == 2
    assert done.stderr == ""


def test_no_progress_counter_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    write(path, [dict(GOOD, visit_id=f"v{n}") for n in range(400)])
    done = run(path, "--format", "jsonl")
    assert "\r" not in done.stderr
    assert summary(done.stderr)[0] == 400


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty")
def test_progress_counter_on_a_terminal(tmp_path: Path) -> None:
    import pty

    path = tmp_path / "many.json"
    write(path, [dict(GOOD, visit_id=f"v{n}") for n in range(3000)])
    shown = []
    for extra in ((), ("--quiet",)):
        main, child = pty.openpty()
        proc = subprocess.Popen(
            [*CLI, str(path), "--format", "jsonl", *extra],
            stdout=subprocess.DEVNULL,
            stderr=child,
        )
        os.close(child)
        chunks = []
        while True:
            try:
                data = os.read(main, 4096)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=300) == 0
        os.close(main)
        shown.append(b"".join(chunks).decode())
    loud, quiet = shown
    assert re.search(r"\r(visits: \d+|\d+ visits)", loud), loud
    assert "3000 visits: 3000 clean" in loud
    assert quiet == ""


# -- --payer-map ---------------------------------------------------------------------


def payer_map(tmp_path: Path) -> Path:
    (tmp_path / "policies").mkdir()
    write(tmp_path / "policies" / "acme.json", {"name": "Acme", "unit_method": "ama"})
    return write(
        tmp_path / "map.json", {"Aetna PPO": "commercial", "ACME Health": "policies/acme.json"}
    )


def test_payer_map_json(tmp_path: Path) -> None:
    visits = [
        dict(GOOD, visit_id="p1", payer="Aetna PPO"),
        dict(GOOD, visit_id="p2", payer="acme health"),
        dict(GOOD, visit_id="p3", payer="medicare"),
        dict(GOOD, visit_id="p4", payer="Nope Insurance"),
    ]
    path = write(tmp_path / "v.json", visits)
    mapping = payer_map(tmp_path)
    done = run(path, "--payer-map", mapping, "--format", "jsonl")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r.get("payer") for r in records] == ["commercial", "Acme", "medicare", None]
    assert records[1]["units"]["method"] == "ama"
    assert records[3]["status"] == "failed"
    assert "'Nope Insurance'" in records[3]["error"]["message"]
    assert str(mapping) in records[3]["error"]["message"]
    assert done.returncode == 2
    # Without the map the export names are unknown payers.
    assert run(path, "--format", "jsonl").stdout.count('"failed"') == 3


def test_payer_map_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "v.csv",
        "visit_id,date_of_service,payer,code,minutes\n"
        "p1,2024-07-01,Aetna PPO,97530,30\np1,,,97110,10\n"
        "p2,2024-07-01,ACME Health,97530,30\n"
        "p3,2024-07-01,Aetna PPO,97530,30\np3,,medicare,97110,10\n",
    )
    done = run(path, "--payer-map", payer_map(tmp_path), "--format", "jsonl")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["visit_id"], r.get("payer")) for r in records] == [
        ("p1", "commercial"),
        ("p2", "Acme"),
        ("p3", None),
    ]
    assert "disagree" in records[2]["error"]["message"]


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ({"Aetna PPO": "no-such-policy"}, "'Aetna PPO' maps to 'no-such-policy'"),
        ({"Aetna PPO": 3}, "'Aetna PPO' maps to 3"),
        (["commercial"], "must be a JSON object"),
        ("{not json", "not valid JSON"),
        ({"Acme": "bad.json"}, "'Acme'"),
    ],
    ids=["unknown-policy", "not-a-string", "not-an-object", "not-json", "bad-policy-file"],
)
def test_bad_payer_map_is_one_line_exit_2(tmp_path: Path, content: object, needle: str) -> None:
    write(tmp_path / "bad.json", {"name": "Acme", "copay": 20})
    mapping = write(tmp_path / "map.json", content)
    done = run(write(tmp_path / "v.json", [GOOD]), "--payer-map", mapping)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1
    assert needle in done.stderr
    assert str(mapping) in done.stderr


def test_missing_payer_map(tmp_path: Path) -> None:
    done = run(write(tmp_path / "v.json", [GOOD]), "--payer-map", tmp_path / "nope.json")
    assert (done.returncode, done.stdout) == (2, "")
    assert "nope.json" in done.stderr
    assert done.stderr.count("\n") == 1


# -- --db ----------------------------------------------------------------------------

PTP_HEAD = (
    "CPT only copyright 2023 American Medical Association.  All rights reserved.\t\t\t\t\t\t\n"
    "Column1/Column2 Edits\t\t\t\t\t\t\n"
    "Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale\n"
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t\n"
    "\t\t\t\t*=no data\t1=allowed\t\n"
)


def test_db_store_is_used_for_every_visit(tmp_path: Path) -> None:
    # An edit the bundled data does not have: only the store can report it.
    ptp = tmp_path / "ccipra-v302r0-f1.txt"
    ptp.write_text(PTP_HEAD + "97750\t97110\t\t20200101\t*\t0\tMutually exclusive procedures\n")
    db = tmp_path / "edits.sqlite"
    imported = subprocess.run(
        [sys.executable, "-m", "ot_billing_rules.cli", "ncci", "import", str(ptp), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    pair = [{"code": "97750", "minutes": 30}, {"code": "97110", "minutes": 30}]
    visits = [
        {"visit_id": f"d{n}", "date_of_service": "2024-07-01", "services": pair} for n in range(3)
    ]
    path = write(tmp_path / "v.json", visits)
    for history in ((), ("--history",)):
        with_db = run(path, "--db", db, "--format", "csv", *history)
        rules = [(r["visit_id"], r["rule"]) for r in csv.DictReader(io.StringIO(with_db.stdout))]
        assert [v for v, rule in rules if rule == "ncci.ptp"] == ["d0", "d1", "d2"], history
        assert with_db.returncode == 1
    bundled = run(path, "--format", "csv")
    assert "ncci.ptp" not in bundled.stdout
    assert bundled.returncode == 0


def test_db_that_is_not_a_store_is_one_line_exit_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"SQLite format 3\x00" + b"\xff" * 5000)
    done = run(write(tmp_path / "v.json", [GOOD]), "--db", junk)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("ot-billing: error: ")
    assert done.stderr.count("\n") == 1


# -- --history -----------------------------------------------------------------------


def test_history_keeps_failed_visits_in_their_place(tmp_path: Path) -> None:
    visits = [
        dict(GOOD, visit_id="h1", patient_id="p"),
        dict(BAD, visit_id="h2"),
        dict(LAST, visit_id="h3", patient_id="p"),
        dict(BAD, visit_id="h4"),
    ]
    path = write(tmp_path / "v.json", visits)
    done = run(path, "--history", "--format", "jsonl")
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["visit_id"], r["status"]) for r in records] == [
        ("h1", "clean"),
        ("h2", "failed"),
        ("h3", "clean"),
        ("h4", "failed"),
    ]
    assert done.returncode == 2
    fast = run(path, "--history", "--fail-fast")
    assert (fast.returncode, fast.stdout) == (2, "")


def test_standard_input_with_error_records() -> None:
    done = run("-", "--format", "jsonl", stdin=json.dumps([GOOD, BAD]))
    assert done.returncode == 2
    assert [json.loads(x)["status"] for x in done.stdout.splitlines()] == ["clean", "failed"]


# -- memory ----------------------------------------------------------------------------

MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss is in kB on Linux")
@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_memory_stays_flat_with_error_records_and_a_payer_map(tmp_path: Path, fmt: str) -> None:
    mapping = write(tmp_path / "map.json", {"Aetna PPO": "commercial"})
    peaks = []
    for count in (500, 5000):
        path = tmp_path / f"v{count}.csv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write("visit_id,date_of_service,payer,code,minutes\n")
            for n in range(count):
                minutes = "x" if n % 10 == 0 else str(8 + n % 40)  # every tenth visit is bad
                fh.write(f"v{n},2024-07-{1 + n % 28:02d},Aetna PPO,97530,{minutes}\n")
                fh.write(f"v{n},,,97110,{10 + n % 30}\n")
        argv = [*CLI, str(path), "--payer-map", str(mapping), "--format", fmt]
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, *argv], capture_output=True, text=True, check=True
        )
        status, peak = map(int, done.stdout.split())
        assert status == 2  # the bad visits were records, not a stop
        peaks.append(peak)
    small, big = peaks
    assert big - small < 8 * 1024, f"peak grew from {small} kB to {big} kB"
