"""Findings / Lines: tuples that display themselves; the report's HTML view (issue 16, item 5)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import attrs
import pytest

import ot_billing_rules as ob
from _fresh import run_script
from ot_billing_rules import Findings, Lines

PTP = {
    "visit_id": "v<1>",
    "patient_id": "p1",
    "date_of_service": "2024-07-01",
    "ytd_allowed": "2300.00",
    "visit_allowed": "120.00",
    "services": [
        {"code": "97530", "minutes": 38},
        {"code": "97150", "minutes": 20},
        {"code": "97535", "minutes": 5},
    ],
}


@pytest.fixture(scope="module")
def report() -> ob.AuditReport:
    return ob.audit_visit(PTP)


def test_report_collections_are_the_display_types_and_still_tuples(
    report: ob.AuditReport,
) -> None:
    assert type(report.findings) is Findings
    assert type(report.lines) is Lines
    assert isinstance(report.findings, tuple)
    assert report.findings == tuple(report.findings)
    assert hash(report.lines) == hash(tuple(report.lines))
    # to_dict (and so JSON and the golden files) is unchanged: lists of dicts.
    data = report.to_dict()
    assert isinstance(data["findings"], list)
    assert json.loads(json.dumps(data)) == data


def test_evolve_with_a_plain_tuple_gives_the_display_type(report: ob.AuditReport) -> None:
    again = attrs.evolve(report, findings=tuple(report.findings[:1]), lines=[])
    assert type(again.findings) is Findings
    assert type(again.lines) is Lines
    assert again.lines == ()


def test_short_reprs(report: ob.AuditReport) -> None:
    assert repr(report.lines) == "<2 claim lines: 97150x1:GO,KX, 97530x3:GO,KX>"
    text = repr(report.findings)
    assert text.startswith(f"<{len(report.findings)} findings (1 error, ")
    assert "ncci.ptp" in text
    assert repr(Findings()) == "<0 findings>"
    assert repr(Lines()) == "<0 claim lines>"
    many = Lines(ob.ClaimLine("97530", 1) for _ in range(6))
    assert repr(many).endswith(", …>")


def test_report_repr_is_one_short_line(report: ob.AuditReport) -> None:
    text = repr(report)
    assert text == (
        "<AuditReport visit 'v<1>' 2024-07-01 payer='medicare' status=errors: "
        "2 claim lines, 4 findings (1 error, 1 warning, 2 infos)>"
    )
    assert [f.severity.value for f in report.findings] == ["error", "warning", "info", "info"]
    # A result holding the report stays readable too.
    assert len(repr(next(ob.audit_many([PTP])))) < 300


def test_by_severity_counts_errors_first() -> None:
    f = [
        ob.Finding("a.b", "info", (), "m"),
        ob.Finding("c.d", "error", (), "m"),
        ob.Finding("e.f", "info", (), "m"),
    ]
    assert list(Findings(f).by_severity().items()) == [("error", 1), ("info", 2)]


def test_html_tables_escape_input() -> None:
    f = Findings([ob.Finding("x.y", "error", ("97530",), "<script>alert(1)</script>")])
    html = f._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "Findings (1)" in html
    assert "<th>code</th>" in Lines([ob.ClaimLine("97530", 2, ("GO",))])._repr_html_()


def test_report_view_has_visit_payer_kx_totals_and_not_billed(report: ob.AuditReport) -> None:
    html = report._repr_html_()
    assert "v&lt;1&gt;" in html  # the visit id, escaped
    assert "<td>payer</td><td>medicare</td>" in html
    assert "<td>patient</td><td>p1</td>" in html
    assert report.kx is not None
    assert "KX year-to-date</td><td>$2,300.00" in html
    assert f"KX total with this visit</td><td>${report.kx.total:,.2f}" in html
    (skipped,) = [s for s in report.services if not s.billed]
    assert "<caption>Not billed</caption>" in html
    assert f"<td>{skipped.code}</td>" in html
    assert "ncci.ptp" in html


def test_display_types_pickle_in_every_protocol(report: ob.AuditReport) -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(report, protocol))
        assert again == report
        assert type(again.findings) is Findings
        assert type(again.lines) is Lines


def test_pool_results_and_a_fresh_process_read_the_display_types(tmp_path: Path) -> None:
    blob = tmp_path / "report.pickle"
    blob.write_bytes(pickle.dumps(ob.audit_visit(PTP)))
    out = run_script(
        tmp_path,
        f"""
        import json, pickle
        import ot_billing_rules as ob
        report = pickle.loads(open({str(blob)!r}, "rb").read())
        visits = [dict({PTP!r}, visit_id=f"v{{n}}") for n in range(6)]
        if __name__ == "__main__":
            pooled = list(ob.audit_many(visits, workers=2, chunksize=2))
            print(json.dumps([
                type(report.findings).__name__,
                type(report.lines).__name__,
                sorted({{type(r.report.findings).__name__ for r in pooled}}),
                sorted({{type(r.report.lines).__name__ for r in pooled}}),
            ]))
        """,
    )
    assert out == ["Findings", "Lines", ["Findings"], ["Lines"]]
