"""The look-up caches answer what the edit data answers (issue 17).

An in-memory :class:`EditSet` keeps its PTP and MUE answers per (pair or
code, day, setting), ``bundling.prepare`` keeps each set's source text and
release dates, and the catalog keeps codes found valid per (code, day). These
tests hold every cached answer to the uncached one, and check that a store
imported again, reopened, or a set built from other files never gets an
answer cached for another snapshot.
"""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import bundling, catalog

FIX = Path(__file__).parents[1] / "fixtures" / "cms"
PRA = FIX / "ccipra-v302r0-f1.txt"
OPH = FIX / "ccioph-v302r0-f1.txt"
MUE_PRA = FIX / "MCR_MUE_PractitionerServices_Eff_07-01-2024.csv"

BUNDLED = ob.EditSet.bundled()
_ROWS = sorted(BUNDLED.iter_ptp(), key=repr)
#: Pairs with an edit, deleted ones included (their answer depends on the day).
PAIRS = sorted({(e.column_1, e.column_2) for e in _ROWS})
CODES = [*sorted({c for pair in PAIRS for c in pair})[:60], "97110", "97530", "99213", "0001F"]
days = st.dates(date(1995, 1, 1), date(2027, 12, 31))
settings_ = st.sampled_from(list(ob.Setting))


# A pickle round trip gives an equal set with an empty cache; its private
# _ptp_edits/_mue and string dates never touch the cache.
COLD: ob.EditSet = pickle.loads(pickle.dumps(BUNDLED))


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.sampled_from(PAIRS), st.tuples(st.sampled_from(CODES), st.sampled_from(CODES))),
    st.lists(days, min_size=1, max_size=4),
    settings_,
)
def test_cached_ptp_and_mue_equal_uncached(
    pair: tuple[str, str], on_days: list[date], where: ob.Setting
) -> None:
    for on in on_days:
        _same_answers(*pair, on, where)
        _same_answers(pair[1], pair[0], on, where)


def _same_answers(a: str, b: str, on: date, where: ob.Setting) -> None:
    cold = COLD
    first = BUNDLED.ptp_edits(a, b, on=on, setting=where)
    again = BUNDLED.ptp_edits(a, b, on=on, setting=where)
    assert first == again == cold._ptp_edits(a, b, on, where)
    assert first == cold.ptp_edits(a, b, on=on.isoformat(), setting=where.value)
    assert BUNDLED.mue(a, on=on, setting=where) == cold._mue(a, on, where)
    assert BUNDLED.mue(a, on=on, setting=where) == cold.mue(a, on=on.isoformat(), setting=where)


def test_cache_keeps_errors_uncached() -> None:
    for _ in range(2):
        with pytest.raises(ob.InvalidCodeError):
            BUNDLED.ptp_edits("9711", "97530", on=date(2024, 7, 1), setting=ob.Setting.PRACTITIONER)
        with pytest.raises(ob.InvalidCodeError):
            BUNDLED.mue("9711", on=date(2024, 7, 1), setting=ob.Setting.PRACTITIONER)


def test_sets_from_other_files_never_share_answers(tmp_path: Path) -> None:
    day = date(2024, 7, 1)
    pra = ob.EditSet.from_cms_files(PRA, MUE_PRA)
    assert pra.ptp_edits("97150", "97530", on=day, setting=ob.Setting.PRACTITIONER)
    changed = tmp_path / "ccipra-v303r0-f1.txt"
    text = PRA.read_text(encoding="latin-1").replace("97150\t97530", "97150\t97750")
    changed.write_text(text, encoding="latin-1", newline="")
    other = ob.EditSet.from_cms_files(changed, MUE_PRA)
    assert not other.ptp_edits("97150", "97530", on=day, setting=ob.Setting.PRACTITIONER)
    assert pra.ptp_edits("97150", "97530", on=day, setting=ob.Setting.PRACTITIONER)


def _findings(edits: ob.EditSet) -> list[tuple[str, str]]:
    found = ob.check_bundling(["97150:GO", "97530:GO"], on="2024-07-01", edits=edits)
    return [(f.rule, f.source) for f in found]


def test_reimported_and_reopened_store_answers_from_its_new_data(tmp_path: Path) -> None:
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PRA, MUE_PRA], db)
    old = ob.EditSet.open(db)
    before = _findings(old)
    assert "ncci.ptp" in [rule for rule, _ in before]
    # A newer version of the practitioner file without the 97150/97530 edit.
    newer = tmp_path / "ccipra-v303r0-f1.txt"
    text = PRA.read_text(encoding="latin-1").replace("97150\t97530", "97150\t97750")
    newer.write_text(text, encoding="latin-1", newline="")
    ob.import_cms_files([newer], db)
    reopened = ob.EditSet.open(db)
    after = _findings(reopened)
    assert "ncci.ptp" not in [rule for rule, _ in after]
    assert reopened.release != old.release or reopened.sources != old.sources
    # The set opened first keeps its own snapshot (import-then-swap) ...
    assert _findings(old) == before
    # ... and a set built in memory from the new file agrees with the store.
    memory = ob.EditSet.from_cms_files(newer, MUE_PRA)
    assert _findings(memory) == after
    old.close()
    reopened.close()


def test_each_edit_set_gets_its_own_bundle_facts(tmp_path: Path) -> None:
    # Sets of different releases used in turn in one process: the source text
    # and stale notes (kept per edit set) are each set's own.
    db = tmp_path / "edits.sqlite"
    ob.import_cms_files([PRA, MUE_PRA], db)
    sets = [
        BUNDLED,
        ob.EditSet.from_cms_files(PRA, MUE_PRA),
        ob.EditSet.open(db),
        ob.EditSet.from_cms_files(OPH),
    ]
    lines = ["97150:GO", "97530:GO", "97110x9:GO"]
    cold = []
    for edits in sets:
        bundling._PER_SET.clear()
        cold.append(ob.check_bundling(lines, on="2025-09-01", edits=edits))
    assert len({tuple(f.source for f in found) for found in cold}) > 1
    for _ in range(2):
        for edits, expected in zip(sets, cold, strict=True):
            assert ob.check_bundling(lines, on="2025-09-01", edits=edits) == expected
    sets[2].close()


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([c.code for c in ob.codes()] + ["97532", "99999"]), days)
def test_catalog_lookup_cache_equals_uncached(code: str, on: date) -> None:
    def outcome() -> object:
        try:
            return ob.lookup(code, on=on)
        except ob.OTBillingError as exc:
            return (type(exc), str(exc))

    first, again = outcome(), outcome()
    catalog._VALID.clear()
    assert first == again == outcome()
