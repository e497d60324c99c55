"""Structured NCCI hits: which PTP edits and MUEs a date of service's lines meet.

:func:`ptp_hits` and :func:`mue_hits` answer *what* the edit data says about
the lines — small frozen values, no wording. :func:`~ot_billing_rules.check_bundling`
turns them into findings, and the audit reads them to decide where a bypass
modifier goes, so both see one computation.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from .._fast import keep
from ..modifiers import ANATOMIC_MODIFIERS, NCCI_ANY, BypassPlacement, pair_bypass
from ..terms import Setting
from ._models import MUE, EditData, PTPEdit, _MemoryBackend

if TYPE_CHECKING:
    from ..lines import ServiceLine

_MISSING = object()
#: Every modifier pair_bypass can accept, whatever the date (the NCCI-associated
#: modifiers of every era include the anatomic ones).
_BYPASSING = NCCI_ANY | ANATOMIC_MODIFIERS
#: Answers kept per snapshot at most (EditSet's own look-ups share the dict);
#: past it the cache starts again: a year of dates for every pair of a few
#: hundred codes would otherwise grow without end.
_MAX_LOOKUPS = 200_000

__all__ = ["MUEHit", "PTPHit", "group_lines", "mue_hits", "ptp_hits", "rebypass"]


@attrs.frozen
class PTPHit:
    """A PTP edit in force between two codes billed on the date.

    ``edit`` is the strictest row in force for the pair in this orientation
    (indicator 0 before 1). ``bypassed_by`` is the modifier that bypasses it
    on every pairing of the two codes' lines (``"59"``, ``"XU"``, ``"LT/RT"``
    for two anatomic sites) and ``bypass_on`` the code carrying it, or both
    ``None``. ``tried`` are the NCCI-associated modifiers present on the
    pair's lines (what an indicator-0 edit ignores).
    """

    column_1: str
    column_2: str
    edit: PTPEdit
    bypassed_by: str | None = None
    bypass_on: str | None = None
    tried: tuple[str, ...] = ()

    @property
    def bypassable(self) -> bool:
        """Whether a modifier may bypass the edit (indicator 1)."""
        return self.edit.bypassable

    @property
    def bypassed(self) -> bool:
        """Whether the lines carry a modifier that bypasses the edit."""
        return self.bypassed_by is not None

    @property
    def codes(self) -> tuple[str, str]:
        """``(column_1, column_2)``."""
        return (self.column_1, self.column_2)


@attrs.frozen
class MUEHit:
    """Units of a code above its MUE.

    ``scope`` is ``"zero"`` (an MUE of 0: not payable in the setting),
    ``"per_line"`` (MAI 1: ``units`` on each of ``lines`` lines) or
    ``"per_date"`` (MAI 2/3: ``units`` summed over the date).
    """

    code: str
    mue: MUE
    units: int
    scope: str
    lines: int = 1


def group_lines(lines: Iterable[ServiceLine]) -> dict[str, list[ServiceLine]]:
    """The lines by code, in input order within each code."""
    by_code: dict[str, list[ServiceLine]] = defaultdict(list)
    for item in lines:
        by_code[item.code].append(item)
    return by_code


def _strictest(rows: Iterable[PTPEdit]) -> PTPEdit:
    # Several rows can be in force for one pair; indicator 0 wins over 1.
    return min(rows, key=lambda e: (e.modifier_indicator.value, e.rationale))


def ptp_hits(
    by_code: Mapping[str, Sequence[ServiceLine]],
    edits: EditData,
    *,
    on: date,
    setting: Setting,
    placement: BypassPlacement,
) -> tuple[PTPHit, ...]:
    """The PTP edits in force on ``on`` between the codes of ``by_code``, pair by pair."""
    out: list[PTPHit] = []
    cache = _cache_for(edits, on, setting)
    where = None if cache is None else setting._value_
    for a, b in itertools.combinations(sorted(by_code), 2):
        in_force: tuple[PTPEdit, ...] | None
        if cache is None:
            in_force = _in_force(edits.ptp_edits(a, b, on=on, setting=setting), a, b, on)
        else:
            # Every row of the pair, whatever the day: most pairs have none, and
            # a batch spread over a year asks the edit data once per pair.
            pair = ("ptp_rows", a, b, where)
            rows = cache.get(pair)
            if rows is None:
                rows = edits.ptp_edits(a, b, on=None, setting=setting)
                remember(cache, pair, rows)
            if not rows:
                continue
            key = ("ptp_hits", a, b, on, where)
            in_force = cache.get(key)
            if in_force is None:
                in_force = _in_force(rows, a, b, on)
                remember(cache, key, in_force)
        for edit in in_force:  # most pairs have none
            out.append(_hit(edit, by_code[edit.column_1], by_code[edit.column_2], on, placement))
    return tuple(out)


def _in_force(rows: Sequence[PTPEdit], a: str, b: str, on: date) -> tuple[PTPEdit, ...]:
    """Of the pair's ``rows``, the strictest in force on ``on`` per orientation (sorted)."""
    if not rows:
        return ()
    if len(rows) == 1:  # most pairs hold one row: nothing to group or rank
        e = rows[0]
        ok = e.applies_on(on) and (e.column_1, e.column_2) in ((a, b), (b, a))
        return (e,) if ok else ()
    oriented: dict[tuple[str, str], list[PTPEdit]] = defaultdict(list)
    for e in rows:
        if e.applies_on(on) and {e.column_1, e.column_2} == {a, b}:
            oriented[(e.column_1, e.column_2)].append(e)
    return tuple(_strictest(group) for _, group in sorted(oriented.items()))


def snapshot_cache(edits: EditData) -> dict[tuple[Any, ...], Any] | None:
    """The look-up cache of an edit set whose rows live in memory, else ``None``.

    That cache belongs to one snapshot of the rows and dies with it, so a
    store opened again or files imported again never see another's entries.
    A store's edit set has none (each look-up checks the file was not changed
    in place), nor has other edit data: those are asked every time.
    """
    # Exactly an EditSet: a subclass may answer its look-ups its own way.
    if not _is_edit_set(type(edits)):
        return None
    backend = getattr(edits, "_backend", None)
    return backend.lookups if type(backend) is _MemoryBackend else None


def _cache_for(edits: EditData, on: object, setting: object) -> dict[tuple[Any, ...], Any] | None:
    # Keys hold a date and a Setting: a caller passing strings is answered uncached.
    if type(on) is not date or type(setting) is not Setting:
        return None
    return snapshot_cache(edits)


@functools.lru_cache(maxsize=16)
def _is_edit_set(kind: type) -> bool:
    # By name: EditSet is defined in the package, which imports this module.
    return kind.__module__ == __package__ and kind.__qualname__ == "EditSet"


def remember(cache: dict[tuple[Any, ...], Any], key: tuple[Any, ...], value: object) -> None:
    """Store ``value`` in a snapshot cache, emptied when it reaches its bound."""
    keep(cache, key, value, _MAX_LOOKUPS)


def rebypass(
    hits: Iterable[PTPHit],
    by_code: Mapping[str, Sequence[ServiceLine]],
    *,
    on: date,
    placement: BypassPlacement,
) -> tuple[PTPHit, ...]:
    """``hits`` re-read against new modifiers on the same codes and units.

    Which edits are in force depends only on the codes and the date, so a
    change of modifiers (the audit adding a bypass modifier) needs no new
    look-up: only whether each edit is bypassed is decided again.
    """
    return tuple(
        _hit(h.edit, by_code[h.column_1], by_code[h.column_2], on, placement) for h in hits
    )


def _hit(
    edit: PTPEdit,
    ones: Sequence[ServiceLine],
    twos: Sequence[ServiceLine],
    on: date,
    placement: BypassPlacement,
) -> PTPHit:
    c1, c2 = edit.column_1, edit.column_2
    if not edit.bypassable:
        tried = sorted({m for line in [*twos, *ones] for m in line.modifiers} & NCCI_ANY)
        return PTPHit(c1, c2, edit, tried=tuple(tried))
    if len(ones) == 1 and len(twos) == 1:  # the usual claim: one line per code
        one, two = ones[0], twos[0]
        if _BYPASSING.isdisjoint(one.modifiers) and _BYPASSING.isdisjoint(two.modifiers):
            return PTPHit(c1, c2, edit)  # no modifier that could bypass anything
        found = pair_bypass(
            (one.code, one.modifiers), (two.code, two.modifiers), on=on, placement=placement
        )
        if found is None:
            return PTPHit(c1, c2, edit)
        return PTPHit(c1, c2, edit, bypassed_by=found[0], bypass_on=found[1])
    hits = [
        pair_bypass(
            (one.code, one.modifiers), (two.code, two.modifiers), on=on, placement=placement
        )
        for two in twos
        for one in ones
    ]
    if not all(h is not None for h in hits):
        return PTPHit(c1, c2, edit)
    # The column-2 carrier first, so the answer does not depend on line order.
    mod, on_code = min((h for h in hits if h is not None), key=lambda h: (h[1] != c2, h[0], h[1]))
    return PTPHit(c1, c2, edit, bypassed_by=mod, bypass_on=on_code)


def mue_hits(
    by_code: Mapping[str, Sequence[ServiceLine]],
    edits: EditData,
    *,
    on: date,
    setting: Setting,
) -> tuple[MUEHit, ...]:
    """The codes of ``by_code`` whose units exceed their MUE on ``on``."""
    out: list[MUEHit] = []
    cache = _cache_for(edits, on, setting)
    where = None if cache is None else setting._value_
    for code in sorted(by_code):
        if cache is None:
            mue = edits.mue(code, on=on, setting=setting)
        else:
            key = ("mue", code, on, where)
            mue = cache.get(key, _MISSING)
            if mue is _MISSING:
                mue = edits.mue(code, on=on, setting=setting)
                remember(cache, key, mue)
        if mue is None:
            continue
        lines = by_code[code]
        total = lines[0].units if len(lines) == 1 else sum(line.units for line in lines)
        if 0 < mue.value >= total:  # no line, nor the day's sum, goes past the MUE
            continue
        if mue.value == 0:
            out.append(MUEHit(mue.code, mue, total, "zero"))
        elif mue.adjudication.per_line:
            over = sorted(line.units for line in lines if line.units > mue.value)
            for units in sorted(set(over)):
                out.append(MUEHit(mue.code, mue, units, "per_line", over.count(units)))
        elif total > mue.value:
            out.append(MUEHit(mue.code, mue, total, "per_date"))
    return tuple(out)
