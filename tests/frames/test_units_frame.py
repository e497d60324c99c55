"""units_frame: the CMS 8-minute rule over a whole table equals compute_units per visit.

The property draws tables of several visits mixing plain 15-minute codes
(often with equal leftovers, so ties are common), untimed codes with and
without minutes, codes the columnar path leaves to compute_units (97129 +
97130, hour and monthly codes, assistant minutes, codes not valid that
day), and compares every row with ``compute_units`` on the row's visit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ot_billing_rules import compute_units
from ot_billing_rules.errors import (
    DuplicateCodeError,
    InvalidInputError,
    InvalidMinutesError,
    InvalidTypeError,
    OTBillingError,
)

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

from ot_billing_rules._units_frame import units_frame  # noqa: E402

TIMED = ["97110", "97112", "97116", "97140", "97530", "97535", "97035"]
UNTIMED = ["97165", "97150", "97010", "G0283"]
SLOW = ["97129", "97130", "97545", "97550", "98980"]
DAYS = [date(2024, 7, 1), date(2025, 3, 3), date(2019, 6, 3)]  # 97129 is not valid in 2019


@st.composite
def tables(draw: st.DrawFn, slow: bool = True) -> Any:
    rows: list[dict[str, Any]] = []
    n_visits = draw(st.integers(1, 8))
    for v in range(n_visits):
        day = draw(st.sampled_from(DAYS if slow else DAYS[:2]))
        pool = TIMED + UNTIMED + (SLOW if slow else [])
        codes = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5, unique=True))
        # Minutes from a few values so equal leftovers (ties) come up often.
        minute = st.sampled_from([0, 5, 7, 8, 10, 12, 15, 20, 22, 23, 30, 37, 38, 52, 67])
        for code in codes:
            minutes = draw(st.none() | minute) if code in UNTIMED else draw(minute)
            row = {"visit_id": f"v{v}", "date_of_service": day, "code": code, "minutes": minutes}
            if slow and code in TIMED and draw(st.integers(0, 9)) == 0:
                row["assistant_minutes"] = draw(st.integers(0, minutes))
            rows.append(row)
    order = draw(st.permutations(range(len(rows))))
    return pd.DataFrame([rows[i] for i in order])


def _expected(df: Any) -> tuple[Any, Exception | None]:
    """compute_units per visit, in the table's row order; the first visit's error if any."""
    out = pd.DataFrame(index=df.index, columns=["units", "tmin", "tunits", "tie"], dtype=object)
    for _, part in df.groupby("visit_id", sort=False):
        given = {
            c: (None if pd.isna(m) else int(m))
            for c, m in zip(part.code, part.minutes, strict=True)
        }
        assisted = {}
        if "assistant_minutes" in part:
            assisted = {
                c: int(a)
                for c, a in zip(part.code, part.assistant_minutes, strict=True)
                if not pd.isna(a)
            }
        try:
            alloc = compute_units(
                given, on=part.date_of_service.iloc[0], assistant_minutes=assisted or None
            )
        except OTBillingError as exc:
            return out, exc
        for i, c in zip(part.index, part.code, strict=True):
            out.loc[i] = [
                alloc.units[c],
                alloc.total_timed_minutes,
                alloc.total_timed_units,
                bool(alloc.alternatives),
            ]
    return out, None


def _check(df: Any) -> None:
    expected, error = _expected(df)
    if error is not None:
        with pytest.raises(type(error)) as info:
            units_frame(df)
        assert str(info.value) == str(error)
        return
    got = units_frame(df)
    assert list(got.columns) == ["units", "total_timed_minutes", "total_timed_units", "tie"]
    assert got.index.equals(df.index)
    assert got["units"].tolist() == expected["units"].tolist()
    assert got["total_timed_minutes"].tolist() == expected["tmin"].tolist()
    assert got["total_timed_units"].tolist() == expected["tunits"].tolist()
    assert got["tie"].tolist() == expected["tie"].tolist()


@settings(deadline=None)
@given(tables(slow=False))
def test_columnar_rows_equal_compute_units(df: Any) -> None:
    _check(df)


@settings(deadline=None)
@given(tables())
def test_mixed_tables_equal_compute_units(df: Any) -> None:
    _check(df)


def test_ties_are_flagged_like_compute_units() -> None:
    # Example 2-like: 3 codes with 10 leftover minutes each, 2 units to share.
    df = pd.DataFrame(
        {
            "visit_id": ["t"] * 3 + ["n"] * 2,
            "date_of_service": "2024-07-01",
            "code": ["97110", "97140", "97530", "97110", "97140"],
            "minutes": [10, 10, 10, 33, 7],
        }
    )
    got = units_frame(df)
    assert got["tie"].tolist() == [True, True, True, False, False]
    assert got["units"].tolist() == [1, 1, 0, 2, 1]
    alloc = compute_units({"97110": 10, "97140": 10, "97530": 10}, on="2024-07-01")
    assert alloc.alternatives
    assert dict(alloc.units) == {"97110": 1, "97140": 1, "97530": 0}


def test_float_minutes_with_missing_untimed_and_a_datetime_column() -> None:
    df = pd.DataFrame(
        {
            "visit_id": [1, 1, 2],
            "date_of_service": pd.to_datetime(["2024-07-01"] * 3),
            "code": ["97110", "97165", "97530"],
            "minutes": [23.0, float("nan"), 8.0],
        },
        index=[10, 20, 30],
    )
    got = units_frame(df)
    assert got.loc[[10, 20, 30], "units"].tolist() == [2, 1, 1]
    assert got["total_timed_minutes"].tolist() == [23, 23, 8]


def test_per_discipline_counting() -> None:
    # Minutes count per discipline: 10 OT + 10 PT minutes are two days of 10, never one of 20.
    df = pd.DataFrame(
        {
            "visit_id": ["a", "a"],
            "date_of_service": "2024-07-01",
            "discipline": ["OT", "PT"],
            "code": ["97530", "97110"],
            "minutes": [10, 10],
        }
    )
    got = units_frame(df)
    assert got["units"].tolist() == [1, 1]
    assert got["total_timed_minutes"].tolist() == [10, 10]


def test_a_large_table_keeps_every_row() -> None:
    rng = np.random.default_rng(7)
    n = 30_000
    df = pd.DataFrame(
        {
            "visit_id": rng.integers(0, n // 4, n),
            "date_of_service": "2024-07-01",
            "code": rng.choice(TIMED + UNTIMED, n),
            "minutes": rng.integers(0, 40, n),
        }
    ).drop_duplicates(["visit_id", "code"])
    got = units_frame(df)
    assert len(got) == len(df)
    sample = df[df.visit_id.isin(df.visit_id.unique()[:300])]
    _check(sample)
    assert got.loc[sample.index, "units"].tolist() == units_frame(sample)["units"].tolist()


# -- bad input: typed errors, never a silent drop


def test_missing_column_is_named() -> None:
    with pytest.raises(InvalidInputError, match="minutes='minutes' is not a column"):
        units_frame(pd.DataFrame({"visit_id": [], "code": [], "date_of_service": []}))


def test_not_a_frame() -> None:
    with pytest.raises(InvalidTypeError, match="pandas DataFrame, not list"):
        units_frame([{"code": "97110"}])  # type: ignore[arg-type]


def test_empty_table() -> None:
    got = units_frame(pd.DataFrame(columns=["visit_id", "code", "minutes", "date_of_service"]))
    assert list(got.columns) == ["units", "total_timed_minutes", "total_timed_units", "tie"]
    assert len(got) == 0


@pytest.mark.parametrize(
    ("minutes", "error"),
    [
        ([-1, 10], InvalidMinutesError),
        ([1441, 0], InvalidMinutesError),
        ([None, 10], InvalidMinutesError),  # a timed code without minutes
        ([7.5, 10], InvalidTypeError),
        (["10", "10"], InvalidTypeError),
        ([900, 900], InvalidMinutesError),  # more than a day
    ],
)
def test_bad_minutes_raise_compute_units_error(minutes: list[Any], error: type) -> None:
    df = pd.DataFrame(
        {
            "visit_id": ["a", "a"],
            "date_of_service": "2024-07-01",
            "code": ["97110", "97140"],
            "minutes": pd.Series(minutes, dtype=object),
        }
    )
    with pytest.raises(error):
        units_frame(df)


def test_same_code_twice_in_a_visit() -> None:
    df = pd.DataFrame(
        {
            "visit_id": ["a", "a"],
            "date_of_service": "2024-07-01",
            "code": ["97110"] * 2,
            "minutes": [10, 20],
        }
    )
    with pytest.raises(DuplicateCodeError, match="97110 twice"):
        units_frame(df)


def test_missing_date_is_refused_not_today() -> None:
    df = pd.DataFrame(
        {"visit_id": ["a"], "date_of_service": [None], "code": ["97110"], "minutes": [10]}
    )
    with pytest.raises(InvalidTypeError, match="date_of_service is missing for visit 'a'"):
        units_frame(df)


def test_missing_visit_id_is_a_visit_of_its_own() -> None:
    df = pd.DataFrame(
        {
            "visit_id": [None, None, "b"],
            "date_of_service": "2024-07-01",
            "code": ["97110", "97140", "97110"],
            "minutes": [10, 10, 10],
        }
    )
    got = units_frame(df)
    assert got["total_timed_minutes"].tolist() == [20, 20, 10]
