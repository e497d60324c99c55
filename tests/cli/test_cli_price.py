"""``ot-billing price``, ``fees`` and ``localities``, run in a fresh process.

Expected dollars are CMS's published Alabama 2025 amounts (97110 $26.83 /
$20.79 reduced; 97530 $31.85 / $23.13), not what the code computed.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ot_billing_rules.cli", *argv],
        capture_output=True,
        text=True,
        check=False,
    )


def test_price_json_is_the_pricing() -> None:
    done = run("price", "97110x2:GO", "97530x2:GO", "--on", "2025-06-02",
               "--locality", "10112-00", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["release"] == "RVU25D"
    assert out["allowed"] == "96.56"  # 31.85 + 23.13 + 2 x 20.79
    assert out["paid"] == "75.69"
    assert out["kx_amounts"] == {"OT": "96.56"}
    assert [line["full_units"] for line in out["lines"]] == [0, 1]


def test_price_text_shows_each_amount_and_the_explanation() -> None:
    done = run("price", "97530:GO,CO", "--on", "2025-06-02", "--locality", "10112-00")
    assert done.returncode == 0, done.stderr
    header = done.stdout.splitlines()[0].split()
    for column in ("allowed", "MPPR", "coinsurance", "payment", "CQ/CO", "sequestration", "paid"):
        assert column in header
    row = done.stdout.splitlines()[2].split()
    # allowed, MPPR cut, coinsurance, payment, CQ/CO cut, sequestration, paid, bucket
    assert row[1:] == ["31.85", "0.00", "6.37", "25.48", "3.82", "0.43", "21.23", "OT"]
    assert "KX accrual: OT 31.85" in done.stdout
    assert "Priced with CMS release RVU25D" in done.stdout


def test_price_charge_lowers_allowed_and_discipline_sets_bucket() -> None:
    done = run("price", "97110", "--on", "2025-06-02", "--locality", "10112-00",
               "--charge", "97110=20.00", "--discipline", "PT", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["lines"][0]["allowed"] == "20.00"
    assert out["kx_amounts"] == {"PT_SLP": "20.00"}


def test_price_facility_and_qp_flags_reach_the_fee() -> None:
    done = run("price", "97530:GO", "--on", "2026-05-04", "--qp", "--facility", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["facility"] is True
    assert out["qp"] is True
    assert out["lines"][0]["fee"]["conversion_factor"] == "33.5675"


def test_fees_table_and_json() -> None:
    done = run("fees", "--on", "2025-06-02", "--locality", "10112-00", "--codes", "97110,97530")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2].split() == ["97110", "26.83", "20.79", "A", "RVU25D"]
    assert lines[3].split() == ["97530", "31.85", "23.13", "A", "RVU25D"]
    done = run("fees", "--on", "2025-06-02", "--json")
    assert done.returncode == 0, done.stderr
    codes = {row["code"] for row in json.loads(done.stdout)}
    assert {"97110", "97530", "97165"} <= codes


def test_fees_show_an_unpaid_status_without_an_amount() -> None:
    # 97010 (hot/cold packs) is status B, bundled, in the CMS RVU file.
    done = run("fees", "--on", "2025-06-02", "--codes", "97010", "--json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)
    assert (row["status"], row["amount"]) == ("B", None)
    assert "bundled" in row["note"]


def test_fees_facility_flag_changes_a_sometimes_therapy_code() -> None:
    def amount(*flags: str) -> str:
        done = run("fees", "--on", "2025-06-02", "--codes", "97129", "--json", *flags)
        assert done.returncode == 0, done.stderr
        return str(json.loads(done.stdout)[0]["amount"])

    assert amount("--facility") != amount()


def test_localities_by_state_and_county() -> None:
    done = run("localities", "--on", "2025-06-02", "--state", "CA", "--county", "Marin", "--json")
    assert done.returncode == 0, done.stderr
    assert [loc["id"] for loc in json.loads(done.stdout)] == ["01112-52"]
    done = run("localities", "--on", "2025-06-02", "--state", "al")
    assert done.returncode == 0, done.stderr
    assert "10112-00" in done.stdout


def test_help_lists_the_commands() -> None:
    done = run("--help")
    assert done.returncode == 0
    for command in ("price", "fees", "localities"):
        assert command in done.stdout


LOADED = """
import io, json, sys, contextlib
from ot_billing_rules.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
print(json.dumps(sorted(m for m in sys.modules if m.startswith("ot_billing_rules."))))
"""


def _loaded(*argv: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", LOADED, *argv], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return list(json.loads(done.stdout))


def test_only_the_chosen_command_module_is_imported() -> None:
    lookup = _loaded("lookup", "97110", "--on", "2025-06-02")
    assert "ot_billing_rules.cli.price" not in lookup
    assert "ot_billing_rules.payment" not in lookup
    price = _loaded("fees", "--on", "2025-06-02", "--codes", "97110")
    assert "ot_billing_rules.cli.price" in price
    assert "ot_billing_rules.cli.audit" not in price


def test_visit_pricing_fields_keep_the_package_import_cheap() -> None:
    code = (
        "import json, sys, ot_billing_rules as ob\n"
        "ob.Visit.from_dict({'date_of_service': '2025-06-02', 'locality': '10112-00',"
        " 'place_of_service': '22', 'services': [{'code': '97530', 'minutes': 30}]})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ot_billing_rules.'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)  # fmt: skip
    loaded = json.loads(done.stdout)
    assert "ot_billing_rules.payment" not in loaded
    assert "ot_billing_rules.place_of_service" in loaded


@pytest.mark.parametrize(
    ("argv", "needles"),
    [
        (["price", "97110", "--on", "2025-06-02", "--locality", "Alabama"],
         ["'Alabama'", "ot-billing localities"]),
        (["fees", "--on", "2025-06-02", "--locality", "99999-99"],
         ["'99999-99'", "ot-billing localities"]),
        (["price", "97110", "--on", "2025-02-30"], ["2025-02-30"]),
        (["price", "97110", "--on", "2023-12-29"], ["2023-12-29", "RVU24A"]),
        (["fees", "--on", "June 2"], ["'June 2'"]),
        (["localities", "--on", "yesterday"], ["'yesterday'"]),
        (["price", "97110x:GO", "--on", "2025-06-02"], ["'97110x:GO'", "CODE[xUNITS]"]),
        (["price", "97110", "--on", "2025-06-02", "--charge", "97110"], ["CODE=AMOUNT"]),
        (["price", "97110", "--on", "2025-06-02", "--charge", "97110=abc"], ["abc"]),
        (["price", "97110", "--on", "2025-06-02", "--charge", "97110=12.5.0"], ["12.5.0"]),
        (["price", "97110", "--on", "2025-06-02", "--charge", "97110=-5"], ["-5"]),
        (["price", "97110", "--on", "2025-06-02", "--charge", "97530=5"], ["97530"]),
        (["price", "97110", "97110:GO", "--on", "2025-06-02", "--charge", "97110=5"],
         ["more than one line"]),
        (["price", "97110", "--on", "2025-06-02", "--discipline", "XX"], ["'XX'"]),
        (["price", "97110:GO,GP", "--on", "2025-06-02"], ["GO, GP"]),
        (["fees", "--on", "2025-06-02", "--codes", "99999"], ["99999"]),
        (["fees", "--on", "2025-06-02", "--codes", ","], ["names no code"]),
        (["localities", "--on", "2025-06-02", "--state", "ZZ"], ["'ZZ'", "AL"]),
        (["price", "97110"], ["--on"]),
    ],
)  # fmt: skip
def test_user_errors_are_one_line_exit_2(argv: list[str], needles: list[str]) -> None:
    done = run(*argv)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for needle in needles:
        assert needle in done.stderr
