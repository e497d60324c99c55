"""The CMS 8-minute rule over a whole table at once (pandas extra).

:func:`units_frame` computes, for a table of one row per code and visit,
what :func:`~ot_billing_rules.compute_units` computes visit by visit — each
row's units, the visit's timed minutes and units, and whether leftover
minutes tie — with numpy over the whole table instead of a Python call per
visit. It covers the common case: plain 15-minute timed codes and untimed
codes with whole minutes. A visit with anything else (a code family such
as 97129 + 97130, hour or monthly codes, assistant minutes, a code that is
unknown or not valid that day, a duplicate code, missing or out-of-range
minutes …) goes through ``compute_units`` itself, so its answer — or its
typed error — is ``compute_units``' own.

The allocation is Pub. 100-04 Ch. 5 §20.2 as ``compute_units`` reads it: the
day's timed minutes give the units by the chart, each code gets its whole
15-minute blocks, and the remaining units go to the largest leftover minutes
(ties: more total minutes, then code order — ``tie_break="minutes"``).
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

import pandas as pd  # type: ignore[import-untyped, unused-ignore]

from ._coerce import MINUTES_PER_DAY, coerce_date, coerce_discipline
from .catalog import lookup, normalize_code
from .errors import DuplicateCodeError, InvalidInputError, InvalidTypeError
from .terms import UnitBasis
from .units import compute_units

__all__ = ["UNITS_FRAME_COLUMNS", "units_frame"]

#: Columns of :func:`units_frame`'s result, with their dtypes.
UNITS_FRAME_COLUMNS = {
    "units": "int64",
    "total_timed_minutes": "int64",
    "total_timed_units": "int64",
    "tie": "bool",
}

_FIFTEEN, _UNTIMED, _OTHER = 0, 1, 2
_KIND = {UnitBasis.FIFTEEN: _FIFTEEN, UnitBasis.UNTIMED: _UNTIMED}


def units_frame(
    df: pd.DataFrame,
    *,
    visit: str = "visit_id",
    code: str = "code",
    minutes: str = "minutes",
    day: str = "date_of_service",
    discipline: str = "discipline",
    assistant_minutes: str = "assistant_minutes",
) -> pd.DataFrame:
    """Units by the CMS 8-minute rule for every row of ``df``, columnar.

    ``df`` has one row per code of a visit: the ``visit``, ``code``,
    ``minutes`` (integers; missing is allowed for untimed codes) and ``day``
    (date of service) columns, and optionally ``discipline`` (minutes count
    per discipline: each visit, day and discipline is one
    ``compute_units`` call) and ``assistant_minutes``. Returns a DataFrame
    with ``df``'s index and the columns of :data:`UNITS_FRAME_COLUMNS`:
    ``units`` (the row's code), and per visit ``total_timed_minutes``,
    ``total_timed_units`` and ``tie`` (leftover minutes tie, so other
    allocations are equally valid: ``compute_units(...).alternatives``).
    Every value equals ``compute_units``' for the visit's minutes
    (``method="cms"``, ``tie_break="minutes"``); a visit it cannot compute
    raises ``compute_units``' typed error.

    >>> import pandas as pd
    >>> from ot_billing_rules.pandas import units_frame
    >>> claims = pd.DataFrame({
    ...     "visit_id": ["a", "a", "b", "b"],
    ...     "date_of_service": "2024-07-01",
    ...     "code": ["97110", "97140", "97530", "97535"],
    ...     "minutes": [33, 7, 10, 10],
    ... })
    >>> units_frame(claims)
       units  total_timed_minutes  total_timed_units    tie
    0      2                   40                  3  False
    1      1                   40                  3  False
    2      1                   20                  1   True
    3      0                   20                  1   True
    """

    if not isinstance(df, pd.DataFrame):
        raise InvalidTypeError(
            f"units_frame takes a pandas DataFrame, not {type(df).__name__}", value=df, field="df"
        )
    for field, name in (("visit", visit), ("code", code), ("minutes", minutes), ("day", day)):
        if name not in df.columns:
            raise InvalidInputError(
                f"{field}={name!r} is not a column of the table "
                f"(columns: {', '.join(map(str, df.columns))})",
                value=name,
                field=field,
            )
    n = len(df)
    if n == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in UNITS_FRAME_COLUMNS.items()}, index=df.index
        )
    # A missing key is a value of its own here: no row may drop out of its visit.
    vc, raw_visits = pd.factorize(df[visit], use_na_sentinel=False)
    dc, raw_days = pd.factorize(df[day], use_na_sentinel=False)
    rc, raw_codes = pd.factorize(df[code], use_na_sentinel=False)
    keys = [(vc, len(raw_visits)), (dc, len(raw_days))]
    if discipline in df.columns:
        sc, raw_disc = pd.factorize(df[discipline], use_na_sentinel=False)
        keys.append((sc, len(raw_disc)))
    group, n_groups = _groups(keys, n)
    kind, code_rank = _codes(rc, np.asarray(raw_codes, dtype=object), dc, raw_days, n)
    m, whole_minutes = _minutes(df[minutes])
    bad = (kind == _OTHER) | ~whole_minutes
    bad |= (kind == _FIFTEEN) & np.isnan(m)
    if discipline in df.columns:
        bad |= ~_valid_disciplines(raw_disc)[sc]
    if assistant_minutes in df.columns:
        bad |= df[assistant_minutes].notna().to_numpy()
    m = np.where(np.isnan(m), 0.0, m)
    day_total = np.bincount(group, weights=m, minlength=n_groups)
    bad |= _repeated(group * np.int64(code_rank.max() + 1) + code_rank)
    bad_group = np.bincount(group[bad], minlength=n_groups) > 0
    bad_group |= day_total > MINUTES_PER_DAY
    out = _columnar(group, n_groups, kind, code_rank, m.astype(np.int64))
    result = pd.DataFrame(out, index=df.index)
    slow = np.flatnonzero(bad_group[group])
    if slow.size:
        _fallback(
            df,
            result,
            slow,
            group[slow],
            (visit, code, minutes, day),
            discipline,
            assistant_minutes,
        )
    return result


def _groups(
    keys: list[tuple[npt.NDArray[np.intp], int]], n: int
) -> tuple[npt.NDArray[np.int64], int]:
    """One group number per row from the factorised key columns, and the group count."""

    combined = np.zeros(n, dtype=np.int64)
    size = 1
    for codes, count in keys:
        combined = combined * np.int64(count) + codes
        size *= count
    if size <= 4 * n:
        # Dense enough to count directly: the empty groups cost a few zeros.
        return combined, size
    group, uniques = pd.factorize(combined)
    return group.astype(np.int64), len(uniques)


def _repeated(key: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which rows share their key with another row (a code twice in one visit)."""
    if int(key.max()) < 8 * len(key):
        counts = np.bincount(key)
        return counts[key] > 1
    return np.asarray(pd.Series(key).duplicated(keep=False), dtype=bool)


def _codes(
    rc: npt.NDArray[np.intp],
    raw_codes: npt.NDArray[Any],
    dc: npt.NDArray[np.intp],
    raw_days: Any,
    n: int,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int64]]:
    """Each row's unit basis (fast kinds only) and its code's rank in code order."""

    names: list[str | None] = []
    for raw in raw_codes:
        try:
            names.append(normalize_code(raw) if isinstance(raw, str) else None)
        except Exception:  # compute_units raises the typed error for it
            names.append(None)
    ordered = sorted({c for c in names if c is not None})
    rank_of = {c: i for i, c in enumerate(ordered)}
    # Unknown codes sort after the known ones; their visits are never computed here.
    code_rank = np.array([rank_of.get(c, len(ordered)) if c else len(ordered) for c in names])
    days: list[date | None] = []
    for raw in raw_days:
        try:
            days.append(None if raw is None or raw is pd.NaT else coerce_date(raw))
        except Exception:
            days.append(None)
    pair = rc.astype(np.int64) * np.int64(len(raw_days) + 1) + dc
    pc, pairs = pd.factorize(pair)
    kinds = np.full(len(pairs), _OTHER, dtype=np.int8)
    for i, p in enumerate(pairs):
        c, d = names[int(p) // (len(raw_days) + 1)], days[int(p) % (len(raw_days) + 1)]
        if c is None or d is None:
            continue
        try:
            kinds[i] = _KIND.get(lookup(c, on=d).unit_basis, _OTHER)
        except Exception:  # unknown or not valid that day: compute_units says so
            continue
    return kinds[pc], code_rank[rc].astype(np.int64)


def _minutes(column: pd.Series) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Minutes as floats (NaN where missing) and which rows hold whole minutes in range."""

    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        if not pd.api.types.is_object_dtype(dtype):
            return np.full(len(column), np.nan), np.zeros(len(column), dtype=bool)
        # Python ints and missing values only: anything else is compute_units' to refuse.
        ok = np.array([v is None or type(v) is int for v in column], dtype=bool)
        values = pd.to_numeric(column.where(ok), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    else:
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        ok = np.ones(len(column), dtype=bool)
    present = ~np.isnan(values)
    ok = ok & (
        ~present | ((values == np.floor(values)) & (values >= 0) & (values <= MINUTES_PER_DAY))
    )
    return values, ok


def _valid_disciplines(raw: Any) -> npt.NDArray[np.bool_]:

    valid = []
    for value in raw:
        try:
            coerce_discipline(value)
        except Exception:
            valid.append(False)
        else:
            valid.append(True)
    return np.array(valid, dtype=bool)


def _columnar(
    group: npt.NDArray[np.int64],
    n_groups: int,
    kind: npt.NDArray[np.int8],
    code_rank: npt.NDArray[np.int64],
    m: npt.NDArray[np.int64],
) -> dict[str, Any]:

    timed = kind == _FIFTEEN
    mt = np.where(timed, m, 0)
    whole, left = np.divmod(mt, 15)
    total = np.bincount(group, weights=mt, minlength=n_groups).astype(np.int64)
    n_units = (total + 7) // 15
    spare = n_units - np.bincount(group, weights=whole, minlength=n_groups).astype(np.int64)
    # Leftover units go to the largest leftovers; ties to more minutes, then code order.
    cand = np.flatnonzero(left > 0)
    n_codes = int(code_rank.max()) + 1
    if n_groups * 15 * (MINUTES_PER_DAY + 1) * n_codes < 2**62:
        # One int64 key sorts about four times faster than a lexsort of four keys.
        key = group[cand] * 15 + (14 - left[cand])
        key = key * (MINUTES_PER_DAY + 1) + (MINUTES_PER_DAY - mt[cand])
        order = cand[np.argsort(key * n_codes + code_rank[cand], kind="stable")]
    else:
        order = cand[np.lexsort((code_rank[cand], -mt[cand], -left[cand], group[cand]))]
    g = group[order]
    counts = np.bincount(g, minlength=n_groups)
    first = np.cumsum(counts) - counts
    rank = np.arange(len(order)) - first[g]
    units = np.where(timed, whole, 1)
    units[order] += rank < spare[g]
    # A tie: the last unit's leftover equals the next candidate's.
    tied = (spare > 0) & (spare < counts)
    at = first[tied] + spare[tied]
    left_sorted = left[order]
    tie = np.zeros(n_groups, dtype=bool)
    tie[np.flatnonzero(tied)] = left_sorted[at - 1] == left_sorted[at]
    return {
        "units": units.astype(np.int64),
        "total_timed_minutes": total[group],
        "total_timed_units": n_units[group],
        "tie": tie[group],
    }


def _plain(value: Any) -> Any:
    """A cell as compute_units takes it: missing -> None, whole floats -> int."""

    if value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)
    ):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _fallback(
    df: pd.DataFrame,
    result: pd.DataFrame,
    rows: npt.NDArray[np.intp],
    groups: npt.NDArray[np.int64],
    columns: tuple[str, str, str, str],
    discipline: str,
    assistant_minutes: str,
) -> None:

    visit, code, minutes, day = columns
    has_disc = discipline in df.columns
    has_assist = assistant_minutes in df.columns
    order = rows[np.argsort(groups, kind="stable")]
    bounds = np.flatnonzero(np.diff(groups[np.argsort(groups, kind="stable")])) + 1
    units = result["units"].to_numpy(copy=True)
    totals = result["total_timed_minutes"].to_numpy(copy=True)
    timed_units = result["total_timed_units"].to_numpy(copy=True)
    ties = result["tie"].to_numpy(copy=True)
    for idx in np.split(order, bounds):
        part = df.iloc[idx]
        first_day = part[day].iloc[0]
        on = _plain(first_day)
        if on is None:
            raise InvalidTypeError(
                f"{day} is missing for visit {_plain(part[visit].iloc[0])!r}: give the date of "
                "service (YYYY-MM-DD)",
                value=first_day,
                field=day,
            )
        given = {c: _plain(v) for c, v in zip(part[code], part[minutes], strict=True)}
        if len(given) < len(part):
            given = _duplicates(part, code, minutes)
        assisted = (
            {
                c: _plain(a)
                for c, a in zip(part[code], part[assistant_minutes], strict=True)
                if _plain(a) is not None
            }
            if has_assist
            else None
        )
        disc = _plain(part[discipline].iloc[0]) if has_disc else "OT"
        alloc = compute_units(given, on=on, discipline=disc, assistant_minutes=assisted or None)
        units[idx] = [alloc.units.get(normalize_code(c), 0) for c in part[code]]
        totals[idx] = alloc.total_timed_minutes
        timed_units[idx] = alloc.total_timed_units
        ties[idx] = bool(alloc.alternatives)
    result["units"] = units
    result["total_timed_minutes"] = totals
    result["total_timed_units"] = timed_units
    result["tie"] = ties


def _duplicates(part: pd.DataFrame, code: str, minutes: str) -> dict[Hashable, Any]:
    """Refuse a code given twice in one visit, as compute_units does."""
    seen: dict[Hashable, Any] = {}
    for c, v in zip(part[code], part[minutes], strict=True):
        if c in seen:
            raise DuplicateCodeError(
                f"{code} names {c} twice in one visit ({seen[c]!r} and {_plain(v)!r} minutes); "
                "give each code once per visit with its total minutes",
                value=c,
                field=code,
            )
        seen[c] = _plain(v)
    return seen
