"""Leftover minutes that tie (CMS method): the tied codes, the alternatives, the finding.

:func:`~ot_billing_rules.compute_units`' fast path takes single 15-minute and
untimed codes, no assistant minutes and no ``prefer``: there a tie is settled
from (code, minutes) pairs, with none of the full computation's scratch
objects. The full path stays the reference (tests/property/test_fast_paths.py
holds the two equal); both word the finding through :func:`tie_finding`.
"""

from __future__ import annotations

import functools
import itertools

from ..findings import Finding, Severity
from ..sources import cite

#: At most this many alternative allocations are listed for one tie.
MAX_ALTERNATIVES = 64


def split_tie(
    timed: list[tuple[str, int]], spare: int, by_minutes: bool
) -> tuple[tuple[str, ...], int]:
    """The tied codes in tie-break order and how many of them get a unit.

    ``timed``: (code, minutes) of the 15-minute codes with leftover minutes;
    ``spare``: the units left after the whole blocks, fewer
    than those codes, the last one falling inside a tie. ``by_minutes``
    ranks a tie by more minutes first (``minutes``, and ``therapist_first``
    with no assistant minutes), else by code.
    """
    # The full path's rank (leftover, then minutes or nothing, then code), as plain tuples.
    if by_minutes:
        order = sorted([(-(m % 15), -m, code) for code, m in timed])
    else:
        order = sorted([(-(m % 15), 0, code) for code, m in timed])
    edge = order[spare - 1][0]
    above = 0
    tied: list[str] = []
    for rank, _, code in order:
        if rank < edge:
            above += 1
        elif rank == edge:
            tied.append(code)
    return tuple(tied), spare - above


def alternative_units(
    units: dict[str, int], tied: tuple[str, ...], share: int
) -> tuple[list[dict[str, int]], bool]:
    """The other allocations of a tie, and whether the list stopped at :data:`MAX_ALTERNATIVES`.

    ``units``: the chosen allocation, one entry per code, in code order (the
    copies keep that order); ``tied[:share]`` won the tie. The alternatives
    come in the order of the tied codes' combinations, in code order.
    """
    base = dict(units)
    for code in tied[:share]:
        base[code] -= 1
    chosen = tuple(sorted(tied[:share]))
    out: list[dict[str, int]] = []
    for combo in itertools.combinations(sorted(tied), share):
        if combo == chosen:
            continue
        if len(out) == MAX_ALTERNATIVES:
            return out, True
        alt = dict(base)
        for code in combo:
            alt[code] += 1
        out.append(alt)
    return out, False


# A finding is frozen, so one worded finding serves every allocation with the same tie
# (issue 17 item 4); the key is every value the text is made of.
@functools.lru_cache(maxsize=2048)
def tie_finding(
    names: tuple[str, ...],
    codes: tuple[str, ...],
    leftover: int,
    share: int,
    winners: tuple[str, ...],
    tie_break: str,
    cut_short: bool,
) -> Finding:
    """The ``units.cms.tie`` finding: ``names`` (tie-break order) tie, ``winners`` got a unit."""
    more = f" (the first {MAX_ALTERNATIVES} are listed)" if cut_short else ""
    return Finding(
        "units.cms.tie",
        Severity.INFO,
        codes,
        f"{', '.join(names)} tie with {leftover} leftover minutes for {share} remaining "
        f"unit(s); {', '.join(winners)} chosen by tie_break={tie_break!r}. Every other choice "
        f"is equally valid and listed in alternatives{more}.",
        suggestion="CMS lets the provider choose in a tie; pass tie_break= or prefer= to choose "
        "differently (never give all units to one code).",
        source=cite("cms_8_minute_rule"),
    )
