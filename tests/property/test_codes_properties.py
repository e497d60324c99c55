"""Hypothesis properties of the code catalog."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob

CATALOG = sorted(c.code for c in ob.codes())
days = st.dates(min_value=date(2010, 1, 1), max_value=date(2030, 12, 31))
# Codes as users type them: any case, stray whitespace around.
spelled = st.builds(
    lambda code, lower, pad_l, pad_r: pad_l + (code.lower() if lower else code) + pad_r,
    st.sampled_from(CATALOG),
    st.booleans(),
    st.sampled_from(["", " ", "\t", "  "]),
    st.sampled_from(["", " ", "\n"]),
)


@given(st.text(max_size=8))
def test_is_valid_code_never_raises(text: str) -> None:
    assert ob.is_valid_code(text) in (True, False)


@given(st.text(max_size=8))
def test_normalize_is_idempotent_and_agrees_with_is_valid(text: str) -> None:
    if ob.is_valid_code(text):
        once = ob.normalize_code(text)
        assert ob.normalize_code(once) == once
    else:
        try:
            ob.normalize_code(text)
        except ob.InvalidCodeError:
            pass
        else:
            raise AssertionError(f"{text!r} normalised though not valid")


@given(spelled, days)
def test_lookup_code_is_the_normalised_input(raw: str, on: date) -> None:
    try:
        entry = ob.lookup(raw, on=on)
    except ob.CodeNotEffectiveError as exc:
        assert exc.code == ob.normalize_code(raw)
        assert not ob.get(raw).is_effective(on)  # type: ignore[union-attr]
    else:
        assert entry.code == ob.normalize_code(raw)


@given(days)
def test_codes_on_a_date_are_effective_and_lookup_agrees(on: date) -> None:
    listed = ob.codes(on=on)
    for entry in listed:
        assert entry.effective <= on
        assert entry.deleted is None or on <= entry.deleted
        assert ob.lookup(entry.code, on=on) == entry
    absent = set(CATALOG) - {c.code for c in listed}
    for code in absent:
        try:
            ob.lookup(code, on=on)
        except ob.CodeNotEffectiveError:
            continue
        raise AssertionError(f"{code} looked up on {on} though codes() left it out")


@given(days, st.sampled_from([None, *list(ob.Category)]), st.sampled_from([None, True, False]))
def test_codes_filters_compose(on: date, category: ob.Category | None, timed: bool | None) -> None:
    both = set(ob.codes(on=on, category=category, timed=timed))
    assert both == set(ob.codes(on=on)) & set(ob.codes(category=category)) & set(
        ob.codes(timed=timed)
    )


@given(st.sampled_from(CATALOG))
def test_replacements_are_catalog_codes_effective_after_deletion(code: str) -> None:
    entry = ob.get(code)
    assert entry is not None
    if entry.deleted is not None:
        assert entry.replaced_by
        day_after = date.fromordinal(entry.deleted.toordinal() + 1)
        for new in entry.replaced_by:
            successor = ob.get(new)
            assert successor is not None
            assert successor.effective <= day_after
