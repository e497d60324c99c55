"""Invariants of check_bundling over the bundled July 2024 edits."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob

# Codes with many edits among them (therapy, evaluations, E/M, CMT, strapping).
CODES = [
    "97110", "97112", "97140", "97150", "97165", "97166", "97168", "97530", "97535",
    "97750", "97010", "97129", "97130", "99213", "98940", "29581", "G0283", "97032",
]  # fmt: skip
MODIFIERS = ["GO", "GP", "59", "XU", "XS", "25", "LT", "RT", "KX", "CO", "76"]
DATES = [date(2019, 12, 31), date(2020, 1, 1), date(2021, 6, 1), date(2024, 7, 1)]

lines_st = st.lists(
    st.builds(
        ob.ServiceLine,
        st.sampled_from(CODES),
        st.integers(1, 8),
        st.lists(st.sampled_from(MODIFIERS), max_size=3, unique=True),
    ),
    max_size=5,
)
options_st = st.fixed_dictionaries(
    {
        "on": st.sampled_from(DATES),
        "setting": st.sampled_from(list(ob.Setting)),
        "bypass": st.sampled_from(["either", "column2"]),
    }
)


def ptp(found: tuple[ob.Finding, ...]) -> set[tuple[str, ...]]:
    return {f.codes for f in found if f.rule == "ncci.ptp"}


@given(lines_st, options_st, st.data())
def test_adding_a_modifier_never_creates_a_ptp_finding(
    lines: list[ob.ServiceLine], options: dict[str, object], data: st.DataObject
) -> None:
    if not lines:
        return
    i = data.draw(st.integers(0, len(lines) - 1))
    mod = data.draw(st.sampled_from(MODIFIERS))
    more = list(lines)
    more[i] = ob.ServiceLine(lines[i].code, lines[i].units, (*lines[i].modifiers, mod))
    before = ptp(ob.check_bundling(lines, **options))  # type: ignore[arg-type]
    after = ptp(ob.check_bundling(more, **options))  # type: ignore[arg-type]
    assert after <= before


@given(lines_st, options_st, st.data())
def test_removing_a_line_never_creates_a_ptp_finding(
    lines: list[ob.ServiceLine], options: dict[str, object], data: st.DataObject
) -> None:
    if not lines:
        return
    i = data.draw(st.integers(0, len(lines) - 1))
    fewer = lines[:i] + lines[i + 1 :]
    before = ptp(ob.check_bundling(lines, **options))  # type: ignore[arg-type]
    after = ptp(ob.check_bundling(fewer, **options))  # type: ignore[arg-type]
    assert after <= before


@given(lines_st, options_st, st.randoms(use_true_random=False))
def test_line_order_never_changes_findings(
    lines: list[ob.ServiceLine], options: dict[str, object], rnd: object
) -> None:
    shuffled = list(lines)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert ob.check_bundling(shuffled, **options) == ob.check_bundling(lines, **options)  # type: ignore[arg-type]


@given(lines_st, options_st)
def test_every_ptp_finding_has_an_edit_in_force(
    lines: list[ob.ServiceLine], options: dict[str, object]
) -> None:
    edits = ob.EditSet.bundled()
    for c1, c2 in ptp(ob.check_bundling(lines, **options)):  # type: ignore[arg-type]
        rows = edits.ptp_edits(c1, c2, on=options["on"], setting=options["setting"])  # type: ignore[arg-type]
        assert any(r.column_1 == c1 and r.modifier_indicator.value in "01" for r in rows)


@given(lines_st, options_st)
def test_mue_findings_only_above_the_limit(
    lines: list[ob.ServiceLine], options: dict[str, object]
) -> None:
    edits = ob.EditSet.bundled()
    flagged = {f.codes[0] for f in ob.check_bundling(lines, **options) if f.rule == "ncci.mue"}  # type: ignore[arg-type]
    for code in {line.code for line in lines}:
        mue = edits.mue(code, on=options["on"], setting=options["setting"])  # type: ignore[arg-type]
        total = sum(line.units for line in lines if line.code == code)
        assert (code in flagged) == (mue is not None and (mue.value == 0 or total > mue.value))


@given(lines_st, options_st)
def test_findings_sorted_and_serialisable(
    lines: list[ob.ServiceLine], options: dict[str, object]
) -> None:
    found = ob.check_bundling(lines, **options)  # type: ignore[arg-type]
    assert found == ob.findings.sort_findings(found)
    assert all(isinstance(f.to_dict()["message"], str) and f.message for f in found)
