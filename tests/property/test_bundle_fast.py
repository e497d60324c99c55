"""The bundling step's fast paths answer what the plain computation answers (issue 17).

``bundling.findings`` words modifier, status and MUE findings once per
distinct key; an in-memory :class:`EditSet` keeps, per snapshot, its status
findings and each pair's PTP rows (whatever the day); the audit builds the
bypass trial's bundle once and reuses it as the final one. Each cached or
shortened path is held here to the uncached one: a fresh wording, an edit
set that is not exactly an ``EditSet`` (answered every time), and caches
emptied. Snapshots read from other files, re-imported or reopened never get
another's answers.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import audit, bundling, modifiers
from ot_billing_rules import strategies as obst
from ot_billing_rules.catalog import get
from ot_billing_rules.ncci import _checks

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
PRA = FIX / "ccipra-v302r0-f1.txt"
MUE_PRA = FIX / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"

BUNDLED = ob.EditSet.bundled()

# Codes with many edits among them, add-ons, once-per-day and status B/I codes,
# dry needling and 97127 (dated status), an E/M and a code the data lacks.
CODES = [
    "97110", "97112", "97140", "97150", "97165", "97166", "97168", "97530", "97535",
    "97750", "97010", "97129", "97130", "97546", "99213", "98940", "29581", "G0283",
    "97014", "97127", "20560", "G0515", "97032", "0001F",
]  # fmt: skip
MODIFIERS = ["GO", "GP", "GN", "59", "XU", "XS", "XE", "25", "LT", "RT", "KX", "CO", "76", "ZZ"]
DATES = [
    date(2018, 6, 1),
    date(2019, 12, 31),
    date(2020, 1, 1),
    date(2024, 7, 1),
    date(2024, 10, 15),
    date(2026, 5, 1),
]

lines_st = st.lists(
    st.builds(
        ob.ServiceLine,
        st.sampled_from(CODES),
        st.integers(1, 8),
        st.lists(st.sampled_from(MODIFIERS), max_size=5, unique=True),
    ),
    max_size=6,
)
options_st = st.fixed_dictionaries(
    {
        "on": st.sampled_from(DATES),
        "setting": st.sampled_from(list(ob.Setting)),
        "bypass": st.sampled_from(["either", "column2"]),
        "discipline": st.sampled_from(["OT", "PT", "SLP", None]),
    }
)


class _Uncached(ob.EditSet):
    """The same rows, but not exactly an ``EditSet``: no snapshot cache, no kept facts."""


def _uncached(edits: ob.EditSet) -> _Uncached:
    return _Uncached(
        edits.release,
        edits.release_date,
        edits.sources,
        backend=edits._backend,
        program=edits.program,
    )


def _clear_wording() -> None:
    for cache in (
        bundling._LINE_WORDED,
        bundling._STATUS_WORDED,
        bundling._MUE_WORDED,
        bundling._PTP_WORDED,
        bundling._PER_SET,
    ):
        cache.clear()


UNCACHED = _uncached(BUNDLED)


@settings(max_examples=300, deadline=None)
@given(lines_st, options_st)
def test_check_bundling_equals_the_uncached_computation(
    lines: list[ob.ServiceLine], options: dict[str, Any]
) -> None:
    warm = ob.check_bundling(lines, **options)
    assert ob.check_bundling(lines, **options) == warm
    assert ob.check_bundling(lines, edits=UNCACHED, **options) == warm
    _clear_wording()
    assert ob.check_bundling(lines, edits=UNCACHED, **options) == warm


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([*CODES, *(c.code for c in ob.codes())]),
    st.lists(st.sampled_from(MODIFIERS), max_size=6, unique=True).map(tuple),
    st.sampled_from([None, *ob.Discipline]),
)
def test_a_cached_line_wording_equals_a_fresh_one(
    code: str, mods: tuple[str, ...], discipline: ob.Discipline | None
) -> None:
    entry = get(code)
    fresh = modifiers.check_line_modifiers(
        code,
        mods,
        discipline=discipline,
        therapy_list=None if entry is None else entry.therapy_list.value,
    )
    first = bundling._line_findings(code, mods, discipline)
    assert bundling._line_findings(code, mods, discipline) is first
    assert list(first) == fresh


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(CODES), min_size=2, max_size=5, unique=True), st.data())
def test_ptp_hits_of_a_pair_are_the_same_on_every_day(
    codes: list[str], data: st.DataObject
) -> None:
    # The pair's rows are read once per snapshot and filtered per day: each
    # day's answer is the one the edit data gives for that day.
    lines = {c: [ob.ServiceLine(c, 1, ("GO",))] for c in codes}
    where = data.draw(st.sampled_from(list(ob.Setting)))
    placement = ob.BypassPlacement.EITHER
    days = data.draw(
        st.lists(st.dates(date(1996, 1, 1), date(2027, 12, 31)), min_size=1, max_size=6)
    )
    for day in days:
        cached = _checks.ptp_hits(lines, BUNDLED, on=day, setting=where, placement=placement)
        plain = _checks.ptp_hits(lines, UNCACHED, on=day, setting=where, placement=placement)
        assert cached == plain
        assert _checks.mue_hits(lines, BUNDLED, on=day, setting=where) == _checks.mue_hits(
            lines, UNCACHED, on=day, setting=where
        )


def test_an_edit_set_subclass_gets_no_snapshot_cache() -> None:
    assert _checks.snapshot_cache(BUNDLED) is not None
    assert _checks.snapshot_cache(UNCACHED) is None


def test_a_store_gets_no_snapshot_cache(tmp_path: Path) -> None:
    # Each look-up of a store checks that the file was not changed in place.
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PRA, MUE_PRA], db)
    with ob.EditSet.open(db) as store:
        assert _checks.snapshot_cache(store) is None


# -- audits -------------------------------------------------------------------------


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(obst.visits(max_services=6))
def test_an_audit_is_the_same_with_caches_warm_or_emptied(visit: ob.Visit) -> None:
    warm = ob.audit_visit(visit)
    assert ob.audit_visit(visit) == warm
    _clear_wording()
    lookups = _checks.snapshot_cache(BUNDLED)
    assert lookups is not None
    lookups.clear()
    assert ob.audit_visit(visit) == warm


def _visit(services: list[dict[str, object]], day: date = date(2024, 7, 1)) -> ob.Visit:
    return ob.Visit.from_dict({"date_of_service": day.isoformat(), "services": services})


# 97150 with 97530 in separate intervals: the audit adds a bypass modifier.
BYPASSED = [
    {"code": "97530", "minutes": 30, "separate_interval": True},
    {"code": "97150", "minutes": 30},
    {"code": "97110", "minutes": 15},
]


def test_the_bypass_trial_bundle_is_the_final_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every tried modifier is kept: the trial claim is the final claim, so its
    # bundle is built once (the first audit of a visit built it twice).
    built: list[object] = []
    real = audit._bundle_of

    def counting(work: Any, lines: Any) -> Any:
        built.append(lines)
        return real(work, lines)

    monkeypatch.setattr(audit, "_bundle_of", counting)
    report = ob.audit_visit(_visit(BYPASSED))
    assert "audit.bypass_added" in [f.rule for f in report.findings]
    assert len(built) == 2  # the claim as given, then the trial = final claim
    monkeypatch.undo()
    assert ob.audit_visit(_visit(BYPASSED)) == report


def test_a_warm_audit_words_no_line_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    visit = _visit(BYPASSED)
    first = ob.audit_visit(visit)
    calls: list[str] = []
    real = modifiers.check_line_modifiers

    def counting(code: str, *args: Any, **kwargs: Any) -> list[ob.Finding]:
        calls.append(code)
        return real(code, *args, **kwargs)

    monkeypatch.setattr(bundling, "check_line_modifiers", counting)
    assert ob.audit_visit(visit) == first
    assert calls == []


def test_a_year_of_visits_reads_each_pairs_rows_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A batch spread over many days asks the edit data once per pair, not once
    # per pair and day (a fresh snapshot: a pickle round trip has no cache).
    import pickle

    edits = pickle.loads(pickle.dumps(BUNDLED))
    asked: list[tuple[str, str]] = []
    real = ob.EditSet._ptp_edits

    def counting(self: ob.EditSet, a: str, b: str, *args: Any) -> Any:
        asked.append((a, b))
        return real(self, a, b, *args)

    monkeypatch.setattr(ob.EditSet, "_ptp_edits", counting)
    lines = ["97530:GO", "97150:GO", "97110:GO"]
    start = date(2024, 1, 1)
    expected = [
        ob.check_bundling(lines, on=start + timedelta(days=i), edits=UNCACHED) for i in range(40)
    ]
    asked.clear()
    got = [ob.check_bundling(lines, on=start + timedelta(days=i), edits=edits) for i in range(40)]
    assert got == expected
    assert len(asked) == 3  # three pairs, whatever the 40 days


# -- snapshots --------------------------------------------------------------------------


def _status_rules(found: tuple[ob.Finding, ...]) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.rule, f.codes) for f in found if f.rule.startswith("status.")]


def test_each_snapshot_keeps_its_own_status_findings() -> None:
    lines = ["97010:GO", "97110:GO"]
    bundled = ob.EditSet.from_cms_files(PRA, MUE_PRA, status={"97010": "B", "97110": "A"})
    invalid = ob.EditSet.from_cms_files(PRA, MUE_PRA, status={"97010": "A", "97110": "I"})
    for _ in range(2):
        assert _status_rules(ob.check_bundling(lines, on="2024-07-01", edits=bundled)) == [
            ("status.bundled", ("97010",))
        ]
        assert _status_rules(ob.check_bundling(lines, on="2024-07-01", edits=invalid)) == [
            ("status.invalid", ("97110",))
        ]


def _ptp_codes(found: tuple[ob.Finding, ...]) -> list[tuple[str, ...]]:
    return [f.codes for f in found if f.rule == "ncci.ptp"]


def test_snapshots_from_other_files_never_share_pair_rows(tmp_path: Path) -> None:
    changed = tmp_path / "ccipra-v303r0-f1.txt"
    text = PRA.read_text(encoding="latin-1").replace("97150\t97530", "97150\t97750")
    changed.write_text(text, encoding="latin-1", newline="")
    old = ob.EditSet.from_cms_files(PRA, MUE_PRA)
    new = ob.EditSet.from_cms_files(changed, MUE_PRA)
    lines = ["97150:GO", "97530:GO"]
    for day, _ in itertools.product(["2024-07-01", "2024-08-01"], range(2)):
        assert _ptp_codes(ob.check_bundling(lines, on=day, edits=old)) == [("97150", "97530")]
        assert _ptp_codes(ob.check_bundling(lines, on=day, edits=new)) == []


def test_a_reimported_and_reopened_store_is_never_served_stale(tmp_path: Path) -> None:
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PRA, MUE_PRA], db)
    lines = ["97150:GO", "97530:GO", "97110x9:GO"]
    with ob.EditSet.open(db) as first:
        before = ob.check_bundling(lines, on="2024-07-01", edits=first)
    assert _ptp_codes(before) == [("97150", "97530")]
    newer = tmp_path / "ccipra-v303r0-f1.txt"
    text = PRA.read_text(encoding="latin-1").replace("97150\t97530", "97150\t97750")
    newer.write_text(text, encoding="latin-1", newline="")
    ob.import_cms_files([newer], db)
    with ob.EditSet.open(db) as reopened:
        after = ob.check_bundling(lines, on="2024-07-01", edits=reopened)
    assert _ptp_codes(after) == []
    memory = ob.EditSet.from_cms_files(newer, MUE_PRA)
    assert ob.check_bundling(lines, on="2024-07-01", edits=memory) == after


def test_the_skipped_rule_families_speak_only_of_their_codes() -> None:
    # bundling.findings skips coverage_findings and the add-on checks for a
    # date without their codes: no other code may ever get one of their findings.
    from ot_billing_rules.coverage import coverage_findings

    catalog = [c.code for c in ob.codes()]
    for code, day in itertools.product([*catalog, "20560", "20561", "99213"], DATES):
        twice = [ob.ServiceLine(code, 2, ("GO",)), ob.ServiceLine(code, 1, ())]
        for discipline in (None, ob.Discipline.OT):
            if coverage_findings(twice, day, discipline):
                assert code in bundling._COVERAGE_CODES
        if bundling._addons({code: twice}) or bundling._addons({code: twice[:1]}):
            assert code in bundling._special_codes()
    # ... and the gates are not vacuous: each family speaks of its codes.
    for code in bundling._COVERAGE_CODES:
        assert coverage_findings([ob.ServiceLine(code, 1, ("GO",))], date(2019, 6, 1), None)
    assert bundling._special_codes() >= {"97130", "97129", "97546", "97545"}


def test_hits_take_a_setting_given_as_text() -> None:
    # The snapshot keys hold a Setting; a caller's string is answered uncached.
    lines = {c: [ob.ServiceLine(c, 9, ())] for c in ("97150", "97530", "97110")}
    day = date(2024, 7, 1)
    either = ob.BypassPlacement.EITHER
    for where in ob.Setting:
        text: Any = where.value
        assert _checks.ptp_hits(
            lines, BUNDLED, on=day, setting=text, placement=either
        ) == _checks.ptp_hits(lines, BUNDLED, on=day, setting=where, placement=either)
        assert _checks.mue_hits(lines, BUNDLED, on=day, setting=text) == _checks.mue_hits(
            lines, BUNDLED, on=day, setting=where
        )


_BYPASSABLE = sorted(
    (e for e in BUNDLED.iter_ptp() if e.bypassable), key=lambda e: (e.column_1, e.column_2)
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_BYPASSABLE),
    st.lists(st.sampled_from(MODIFIERS), max_size=4, unique=True).map(tuple),
    st.lists(st.sampled_from(MODIFIERS), max_size=4, unique=True).map(tuple),
    st.sampled_from(DATES),
    st.sampled_from(list(ob.BypassPlacement)),
)
def test_one_line_per_code_reads_the_bypass_as_the_general_path(
    edit: Any,
    ones: tuple[str, ...],
    twos: tuple[str, ...],
    day: date,
    placement: ob.BypassPlacement,
) -> None:
    # A repeated line changes nothing, and takes the many-lines path.
    one = ob.ServiceLine(edit.column_1, 1, ones)
    two = ob.ServiceLine(edit.column_2, 1, twos)
    fast = _checks._hit(edit, [one], [two], day, placement)
    assert fast == _checks._hit(edit, [one, one], [two], day, placement)
    assert fast == _checks._hit(edit, [one], [two, two], day, placement)


_ROWS = sorted(BUNDLED.iter_ptp(), key=repr)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_ROWS),
    st.sampled_from(CODES),
    st.dates(date(1996, 1, 1), date(2027, 12, 31)),
    st.booleans(),
)
def test_a_pair_with_one_row_is_read_as_the_general_path(
    edit: Any, other: str, day: date, swap: bool
) -> None:
    # One row skips the grouping; the row twice takes it, and must agree.
    a, b = (edit.column_1, edit.column_2) if not swap else (edit.column_2, edit.column_1)
    for x, y in ((a, b), (a, other), (other, b)):
        assert _checks._in_force((edit,), x, y, day) == _checks._in_force((edit, edit), x, y, day)


def _reference_mue_hits(
    by_code: dict[str, list[ob.ServiceLine]], day: date, where: ob.Setting
) -> tuple[Any, ...]:
    # mue_hits as written before its fast paths (every code asked, no early skip).
    out: list[Any] = []
    for code in sorted(by_code):
        mue = UNCACHED.mue(code, on=day, setting=where)
        if mue is None:
            continue
        lines = by_code[code]
        total = sum(line.units for line in lines)
        if mue.value == 0:
            out.append(_checks.MUEHit(mue.code, mue, total, "zero"))
        elif mue.adjudication.per_line:
            over = sorted(line.units for line in lines if line.units > mue.value)
            for units in sorted(set(over)):
                out.append(_checks.MUEHit(mue.code, mue, units, "per_line", over.count(units)))
        elif total > mue.value:
            out.append(_checks.MUEHit(mue.code, mue, total, "per_date"))
    return tuple(out)


@settings(max_examples=300, deadline=None)
@given(lines_st, st.sampled_from(DATES), st.sampled_from(list(ob.Setting)))
def test_mue_hits_equal_the_reference(
    lines: list[ob.ServiceLine], day: date, where: ob.Setting
) -> None:
    by_code = dict(_checks.group_lines(lines))
    expected = _reference_mue_hits(by_code, day, where)
    assert _checks.mue_hits(by_code, BUNDLED, on=day, setting=where) == expected
    assert _checks.mue_hits(by_code, UNCACHED, on=day, setting=where) == expected


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(_ROWS),
    st.lists(st.sampled_from(MODIFIERS), max_size=3, unique=True).map(tuple),
    st.lists(st.sampled_from(MODIFIERS), max_size=3, unique=True).map(tuple),
    st.integers(1, 12),
    st.sampled_from(DATES),
    st.sampled_from(list(ob.BypassPlacement)),
)
def test_kept_ptp_and_mue_wording_equals_a_fresh_one(
    edit: Any,
    ones: tuple[str, ...],
    twos: tuple[str, ...],
    units: int,
    day: date,
    placement: ob.BypassPlacement,
) -> None:
    # Many rows, modifiers, days and settings pass through the wording caches:
    # every kept finding must be the one worded afresh for this hit.
    lines = [ob.ServiceLine(edit.column_1, units, ones), ob.ServiceLine(edit.column_2, 1, twos)]
    ctx = bundling.prepare(lines, on=day, setting=edit.setting, bypass=placement)
    hit = _checks._hit(edit, ctx.by_code[edit.column_1], ctx.by_code[edit.column_2], day, placement)
    strict = placement is ob.BypassPlacement.COLUMN2 or day < modifiers.EITHER_LINE_FROM
    assert bundling._ptp_finding(ctx, hit) == bundling._word_ptp(
        hit, ctx.setting, ctx.source, strict
    )
    for found in _checks.mue_hits(ctx.by_code, BUNDLED, on=day, setting=ctx.setting):
        assert bundling._mue_finding(ctx, found) == bundling._word_mue(ctx, found)


def test_the_bypass_shortcut_knows_every_accepted_modifier() -> None:
    # _hit skips pair_bypass for lines without any of these: every modifier
    # any era accepts, and the anatomic ones, must be among them.
    for _, accepted in modifiers.NCCI_MODIFIER_ERAS:
        assert accepted <= _checks._BYPASSING
    assert modifiers.ANATOMIC_MODIFIERS <= _checks._BYPASSING
