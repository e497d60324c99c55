"""visits_from_rows: odd cell values and the grouped (streaming) mode (issue 11).

pandas' missing values count as empty; containers and values that cannot be
compared are a typed error naming the column — never a raw ``TypeError``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules.readers import NotGroupedError

pd = pytest.importorskip("pandas")

GOOD = {"visit_id": "a", "date_of_service": "2024-07-01", "code": "97530", "minutes": "30"}


def one(**cells: Any) -> ob.Visit | ob.DataFileError:
    (out,) = ob.visits_from_rows([{**GOOD, **cells}], source="t", first_line=2)
    return out


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, pd.NaT, Decimal("NaN")])
@pytest.mark.parametrize("col", ["modifiers", "assistant_minutes", "separate_interval", "payer"])
def test_missing_values_count_as_empty(missing: object, col: str) -> None:
    visit = one(**{col: missing})
    assert isinstance(visit, ob.Visit), visit


def test_pandas_frame_with_nullable_dtypes() -> None:
    frame = pd.DataFrame(
        {
            "visit_id": ["a", "a", "b"],
            "date_of_service": ["2024-07-01", pd.NA, "2024-07-02"],
            "code": ["97530", "97535", "97110"],
            "minutes": pd.array([30, 15, pd.NA], dtype="Int64"),
            "modifiers": pd.array([pd.NA, "XU", pd.NA], dtype="string"),
        }
    )
    a, b = ob.visits_from_rows(frame.to_dict("records"))
    assert isinstance(a, ob.Visit)
    assert [s.minutes for s in a.services] == [30, 15]
    assert isinstance(b, ob.Visit)
    assert b.services[0].minutes is None


@pytest.mark.parametrize(
    ("col", "value", "needle"),
    [
        ("minutes", [30], "list"),
        ("modifiers", {"a": 1}, "dict"),
        ("code", ("97530",), "tuple"),
        ("separate_interval", {True}, "set"),
        ("payer", b"medicare", "bytes"),
        ("visit_id", ["a"], "list"),
        ("visit_id", {"id": 1}, "dict"),
        ("date_of_service", Decimal("sNaN"), "not a cell value"),
    ],
)
def test_containers_and_odd_values_are_typed_errors(col: str, value: object, needle: str) -> None:
    out = one(**{col: value})
    assert isinstance(out, ob.DataFileError)
    assert col in str(out)
    assert needle in str(out)
    assert out.line == 2


def test_pd_na_visit_id_is_an_empty_visit_id() -> None:
    out = one(visit_id=pd.NA)
    assert isinstance(out, ob.DataFileError)
    assert "empty visit_id" in str(out)


def test_non_string_column_names_are_reported_not_raised() -> None:
    (out,) = ob.visits_from_rows([{**GOOD, pd.NA: "x"}])  # type: ignore[dict-item]
    assert isinstance(out, ob.DataFileError)
    assert "unknown column" in str(out)


@pytest.mark.parametrize("row", [None, pd.NA, pd.NaT, math.nan, ["visit_id", "a"], "a,b"])
def test_a_row_that_is_not_a_mapping_is_an_error_in_its_place(row: object) -> None:
    bad, good = ob.visits_from_rows([row, GOOD], first_line=2)  # type: ignore[list-item]
    assert isinstance(bad, ob.DataFileError)
    assert "mapping" in str(bad)
    assert bad.line == 2
    assert isinstance(good, ob.Visit)


@pytest.mark.parametrize("rows", [None, 5, "visit_id", GOOD, b"x"])
def test_rows_that_are_not_a_table_are_a_typed_error(rows: object) -> None:
    with pytest.raises(ob.InvalidTypeError, match="iterable of row mappings"):
        ob.visits_from_rows(rows)  # type: ignore[arg-type]


def test_a_dataframe_itself_points_at_to_dict_records() -> None:
    with pytest.raises(ob.InvalidTypeError, match="to_dict"):
        ob.visits_from_rows(pd.DataFrame([GOOD]))


ROWS = [
    {"visit_id": "a", "date_of_service": "2024-07-01", "code": "97530", "minutes": "25"},
    {"visit_id": "a", "code": "97535", "minutes": "15"},
    {"visit_id": "", "code": "97535"},
    {"visit_id": "a", "code": "97110", "minutes": "10"},
    {"visit_id": "b", "date_of_service": "2024-07-02", "code": "97110", "minutes": "x"},
    {"visit_id": "c", "date_of_service": "2024-07-02", "code": "97110", "minutes": "20"},
]


def describe(items: list[ob.Visit | ob.DataFileError]) -> list[str]:
    return [
        f"err:{x.line}" if isinstance(x, ob.DataFileError) else f"{x.visit_id}:{len(x.services)}"
        for x in items
    ]


def test_grouped_matches_the_default_on_grouped_rows() -> None:
    default = describe(list(ob.visits_from_rows(ROWS)))
    assert describe(list(ob.visits_from_rows(ROWS, grouped=True))) == default
    assert default == ["a:3", "err:3", "err:5", "c:1"]


def test_grouped_yields_each_visit_before_reading_further() -> None:
    read: list[int] = []

    def rows() -> Iterator[dict[str, str]]:
        for n, row in enumerate(ROWS):
            read.append(n)
            yield row

    it = ob.visits_from_rows(rows(), grouped=True)
    first = next(it)
    assert isinstance(first, ob.Visit)
    assert first.visit_id == "a"
    assert read == [0, 1, 2, 3, 4]  # the row that ends visit a, no further


def test_grouped_refuses_a_visit_split_over_the_table() -> None:
    rows = [ROWS[0], ROWS[5], ROWS[1]]
    out = list(ob.visits_from_rows(rows, grouped=True, first_line=2))
    assert describe(out) == ["a:1", "c:1", "err:4"]
    assert isinstance(out[2], NotGroupedError)
    assert "'a'" in str(out[2])
    # Without the promise the same rows are one visit.
    assert describe(list(ob.visits_from_rows(rows))) == ["a:2", "c:1"]


CELLS = st.one_of(
    st.none(),
    st.just(math.nan),
    st.just(pd.NA),
    st.just(pd.NaT),
    st.text(max_size=5),
    st.integers(-3, 100),
    st.floats(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.sampled_from(["97530", "2024-07-01", "a", "b", "yes"]),
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["visit_id", "date_of_service", "code", "minutes", "modifiers"]),
            CELLS,
        ),
        max_size=6,
    )
)
def test_any_cells_give_visits_or_typed_errors(rows: list[dict[str, Any]]) -> None:
    for grouped in (False, True):
        out = list(ob.visits_from_rows(rows, grouped=grouped))
        assert all(isinstance(x, (ob.Visit, ob.DataFileError)) for x in out)
