"""Issue 12 layout: findings built by their family, one modifier vocabulary,
PayerPolicy.unit_method as a UnitMethod, and the audit reading each payer flag once."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from datetime import date

import attrs
import pytest

from ot_billing_rules import audit, catalog, modifiers, payers, plan_of_care, strategies, thresholds
from ot_billing_rules.audit import audit_visit
from ot_billing_rules.payers import MEDICARE, PayerPolicy
from ot_billing_rules.terms import UnitMethod
from ot_billing_rules.units import minutes_missing

# -- F: unit_method ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [("cms", UnitMethod.CMS), ("AMA", UnitMethod.AMA), (UnitMethod.AMA, UnitMethod.AMA)],
)
def test_unit_method_is_the_enum(given: object, expected: UnitMethod) -> None:
    policy = PayerPolicy("x", unit_method=given)
    assert policy.unit_method is expected
    assert policy.to_dict()["unit_method"] == expected.value
    assert type(policy.to_dict()["unit_method"]) is str


def test_audit_report_emits_the_method_as_a_string() -> None:
    policy = attrs.evolve(MEDICARE, unit_method=UnitMethod.AMA)
    report = audit_visit(
        {
            "date_of_service": "2024-07-01",
            "payer": policy,
            "services": [{"code": "97530", "minutes": 7}],
        }
    )
    units = report.to_dict()["units"]
    assert units["method"] == "ama"
    assert type(units["method"]) is str
    (skipped,) = [s for s in report.services if not s.billed]
    assert "under the AMA method" in skipped.reason


# -- E: the families build their own findings ---------------------------------------


def test_catalog_check_code() -> None:
    entry, problem, reason = catalog.check_code("97530", on=date(2024, 7, 1))
    assert entry is not None
    assert (problem, reason) == (None, "")
    entry, problem, reason = catalog.check_code("97999", on=date(2024, 7, 1))
    assert entry is None
    assert problem is not None
    assert problem.rule == "code.unknown"
    assert reason == "code not in the catalog"


def test_catalog_check_code_not_effective() -> None:
    entry, problem, reason = catalog.check_code("97127", on=date(2024, 7, 1))
    assert entry is None
    assert problem is not None
    assert problem.rule == "code.not_effective"
    assert reason == "not valid on 2024-07-01"


def test_family_findings() -> None:
    assert minutes_missing("97530").rule == "units.minutes_missing"
    assert thresholds.KX_NOT_CHECKED.rule == "kx.not_checked"
    assert plan_of_care.POC_NOT_CHECKED.rule == "poc.not_checked"


def test_the_audit_builds_no_family_finding() -> None:
    source = inspect.getsource(audit)
    for rule in ("code.unknown", "code.not_effective", "units.minutes_missing", "kx.not_checked"):
        assert f'"{rule}"' not in source
    assert '"poc.not_checked"' not in source


_FLAGS = [f.name for f in attrs.fields(PayerPolicy) if f.name not in ("name", "description")]


@pytest.mark.parametrize("flag", _FLAGS)
def test_each_payer_flag_is_read_in_one_audit_step(flag: str) -> None:
    tree = ast.parse(inspect.getsource(audit))
    readers = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("to_"):
            for node in ast.walk(fn):
                if isinstance(node, ast.Attribute) and node.attr == flag:
                    readers.add(fn.name)
    wanted = "suppresses" if flag == "suppress_rules" else flag
    if flag == "suppress_rules":
        readers = {
            fn.name
            for fn in ast.walk(tree)
            if isinstance(fn, ast.FunctionDef)
            for node in ast.walk(fn)
            if isinstance(node, ast.Attribute) and node.attr == wanted
        }
    assert len(readers) == 1, (flag, sorted(readers))


# -- A: one modifier vocabulary -------------------------------------------------------------


def test_one_bypass_set() -> None:
    assert set(modifiers.BYPASS_MODIFIERS) == {"59", "XE", "XS", "XP", "XU"}
    for module in (audit, payers):
        names = {n for n in vars(module) if "BYPASS" in n and n.isupper()}
        assert names <= {"BYPASS_MODIFIERS"}
        if names:
            assert module.BYPASS_MODIFIERS is modifiers.BYPASS_MODIFIERS


def test_strategies_sample_common_modifiers_from_the_known_set() -> None:
    assert not hasattr(strategies, "KNOWN_MODIFIERS")
    assert set(strategies.COMMON_MODIFIERS) <= modifiers.KNOWN_MODIFIERS


def test_bypass_modifier_error_lists_the_one_set() -> None:
    with pytest.raises(Exception, match="59, XU, XE, XS, XP"):
        PayerPolicy("x", bypass_modifier="GO")


def test_modifiers_import_stays_light_in_a_fresh_process() -> None:
    code = (
        "import json, sys; import ot_billing_rules.modifiers; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ot_billing_rules'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert loaded <= {
        "ot_billing_rules",
        "ot_billing_rules._coerce",
        "ot_billing_rules._data",
        "ot_billing_rules._fast",
        "ot_billing_rules._html",
        "ot_billing_rules._version",
        "ot_billing_rules.activities",
        "ot_billing_rules.errors",
        "ot_billing_rules.findings",
        "ot_billing_rules.modifiers",
        "ot_billing_rules.sources",
        "ot_billing_rules.terms",
    }, loaded
