"""PTP findings worded once per distinct hit equal the ones worded afresh (issue 17).

The wording of an ``ncci.ptp`` / ``ncci.bypass`` finding depends only on the
hit (codes, edit row, modifiers), the table (setting and release) and the
bypass-placement era; ``bundling`` keeps each worded finding by that key.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import bundling

CODES = ["97150", "97530", "97140", "97165", "97166", "97750", "97535", "97110", "97010"]
MODS = ["GO", "59", "XU", "XS", "LT", "RT", "25"]
lines = st.lists(
    st.tuples(
        st.sampled_from(CODES), st.integers(1, 3), st.lists(st.sampled_from(MODS), max_size=2)
    ),
    min_size=2,
    max_size=5,
)
days = st.dates(date(2018, 1, 1), date(2026, 12, 31))


@settings(max_examples=300, deadline=None)
@given(
    lines,
    days,
    st.sampled_from(["either", "column2"]),
    st.sampled_from(list(ob.Setting)),
)
def test_worded_once_equals_worded_afresh(
    items: list[tuple[str, int, list[str]]], on: date, bypass: str, where: ob.Setting
) -> None:
    given_lines = [ob.ServiceLine(c, u, sorted(set(m))) for c, u, m in items]
    warm = ob.check_bundling(given_lines, on=on, bypass=bypass, setting=where)
    again = ob.check_bundling(given_lines, on=on, bypass=bypass, setting=where)
    bundling._PTP_WORDED.clear()
    cold = ob.check_bundling(given_lines, on=on, bypass=bypass, setting=where)
    assert warm == again == cold
    assert [f.to_dict() for f in warm] == [f.to_dict() for f in cold]
    bundle = bundling.prepare(given_lines, on=on, bypass=bypass, setting=where)
    ptp, _ = bundling.hits(bundle)
    strict = bypass == "column2" or on < date(2019, 7, 1)
    for hit in ptp:
        assert bundling._ptp_finding(bundle, hit) == bundling._word_ptp(
            hit, where, bundle.source, strict
        )


def test_the_placement_era_and_setting_are_part_of_the_key() -> None:
    pair = ["97150:GO", "97530:GO"]
    configs = [
        (on, bypass, where)
        for on in ("2024-07-01", "2019-01-02")
        for bypass in ("either", "column2")
        for where in ob.Setting
    ]
    cold = {}
    for on, bypass, where in configs:
        bundling._PTP_WORDED.clear()
        cold[(on, bypass, where)] = ob.check_bundling(pair, on=on, bypass=bypass, setting=where)
    for _ in range(2):  # warm: every configuration worded before, in turn
        for on, bypass, where in configs:
            found = ob.check_bundling(pair, on=on, bypass=bypass, setting=where)
            assert found == cold[(on, bypass, where)]
    texts = {c: [f.suggestion for f in found if f.rule == "ncci.ptp"] for c, found in cold.items()}
    assert (
        texts[("2024-07-01", "either", ob.Setting.PRACTITIONER)]
        != texts[("2024-07-01", "column2", ob.Setting.PRACTITIONER)]
    )
