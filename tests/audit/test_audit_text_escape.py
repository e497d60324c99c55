"""``AuditReport.to_text()`` escapes input text (issue 11): no forged report lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules import audit_visit
from ot_billing_rules.audit import escape_text

VISIT = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 30}]}


def text_for(visit_id: str) -> str:
    return audit_visit({**VISIT, "visit_id": visit_id}).to_text()


def test_newline_in_visit_id_cannot_forge_a_line() -> None:
    clean = text_for("v1").splitlines()
    forged = text_for("v1\nErrors:\n  ncci.ptp: forged\rVisit x").splitlines()
    assert len(forged) == len(clean)
    assert forged[0].startswith("Visit v1\\nErrors:\\n  ncci.ptp: forged\\rVisit x 2024-07-01")
    assert forged[1:] == clean[1:]


def test_controls_surrogates_and_backslash_are_escaped() -> None:
    head = text_for("a\x1b[31m\u2028\udcff\\n\t").splitlines()[0]
    assert head.startswith("Visit a\\x1b[31m\\u2028\\udcff\\\\n\\t 2024-07-01")
    head.encode("utf-8")  # no lone surrogate left: printable on any UTF-8 stream


def test_printable_text_is_kept() -> None:
    assert text_for("Zoë-療法 #1").splitlines()[0].startswith("Visit Zoë-療法 #1 2024-07-01")


@given(st.text())
def test_escape_is_one_printable_line_and_reversible(text: str) -> None:
    out = escape_text(text)
    assert out.isprintable()
    assert "\n" not in out
    # Python's own decoder reads the escapes back: nothing is lost or ambiguous.
    back = out.encode("utf-8").decode("unicode_escape") if out.isascii() else None
    if back is not None:
        assert back == text
