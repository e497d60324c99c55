"""Bad-input matrix for the ``ot-billing`` command (issue 8).

Contract (``cli.py``): every user error is one line on stderr starting
``ot-billing`` and exit status 2 — never a traceback, never partial output on
stdout. Each row is (argv, files to write first, substring the line must
contain); ``{tmp}`` in argv is the test's temporary directory.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from ot_billing_rules import cli

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
PRA = str(FIX / "ccipra-v302r0-f1.txt")
HEADER = "visit_id,date_of_service,code,minutes\n"
VISIT = '{"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 30}]}'

Files = dict[str, bytes]


def row(name: str, argv: list[str], match: str, files: Files | None = None) -> object:
    return pytest.param(argv, files or {}, match, id=name)


def csv_file(body: str) -> Files:
    return {"v.csv": (HEADER + body).encode()}


def json_file(text: str) -> Files:
    return {"v.json": text.encode()}


AUDIT_CSV = ["audit", "{tmp}/v.csv", "--json"]
AUDIT_JSON = ["audit", "{tmp}/v.json", "--json"]

ROWS = [
    # usage errors (argparse, routed through the one-line parser)
    row("no-command", [], "required"),
    row("unknown-command", ["bill"], "invalid choice"),
    row("lookup-no-code", ["lookup"], "code"),
    row("codes-category", ["codes", "--category", "massage"], "'massage'"),
    row(
        "eval-deficits-word",
        ["eval", "ot", "--profile", "brief", "--deficits", "x", "--decision", "low"],
        "'x'",
    ),
    # lookup / codes
    row("lookup-malformed", ["lookup", "9753"], "'9753'"),
    row("lookup-empty", ["lookup", ""], "''"),
    row("lookup-nul", ["lookup", "97530\x00"], "97530"),
    row("lookup-huge", ["lookup", "9" * 10_000], "99999"),
    row("lookup-unknown", ["lookup", "97531"], "'97531'"),
    row("lookup-deleted", ["lookup", "97532", "--on", "2024-07-01"], "97127"),
    row("lookup-on-month13", ["lookup", "97530", "--on", "2024-13-01"], "2024-13-01"),
    row("lookup-on-range", ["lookup", "97530", "--on", "1800-01-01"], "1800-01-01"),
    row("codes-on", ["codes", "--on", "yesterday"], "'yesterday'"),
    # units
    row("units-word", ["units", "97530=abc"], "'abc'"),
    row("units-negative", ["units", "97530=-5"], "-5"),
    row("units-over-day", ["units", "97530=1441"], "1441"),
    row("units-huge", ["units", "97530=" + "9" * 5000], "97530"),
    row("units-duplicate", ["units", "97530=10", "97530=10"], "97530"),
    row("units-no-code", ["units", "=10"], "''"),
    row("units-unknown", ["units", "97531=10"], "'97531'"),
    row("units-method", ["units", "97530=10", "--method", "8min"], "'8min'"),
    row("units-assistant-over", ["units", "97530=10", "--assistant", "97530=11"], "11"),
    row("units-assistant-shape", ["units", "97530=10", "--assistant", "x"], "'x'"),
    row("units-tie", ["units", "97530=10", "--tie-break", "coin"], "'coin'"),
    row("units-discipline", ["units", "97530=10", "--discipline", "ST"], "'ST'"),
    # evaluation
    row(
        "eval-profile",
        ["eval", "ot", "--profile", "huge", "--deficits", "1", "--decision", "low"],
        "'huge'",
    ),
    row(
        "eval-deficits-negative",
        ["eval", "ot", "--profile", "brief", "--deficits", "-1", "--decision", "low"],
        "-1",
    ),
    row(
        "eval-pt-presentation",
        [
            "eval",
            "pt",
            "--personal-factors",
            "0",
            "--body-system-elements",
            "1",
            "--presentation",
            "wobbly",
            "--decision",
            "low",
        ],
        "'wobbly'",
    ),
    row("eval-reeval", ["eval", "reeval", "boredom"], "'boredom'"),
    # check
    row("check-units-zero", ["check", "97530x0"], "units=0"),
    row("check-units-word", ["check", "97530xabc"], "97530xabc"),
    row("check-modifier", ["check", "97530:G"], "'G'"),
    row("check-malformed", ["check", "9753"], "'9753'"),
    row("check-on", ["check", "97530", "--on", "x"], "'x'"),
    row("check-discipline", ["check", "97530", "--discipline", "XX"], "'XX'"),
    row("check-db-missing", ["check", "97530", "--db", "{tmp}/missing.db"], "missing.db"),
    row(
        "check-db-junk",
        ["check", "97530", "--db", "{tmp}/junk.db"],
        "not a SQLite database",
        {"junk.db": b"hello world" * 100},
    ),
    row(
        "check-db-empty",
        ["check", "97530", "--db", "{tmp}/empty.db"],
        "no meta table",
        {"empty.db": b""},
    ),
    # ncci import
    row(
        "import-missing",
        ["ncci", "import", "--db", "{tmp}/s.db", "{tmp}/missing.txt"],
        "missing.txt",
    ),
    row("import-directory", ["ncci", "import", "--db", "{tmp}/s.db", "{tmp}"], "{tmp}"),
    row(
        "import-utf16",
        ["ncci", "import", "--db", "{tmp}/s.db", "{tmp}/ccipra-v1r0-f1.txt"],
        "wrong encoding",
        {"ccipra-v1r0-f1.txt": "97150\t97530".encode("utf-16")},
    ),
    row(
        "import-empty",
        ["ncci", "import", "--db", "{tmp}/s.db", "{tmp}/ccipra-v1r0-f1.txt"],
        "no PTP edit rows",
        {"ccipra-v1r0-f1.txt": b""},
    ),
    row(
        "import-not-zip",
        ["ncci", "import", "--db", "{tmp}/s.db", "{tmp}/x.zip"],
        "not a readable zip",
        {"x.zip": b"PK\x03\x04 nope"},
    ),
    row(
        "import-db-junk",
        ["ncci", "import", "--db", "{tmp}/junk.db", PRA],
        "junk.db",
        {"junk.db": b"hello world" * 100},
    ),
    row(
        "import-db-directory",
        ["ncci", "import", "--db", "{tmp}", PRA],
        "cannot open the NCCI store",
    ),
    # audit: files
    row("audit-missing", ["audit", "{tmp}/missing.json"], "missing.json"),
    row("audit-directory", ["audit", "{tmp}"], "{tmp}"),
    row(
        "audit-utf16-json",
        AUDIT_JSON,
        "wrong encoding",
        {"v.json": codecs.BOM_UTF16_LE + VISIT.encode("utf-16-le")},
    ),
    row(
        "audit-latin1-csv",
        AUDIT_CSV,
        "line 2: wrong encoding",
        {"v.csv": (HEADER + "1,2024-07-01,97530,30,\xe9\n").encode("latin-1")},
    ),
    row("audit-binary", AUDIT_JSON, "wrong encoding", {"v.json": bytes(range(256))}),
    # audit: JSON
    row("json-empty", AUDIT_JSON, "not valid JSON", json_file("")),
    row("json-truncated", AUDIT_JSON, "not valid JSON", json_file(VISIT[:40])),
    row("json-empty-list", AUDIT_JSON, "non-empty list", json_file("[]")),
    row("json-scalar", AUDIT_JSON, "non-empty list", json_file("42")),
    row("json-deep", AUDIT_JSON, "nested too deeply", json_file("[" * 100_000)),
    row("json-huge-int", AUDIT_JSON, "digits", json_file(VISIT.replace("30}", "9" * 5000 + "}"))),
    row("json-float-minutes", AUDIT_JSON, "30.5", json_file(VISIT.replace("30}", "30.5}"))),
    row("json-nan-minutes", AUDIT_JSON, "nan", json_file(VISIT.replace("30}", "NaN}"))),
    row(
        "json-duplicate-key",
        AUDIT_JSON,
        "'services' appears twice",
        json_file(VISIT[:-1] + ', "services": []}'),
    ),
    row("json-unknown-key", AUDIT_JSON, "'copay'", json_file(VISIT[:-1] + ', "copay": 20}')),
    row("json-item-not-object", AUDIT_JSON, "visit 2", json_file(f"[{VISIT}, 7]")),
    row(
        "json-dup-code",
        AUDIT_JSON,
        "twice",
        json_file(VISIT.replace("30}]", '30}, {"code": "97530", "minutes": 5}]')),
    ),
    row(
        "json-bad-date",
        AUDIT_JSON,
        "2024-02-30",
        json_file(VISIT.replace("2024-07-01", "2024-02-30")),
    ),
    row("json-minutes-over-day", AUDIT_JSON, "1441", json_file(VISIT.replace("30}", "1441}"))),
    row(
        "json-modifier",
        AUDIT_JSON,
        "'G'",
        json_file(VISIT.replace("30}", '30, "modifiers": ["G"]}')),
    ),
    # audit: CSV
    row("csv-empty", AUDIT_CSV, "missing column", {"v.csv": b""}),
    row("csv-header-only", AUDIT_CSV, "no visit rows", {"v.csv": HEADER.encode()}),
    row(
        "csv-unknown-column",
        AUDIT_CSV,
        "'copay'",
        {"v.csv": b"visit_id,date_of_service,code,copay\n1,2024-07-01,97530,20\n"},
    ),
    row(
        "csv-repeated-column",
        AUDIT_CSV,
        "'code' appear more than once",
        {"v.csv": b"visit_id,date_of_service,code,code\n1,2024-07-01,97530,97110\n"},
    ),
    row("csv-extra-cells", AUDIT_CSV, "line 2: more cells", csv_file("1,2024-07-01,97530,30,x\n")),
    row("csv-empty-id", AUDIT_CSV, "line 2: empty visit_id", csv_file(",2024-07-01,97530,30\n")),
    row(
        "csv-minutes-word",
        AUDIT_CSV,
        "line 2: minutes='thirty'",
        csv_file("1,2024-07-01,97530,thirty\n"),
    ),
    row(
        "csv-minutes-huge", AUDIT_CSV, "line 2", csv_file("1,2024-07-01,97530," + "9" * 5000 + "\n")
    ),
    row(
        "csv-unterminated", AUDIT_CSV, "line 2: malformed CSV", csv_file('1,2024-07-01,97530,"30\n')
    ),
    row(
        "csv-huge-cell",
        AUDIT_CSV,
        "line 2: malformed CSV",
        csv_file('1,2024-07-01,"' + "x" * 200_000 + '",30\n'),
    ),
    row(
        "csv-disagree",
        AUDIT_CSV,
        "line 3",
        csv_file("1,2024-07-01,97530,30\n1,2024-07-02,97110,15\n"),
    ),
    row(
        "csv-duplicate-code",
        AUDIT_CSV,
        "visit '1'",
        csv_file("1,2024-07-01,97530,30\n1,2024-07-01,97530,15\n"),
    ),
    row("csv-bad-code", AUDIT_CSV, "'9753'", csv_file("1,2024-07-01,9753,30\n")),
    row("csv-bad-date", AUDIT_CSV, "1990", csv_file("1,1989-12-31,97530,30\n")),
    row(
        "csv-separate",
        AUDIT_CSV,
        "'maybe'",
        {"v.csv": b"visit_id,date_of_service,code,separate_interval\n1,2024-07-01,97530,maybe\n"},
    ),
]


@pytest.mark.parametrize(("argv", "files", "match"), ROWS)
def test_cli_bad_input_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    files: Files,
    match: str,
) -> None:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if args and args[0] == "audit":
        args.append("--fail-fast")  # without it a bad visit is an error record (issue 16)
    code = cli.main(args)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == ""
    assert err.startswith("ot-billing"), err
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert match.replace("{tmp}", str(tmp_path)) in err


def test_matrix_reaches_every_subcommand() -> None:
    firsts = {p.values[0][0] for p in ROWS if p.values[0]}
    assert firsts >= {"lookup", "codes", "units", "eval", "check", "ncci", "audit"}
    assert len(ROWS) >= 80
