"""Structured NCCI hits (ncci/_checks.py) and check_bundling as their composer."""

from __future__ import annotations

from datetime import date

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules.bundling import check_bundling, findings, hits, prepare
from ot_billing_rules.lines import ServiceLine
from ot_billing_rules.modifiers import BypassPlacement
from ot_billing_rules.ncci import (
    MUE,
    EditSet,
    MUEHit,
    PTPEdit,
    PTPHit,
    Setting,
    group_lines,
    mue_hits,
    ptp_hits,
    rebypass,
)

DOS = date(2024, 7, 1)
EDITS = EditSet.bundled()


def _ptp(lines: list[ServiceLine], **kw: object) -> tuple[PTPHit, ...]:
    opts: dict[str, object] = {
        "on": DOS,
        "setting": Setting.PRACTITIONER,
        "placement": BypassPlacement.EITHER,
    }
    opts.update(kw)
    return ptp_hits(group_lines(lines), EDITS, **opts)  # type: ignore[arg-type]


def test_an_unbypassed_indicator_1_edit() -> None:
    (hit,) = _ptp([ServiceLine("97150", 1, ["GO"]), ServiceLine("97530", 1, ["GO"])])
    assert hit.codes == ("97150", "97530")
    assert hit.bypassable
    assert not hit.bypassed
    assert hit.bypassed_by is None
    assert hit.bypass_on is None


def test_a_bypass_on_column_2_is_named_with_its_line() -> None:
    (hit,) = _ptp([ServiceLine("97150", 1, ["GO"]), ServiceLine("97530", 1, ["GO", "XU"])])
    assert (hit.bypassed_by, hit.bypass_on) == ("XU", "97530")


def test_a_column_1_bypass_counts_only_under_either_placement() -> None:
    lines = [ServiceLine("97150", 1, ["GO", "59"]), ServiceLine("97530", 1, ["GO"])]
    (either,) = _ptp(lines)
    (strict,) = _ptp(lines, placement=BypassPlacement.COLUMN2)
    (early,) = _ptp(lines, on=date(2019, 6, 30))
    assert (either.bypassed_by, either.bypass_on) == ("59", "97150")
    assert not strict.bypassed
    assert not early.bypassed  # before CR 11168 only column 2 counts


def test_an_x_modifier_before_2015_does_not_bypass() -> None:
    lines = [ServiceLine("97150", 1, ["GO"]), ServiceLine("97530", 1, ["GO", "XU"])]
    (hit,) = _ptp(lines, on=date(2014, 12, 31))
    assert not hit.bypassed


def test_every_pairing_must_carry_the_bypass() -> None:
    lines = [
        ServiceLine("97150", 1, ["GO"]),
        ServiceLine("97530", 1, ["GO", "59"]),
        ServiceLine("97530", 1, ["GO"]),
    ]
    (hit,) = _ptp(lines)
    assert not hit.bypassed


class _Overlay:
    """A tiny EditData: one indicator-0 edit and one MAI-1 MUE."""

    release = "test"
    release_date = None

    def ptp_edits(
        self, code_a: str, code_b: str, *, on: object, setting: object = None
    ) -> tuple[PTPEdit, ...]:
        if {code_a, code_b} == {"97110", "97530"}:
            return (PTPEdit("97530", "97110", date(2020, 1, 1), None, "0", "test", "practitioner"),)
        return ()

    def mue(self, code: str, *, on: object = None, setting: object = None) -> MUE | None:
        return MUE(code, 2, "1", "test", "practitioner", None) if code == "97110" else None

    def status(self, code: str) -> None:
        return None


def test_indicator_0_records_the_modifiers_tried() -> None:
    lines = [ServiceLine("97530", 1, ["GO", "LT"]), ServiceLine("97110", 1, ["GO", "59", "KX"])]
    (hit,) = ptp_hits(
        group_lines(lines),
        _Overlay(),
        on=DOS,
        setting=Setting.PRACTITIONER,
        placement=BypassPlacement.EITHER,
    )
    assert not hit.bypassable
    assert not hit.bypassed
    assert hit.tried == ("59", "LT")


def test_mue_hits_per_line_group_lines_by_units() -> None:
    lines = [ServiceLine("97110", 3), ServiceLine("97110", 3), ServiceLine("97110", 4)]
    found = mue_hits(group_lines(lines), _Overlay(), on=DOS, setting=Setting.PRACTITIONER)
    assert [(h.units, h.scope, h.lines) for h in found] == [(3, "per_line", 2), (4, "per_line", 1)]


def test_mue_hit_per_date_and_zero() -> None:
    over = mue_hits(
        group_lines([ServiceLine("97530", 7)]), EDITS, on=DOS, setting=Setting.PRACTITIONER
    )
    assert [(h.code, h.units, h.scope) for h in over] == [("97530", 7, "per_date")]
    assert isinstance(over[0], MUEHit)
    assert over[0].mue.value == 6


def test_rebypass_rereads_new_modifiers_without_new_lookups() -> None:
    before = [ServiceLine("97150", 1, ["GO"]), ServiceLine("97530", 1, ["GO"])]
    after = [ServiceLine("97150", 1, ["GO"]), ServiceLine("97530", 1, ["GO", "59"])]
    (hit,) = _ptp(before)
    (again,) = rebypass([hit], group_lines(after), on=DOS, placement=BypassPlacement.EITHER)
    assert again.edit is hit.edit
    assert (again.bypassed_by, again.bypass_on) == ("59", "97530")
    assert again == _ptp(after)[0]


# -- check_bundling's ncci findings are the hits, one for one ----------------------------

_CODES = ["97150", "97530", "97140", "97110", "97112", "97535", "97010", "97012", "97129", "99213"]
_MODS = ["GO", "GP", "KX", "59", "XU", "XS", "XE", "25", "LT", "RT", "76"]

_line = st.builds(
    ServiceLine,
    st.sampled_from(_CODES),
    st.integers(1, 9),
    st.lists(st.sampled_from(_MODS), max_size=4, unique=True),
)


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(_line, min_size=1, max_size=6),
    day=st.dates(date(2012, 1, 1), date(2024, 9, 30)),
    placement=st.sampled_from(list(BypassPlacement)),
    setting=st.sampled_from(list(Setting)),
)
def test_ncci_findings_match_the_hits_one_for_one(
    lines: list[ServiceLine], day: date, placement: BypassPlacement, setting: Setting
) -> None:
    bundle = prepare(lines, on=day, setting=setting, bypass=placement)
    ptp, mue = hits(bundle)
    found = check_bundling(lines, on=day, setting=setting, bypass=placement)
    assert found == findings(bundle, ptp, mue)
    pairs = [f for f in found if f.rule in ("ncci.ptp", "ncci.bypass")]
    expected = sorted((h.codes, "ncci.bypass" if h.bypassed else "ncci.ptp") for h in ptp)
    assert sorted((f.codes, f.rule) for f in pairs) == expected
    for f in pairs:
        if f.rule == "ncci.bypass":
            hit = next(h for h in ptp if h.codes == f.codes)
            assert f"modifier {hit.bypassed_by} on {hit.bypass_on}" in f.message
    mues = [f for f in found if f.rule == "ncci.mue"]
    assert sorted(f.codes[0] for f in mues) == sorted(h.code for h in mue)
    # Without NCCI the hits leave no trace, and nothing else changes.
    plain = findings(bundle, ptp, mue, ncci=False)
    assert [f for f in found if not f.rule.startswith("ncci.")] == list(plain)


def test_hits_are_frozen_values() -> None:
    (hit,) = _ptp([ServiceLine("97150", 1, ["GO"]), ServiceLine("97530", 1, ["GO"])])
    assert attrs.evolve(hit) == hit
    assert hash(hit) == hash(attrs.evolve(hit))
