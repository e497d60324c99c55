"""The dated PTP history: ``ncci.retroactive`` for edits CMS deleted after the fact.

The 2020-01-01 edits pairing 97530/97150 with the evaluation codes were
deleted retroactively to 2020-01-01 in the 2020-04-01 NCCI release (CMS
announcement of 2020-01-24; the CMS PTP files list them with deletion date
20200101 and modifier indicator 9). The audit follows the files as known
now, so no ``ncci.ptp`` fires, and says that the rule for the date changed.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules import audit_visit
from ot_billing_rules.findings import Finding
from ot_billing_rules.ncci import EditSet
from ot_billing_rules.ncci._history import changes_for, retroactive_changes
from ot_billing_rules.payers import MEDICARE
from ot_billing_rules.sources import RULES, cite
from ot_billing_rules.terms import Setting

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "data" / "sources"


def _rules(
    day: str, *codes: str, setting: str = "practitioner", payer: object = None
) -> dict[str, Finding]:
    services = [{"code": c, "minutes": 30} if c == "97530" else {"code": c} for c in codes]
    visit: dict[str, object] = {"date_of_service": day, "services": services, "setting": setting}
    report = audit_visit(visit) if payer is None else audit_visit({**visit, "payer": payer})
    return {f.rule: f for f in report.findings}


def test_retroactive_finding_inside_the_changed_window() -> None:
    found = _rules("2020-02-03", "97166", "97530")
    finding = found["ncci.retroactive"]
    assert finding.severity.value == "info"
    assert finding.codes == ("97530", "97166")
    assert "deleted retroactively to 2020-01-01" in finding.message
    assert "2020-04-01" in finding.message
    assert "2020-01-24" in finding.message
    assert finding.source.startswith(cite("ncci_ptp_history") + ";")
    assert "deletion date 20200101" in finding.source
    # What is known now: the edit never applied, so nothing is denied.
    assert "ncci.ptp" not in found


@pytest.mark.parametrize("day", ["2019-12-31", "2020-04-01", "2024-07-01"])
def test_no_finding_outside_the_window(day: str) -> None:
    assert "ncci.retroactive" not in _rules(day, "97166", "97530")


def test_group_therapy_and_outpatient_hospital() -> None:
    finding = _rules("2020-03-31", "97165", "97150", setting="outpatient_hospital")[
        "ncci.retroactive"
    ]
    assert finding.codes == ("97150", "97165")
    assert "outpatient hospital" in finding.message


def test_only_the_pair_billed_together() -> None:
    assert "ncci.retroactive" not in _rules("2020-02-03", "97166", "97110")
    assert "ncci.retroactive" not in _rules("2020-02-03", "97530")


def test_payer_without_ncci_edits_gets_no_finding() -> None:
    off = attrs.evolve(MEDICARE, name="no-ncci", ncci_edits=False)
    assert "ncci.retroactive" not in _rules("2020-02-03", "97166", "97530", payer=off)


def test_medicaid_edit_set_gets_no_medicare_history() -> None:
    medicaid = attrs.evolve(MEDICARE, name="medicaid-edits", edits=_medicaid_edits())
    assert "ncci.retroactive" not in _rules("2020-02-03", "97166", "97530", payer=medicaid)


def _medicaid_edits() -> EditSet:
    fixture = ROOT / "tests" / "fixtures" / "cms" / "ccipra-v302r0-f1.txt"
    return EditSet.from_cms_files(fixture, program="medicaid")


def test_rule_is_registered_with_its_citation() -> None:
    rule = RULES["ncci.retroactive"]
    assert rule.family == "ncci"
    assert rule.citations == ("ncci_ptp_history",)


def test_every_history_row_is_a_deleted_row_of_the_cms_extract() -> None:
    changes = retroactive_changes()
    # CMS's list: 97530 or 97150 with 97161-97163, 97165-97167, 97169-97172, both settings.
    evaluations = {"97161", "97162", "97163", "97165", "97166", "97167"}
    evaluations |= {"97169", "97170", "97171", "97172"}
    assert {c.column_2 for c in changes} == evaluations
    assert {c.column_1 for c in changes} == {"97530", "97150"}
    assert len(changes) == 2 * 2 * len(evaluations)
    deleted = set()
    for setting in ("practitioner", "outpatient_hospital"):
        path = SOURCES / "ncci_2024-07-01" / f"ptp_{setting}_2024-07-01_ot_subset.csv"
        with path.open(newline="", encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                if (
                    r["deletion_date"] == "20200101"
                    and r["modifier_indicator"] == "9"
                    and r["column_1"] in ("97530", "97150")
                    and r["column_2"] in evaluations
                ):
                    deleted.add((setting, r["column_1"], r["column_2"]))
    assert {(c.setting.value, c.column_1, c.column_2) for c in changes} == deleted


@given(st.dates(min_value=date(2019, 6, 1), max_value=date(2021, 6, 1)))
def test_window_is_exactly_the_dates_the_change_reached_back_to(day: date) -> None:
    hit = changes_for(("97530", "97167"), day, Setting.PRACTITIONER)
    assert bool(hit) == (date(2020, 1, 1) <= day < date(2020, 4, 1))


def _history_copy(tmp_path: Path) -> Path:
    src = tmp_path / "ncci_history"
    shutil.copytree(SOURCES / "ncci_history", src)
    return src


def _build_history(src: Path, dest: Path) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_ncci
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return int(build_ncci.build_history(src, SOURCES / "ncci_2024-07-01", dest))


def test_history_row_not_in_the_cms_file_stops_the_build(tmp_path: Path) -> None:
    src = _history_copy(tmp_path)
    table = src / "ptp_history.csv"
    lines = table.read_text("utf-8").splitlines()
    # 97530/97110 was never deleted on 2020-01-01: the history would contradict CMS.
    lines.append("practitioner,97530,97110,2020-01-01,0,2020-04-01,2020-01-24,2020-01-01,eval2020")
    table.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(SystemExit, match="97530/97110 row deleted on 2020-01-01"):
        _build_history(src, tmp_path)


def test_history_row_without_a_known_source_stops_the_build(tmp_path: Path) -> None:
    src = _history_copy(tmp_path)
    (src / "ptp_history_sources.json").write_text(json.dumps({}), "utf-8")
    with pytest.raises(SystemExit, match="unknown sources id 'eval2020'"):
        _build_history(src, tmp_path)


def test_history_dates_out_of_order_stop_the_build(tmp_path: Path) -> None:
    src = _history_copy(tmp_path)
    table = src / "ptp_history.csv"
    text = table.read_text("utf-8").replace(",2020-04-01,", ",2019-12-01,", 1)
    table.write_text(text, "utf-8")
    with pytest.raises(SystemExit, match="dates out of order"):
        _build_history(src, tmp_path)


def test_window_end_is_exclusive() -> None:
    last = date(2020, 4, 1) - timedelta(days=1)
    assert changes_for(("97150", "97161"), last, Setting.PRACTITIONER)
    assert not changes_for(("97150", "97161"), date(2020, 4, 1), Setting.PRACTITIONER)
