"""The fast paths behave exactly like the slow ones (issue 8).

Lazy package import, compact pickling, normalisation caches, the audit
pool's packed results and the enum/date short-cuts must never change a
result or let bad input through.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from datetime import date
from pathlib import Path

import attrs
import pytest

import ot_billing_rules as ob
from ot_billing_rules import _fast
from ot_billing_rules.audit import ServiceOutcome
from ot_billing_rules.errors import InvalidDateError, InvalidModifierError, InvalidTypeError
from ot_billing_rules.modifiers import normalize_modifiers

SIX = {
    "date_of_service": "2024-07-01",
    "services": [
        {"code": "97530", "minutes": 38},
        {"code": "97110", "minutes": 23},
        {"code": "97535", "minutes": 10},
        {"code": "97112", "minutes": 8},
        {"code": "97165"},
        {"code": "97010"},
    ],
}


def _python(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout


# -- lazy package import ---------------------------------------------------------------------


def test_import_loads_no_rule_family() -> None:
    out = _python(
        "import json, sys, ot_billing_rules\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ot_billing_rules'))))"
    )
    loaded = set(json.loads(out))
    heavy = {"units", "audit", "batch", "bundling", "ncci", "evaluation", "visit", "thresholds"}
    assert not {f"ot_billing_rules.{m}" for m in heavy} & loaded


def test_star_import_gives_every_public_name() -> None:
    out = _python(
        "from ot_billing_rules import *\n"
        "import ot_billing_rules as ob\n"
        "print(all(n in globals() for n in ob.__all__), callable(codes), callable(activities))"
    )
    assert out.split() == ["True", "True", "True"]


def test_every_public_name_resolves_and_is_listed() -> None:
    for name in ob.__all__:
        assert getattr(ob, name) is not None, name
    assert set(ob.__all__) <= set(dir(ob))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = ob.no_such_name  # type: ignore[attr-defined]


def test_codes_and_activities_stay_functions_after_their_modules_load() -> None:
    out = _python(
        "import ot_billing_rules as ob\n"
        "import ot_billing_rules.catalog, ot_billing_rules.activities, ot_billing_rules.units\n"
        "print(callable(ob.codes), callable(ob.activities), ob.codes.__module__)"
    )
    assert out.split() == ["True", "True", "ot_billing_rules.catalog"]


def test_the_stub_type_checkers_read_is_generated_from_the_name_table() -> None:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, str(root / "scripts" / "gen_init_stub.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert set(ob.__all__) == set(ob._LAZY) | {"__version__", "activities"}
    assert dir(ob) == ob.__all__


def test_every_public_name_resolves_to_its_table_module() -> None:
    for name, module in ob._LAZY.items():
        value = getattr(ob, name)
        defined = getattr(value, "__module__", None)
        if defined is not None and (isinstance(value, type) or callable(value)):
            # Classes and functions are defined in the module the table names.
            assert defined == "ot_billing_rules" + module, (name, defined, module)


# -- compact pickling --------------------------------------------------------------------------


def _values() -> list[object]:
    report = ob.audit_visit(SIX)
    assert report.allocation is not None
    result = next(ob.audit_many([SIX]))
    return [
        report,
        report.allocation,
        report.allocation.services[0],
        report.lines[0],
        report.findings[0],
        report.services[0],
        report.visit,
        report.visit.services[0],
        ob.ServiceLine("97530", 2, ("GO", "59")),
        result,
    ]


@pytest.mark.parametrize("value", _values(), ids=lambda v: type(v).__name__)
def test_compact_pickle_round_trips_equal(value: object) -> None:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(value, protocol))
        assert again == value
        assert type(again) is type(value)
        assert repr(again) == repr(value)


def test_compact_pickle_writes_values_not_field_names() -> None:
    finding = ob.Finding("ncci.ptp", "error", ("97530", "97150"), "m", "s", "src")
    compact = pickle.dumps(finding)
    assert b"suggestion" not in compact
    assert b"ncci.ptp" in compact


@attrs.frozen
class _Outcome(ServiceOutcome):
    extra: int = 7


def test_compact_pickle_keeps_a_subclass_and_its_extra_field() -> None:
    value = _Outcome("97530", 38, True, 3, "", 9)
    again = pickle.loads(pickle.dumps(value))
    assert type(again) is _Outcome
    assert again == value
    assert again.extra == 9


def test_fast_build_refuses_the_wrong_number_of_values() -> None:
    with pytest.raises(ValueError, match="zip"):
        _fast.build(ServiceOutcome, "97530", 38)


# -- normalisation caches ----------------------------------------------------------------------


def test_normalize_code_cache_gives_the_same_answers() -> None:
    assert ob.normalize_code(" g0283 ") == "G0283"
    assert ob.normalize_code(" g0283 ") == "G0283"
    for bad in ("9711", " 9711 ", "97110x"):
        for _ in range(2):
            with pytest.raises(ob.InvalidCodeError):
                ob.normalize_code(bad)
    with pytest.raises(InvalidTypeError):
        ob.normalize_code(97110)  # type: ignore[arg-type]


def test_normalize_modifiers_cache_gives_the_same_answers() -> None:
    for _ in range(2):
        assert normalize_modifiers(("go", " 59", "GO")) == ("GO", "59")
        assert normalize_modifiers(()) == ()
        with pytest.raises(InvalidTypeError):
            normalize_modifiers(("GO", 59))  # type: ignore[arg-type]
        with pytest.raises(InvalidTypeError):
            normalize_modifiers((["GO"],))  # type: ignore[arg-type]
        with pytest.raises(InvalidModifierError):
            normalize_modifiers(("G",))


# -- short-cuts in bundling and NCCI look-ups ---------------------------------------------------


def test_check_bundling_enum_and_string_options_agree() -> None:
    lines = ["97530x2:GO", "97150:GO", "97010"]
    by_text = ob.check_bundling(lines, on="2024-07-01", setting="practitioner", discipline="OT")
    by_enum = ob.check_bundling(
        lines, on=date(2024, 7, 1), setting=ob.Setting.PRACTITIONER, discipline=ob.Discipline.OT
    )
    assert by_text == by_enum
    assert {f.rule for f in by_text} >= {"ncci.ptp", "ncci.mue"}


def test_mue_date_short_cut_keeps_the_range_check() -> None:
    edits = ob.EditSet.bundled()
    assert edits.mue("97530", on=date(2024, 7, 1), setting=ob.Setting.PRACTITIONER) == edits.mue(
        "97530", on="2024-07-01"
    )
    with pytest.raises(InvalidDateError):
        edits.mue("97530", on=date(1980, 1, 1))


# -- the audit pool's packed results ------------------------------------------------


def test_pool_results_equal_one_process_results() -> None:
    visits: list[object] = [ob.Visit.from_dict({**SIX, "visit_id": f"v{n}"}) for n in range(5)]
    visits.insert(2, {"date_of_service": "2024-07-01", "services": [{"code": "9753"}]})
    visits.append({**SIX, "visit_id": "from-a-dict"})
    one = list(ob.audit_many(visits, errors="collect"))  # type: ignore[arg-type]
    pool = list(ob.audit_many(visits, errors="collect", workers=2, chunksize=2))  # type: ignore[arg-type]
    assert [r.index for r in pool] == list(range(len(visits)))
    assert [r.report for r in pool] == [r.report for r in one]
    assert [r.visit_id for r in pool] == [r.visit_id for r in one]
    assert [type(r.error) for r in pool] == [type(r.error) for r in one]
    assert pool[2].error_kind == "invalid_input"
    # A Visit the caller passed comes back as the very object (as in one process).
    assert pool[0].report is not None
    assert pool[0].report.visit is visits[0]
    assert pool[-1].report is not None
    assert pool[-1].report.visit == ob.Visit.from_dict({**SIX, "visit_id": "from-a-dict"})


def test_replacer_keeps_every_other_field_and_refuses_an_unknown_one() -> None:
    from decimal import Decimal

    from ot_billing_rules.visit import Visit

    v = Visit.from_dict(
        {"visit_id": "a", "date_of_service": "2024-03-04", "visit_allowed": "50.00",
         "services": [{"code": "97530", "minutes": 20}]}
    )  # fmt: skip
    fill = _fast.replacer(Visit, ("ytd_allowed", "visits_this_period"))
    out = fill(v, Decimal("10.00"), 3)
    assert out == attrs.evolve(v, ytd_allowed=Decimal("10.00"), visits_this_period=3)
    assert type(out) is Visit
    assert (v.ytd_allowed, v.visits_this_period) == (None, None)
    with pytest.raises(ValueError, match="no field"):
        _fast.replacer(Visit, ("ytd",))


def test_kx_threshold_and_its_finding_source_are_shared_across_visits() -> None:
    # A claim history keeps every visit's report until its run ends: the threshold
    # and the KX finding's source text are one value per year and bucket, not one
    # per visit. The shared value still equals a fresh build from the table.
    from ot_billing_rules import audit_visit, kx_threshold
    from ot_billing_rules.thresholds import _threshold

    first, again = kx_threshold(2024, "OT"), kx_threshold(on="2024-07-01", discipline="OT")
    assert first is again
    assert first == _threshold.__wrapped__(2024, "OT")
    assert kx_threshold(2024, "PT") is not first
    assert kx_threshold(2024, "PT") is kx_threshold(2024, "SLP")

    def kx_source(day: str) -> str:
        report = audit_visit(
            {"date_of_service": day, "ytd_allowed": "2400.00", "visit_allowed": "90.00",
             "services": [{"code": "97530", "minutes": 30}]}
        )  # fmt: skip
        (found,) = [f for f in report.findings if f.rule == "kx.threshold_reached"]
        return found.source

    assert kx_source("2024-03-04") is kx_source("2024-09-09")
    assert "2024 amount" in kx_source("2024-03-04")
