"""The public Hypothesis strategies and the plugin hook."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ot_billing_rules as ob
from ot_billing_rules import strategies as obst


@given(obst.codes(timed=True, effective_on="2024-07-01"))
def test_timed_codes_are_timed_and_effective(code: str) -> None:
    entry = ob.lookup(code, on="2024-07-01")
    assert entry.timed


@given(obst.codes(category="evaluation"))
def test_category_filter(code: str) -> None:
    assert ob.get(code).category is ob.Category.EVALUATION  # type: ignore[union-attr]


@given(obst.service_lines())
def test_service_lines_are_valid(line: ob.ServiceLine) -> None:
    assert ob.ServiceLine(line.code, line.units, line.modifiers) == line
    assert 1 <= line.units <= 8


@given(obst.minutes(min_value=8, max_value=22))
def test_minutes_bounds(value: int) -> None:
    assert 8 <= value <= 22


@given(obst.dates_of_service(min_value="2020-01-01", max_value="2020-12-31"))
def test_dates_bounds(day: date) -> None:
    assert day.year == 2020


def test_minimal_example_is_the_common_code() -> None:
    from hypothesis import find

    assert find(obst.codes(), lambda c: True) == "97530"


@pytest.mark.parametrize(
    ("factory", "kwargs", "error"),
    [
        (obst.minutes, {"min_value": -1}, ValueError),
        (obst.minutes, {"max_value": 1441}, ValueError),
        (obst.minutes, {"max_value": 2.5}, TypeError),
        (obst.codes, {"timed": "yes"}, TypeError),
        (obst.codes, {"category": "massage"}, ValueError),
        (obst.codes, {"effective_on": 2024}, TypeError),
        (obst.service_lines, {"code": "97530"}, TypeError),
        (obst.service_lines, {"max_units": 0}, ValueError),
        (obst.dates_of_service, {"min_value": "2025-01-01", "max_value": "2024-01-01"}, ValueError),
    ],
)
def test_options_are_validated_eagerly(
    factory: object, kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        factory(**kwargs)  # type: ignore[operator]


_PROBE = textwrap.dedent(
    """
    from hypothesis import strategies as st
    import ot_billing_rules as ob
    try:
        value = st.from_type(ob.ServiceLine).example()
        visit = st.from_type(ob.Visit).example()
        assert ob.audit_visit(visit).visit == visit
    except ob.OTBillingError:
        # Inferred from annotations alone: arbitrary text for the code.
        print("inferred")
    else:
        # Registered strategies only generate catalog codes.
        print("catalog" if ob.get(value.code) is not None else "other")
    """
)


def _run_probe(no_plugins: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_NO_PLUGINS"}
    if no_plugins:
        env["HYPOTHESIS_NO_PLUGINS"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_plugin_registers_strategies_for_library_types() -> None:
    assert _run_probe(no_plugins=False) == "catalog"


def test_plugin_is_skipped_with_hypothesis_no_plugins() -> None:
    # Without the hook Hypothesis infers ServiceLine from its annotations and
    # draws arbitrary text for the code, which the library rejects.
    assert _run_probe(no_plugins=True) == "inferred"


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_hook_type_mapping_points_at_public_strategies() -> None:
    from ot_billing_rules._hypothesis import _registrations

    for cls, name in _registrations().items():
        strategy = getattr(obst, name)()
        assert isinstance(strategy, st.SearchStrategy)
        assert isinstance(strategy.example(), cls)


@given(obst.visits())
def test_generated_visits_audit_without_error(visit: ob.Visit) -> None:
    report = ob.audit_visit(visit)
    assert len(report.services) == len(visit.services)


@given(obst.sessions())
def test_sessions_are_valid_compute_units_input(minutes: dict[str, int]) -> None:
    allocation = ob.compute_units(minutes, on="2024-07-01")
    assert set(minutes) <= set(allocation.units)


@given(obst.ot_evaluation_inputs())
def test_ot_evaluation_inputs_are_accepted(kwargs: dict[str, object]) -> None:
    assert ob.select_ot_evaluation(**kwargs).code in {"97165", "97166", "97167"}  # type: ignore[arg-type]


@given(obst.pt_evaluation_inputs())
def test_pt_evaluation_inputs_are_accepted(kwargs: dict[str, object]) -> None:
    assert ob.select_pt_evaluation(**kwargs).code in {"97161", "97162", "97163"}  # type: ignore[arg-type]


@given(obst.at_evaluation_inputs())
def test_at_evaluation_inputs_are_accepted(kwargs: dict[str, object]) -> None:
    assert ob.select_at_evaluation(**kwargs).code in {"97169", "97170", "97171"}  # type: ignore[arg-type]


@given(obst.ncci_pairs(modifier_indicator="0", live_on="2024-07-01"))
def test_ncci_pairs_fire_in_check_bundling(edit: ob.PTPEdit) -> None:
    findings = ob.check_bundling(
        [ob.ServiceLine(edit.column_1), ob.ServiceLine(edit.column_2, modifiers=("59",))],
        on="2024-07-01",
        setting=edit.setting,
        discipline=None,
    )
    assert any(f.rule == "ncci.ptp" and edit.column_2 in f.codes for f in findings)


def test_visit_strategy_validates_its_options() -> None:
    with pytest.raises(TypeError):
        obst.visits(payers="medicare")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_services"):
        obst.visits(max_services=0)
    with pytest.raises(ob.InvalidOptionError):
        obst.ncci_pairs(modifier_indicator="7")
