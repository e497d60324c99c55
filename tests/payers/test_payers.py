"""Payer policies: built-ins, resolution, user-defined policies, validation."""

from __future__ import annotations

import pickle

import attrs
import pytest

from ot_billing_rules import errors
from ot_billing_rules.payers import (
    COMMERCIAL,
    MEDICARE,
    Discipline,
    PayerPolicy,
    payer_policy,
    payer_policy_names,
)


def test_medicare_uses_cms_rules() -> None:
    p = payer_policy("medicare")
    assert p is MEDICARE
    assert (p.unit_method, p.discipline_modifiers, p.assistant_modifiers) == ("cms", True, True)
    assert p.kx_threshold
    assert p.plan_of_care_timing
    assert p.ncci_edits
    assert p.bypass_modifier == "59"


def test_commercial_uses_ama_and_no_medicare_modifiers() -> None:
    p = payer_policy(" COMMERCIAL ")
    assert p.unit_method == "ama"
    assert not (p.discipline_modifiers)
    assert not (p.assistant_modifiers)
    assert not (p.kx_threshold)
    assert not p.plan_of_care_timing
    assert p.suppresses("status.bundled")
    assert not p.suppresses("ncci.ptp")


def test_names() -> None:
    names = payer_policy_names()
    assert names[:2] == ("medicare", "commercial")
    assert {"cigna", "aetna", "anthem", "medicaid-il", "tricare"} <= set(names)


def test_unknown_name_lists_valid() -> None:
    with pytest.raises(errors.InvalidOptionError) as info:
        payer_policy("bcbs")
    assert info.value.valid == payer_policy_names()
    assert "'bcbs'" in str(info.value)


def test_wrong_type() -> None:
    with pytest.raises(errors.InvalidTypeError):
        payer_policy(3)  # type: ignore[arg-type]


def test_user_policy_by_evolve_and_dict_round_trip() -> None:
    mine = attrs.evolve(MEDICARE, name="medicare-advantage-x", bypass_modifier="xu")
    assert mine.bypass_modifier == "XU"
    assert payer_policy(mine) is mine
    assert PayerPolicy.from_dict(mine.to_dict()) == mine
    assert payer_policy(mine.to_dict()) == mine


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": ""}, errors.InvalidInputError),
        ({"name": "x", "unit_method": "rule-of-eights"}, errors.InvalidOptionError),
        ({"name": "x", "unit_method": 8}, errors.InvalidTypeError),
        ({"name": "x", "kx_threshold": "yes"}, errors.InvalidTypeError),
        ({"name": "x", "bypass_modifier": "25"}, errors.InvalidOptionError),
        ({"name": "x", "suppress_rules": [3]}, errors.InvalidTypeError),
    ],
)
def test_bad_fields(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        PayerPolicy(**kwargs)  # type: ignore[arg-type]


def test_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(errors.InvalidInputError, match="'copay'"):
        PayerPolicy.from_dict({"name": "x", "copay": 20})


def test_discipline_modifiers_and_buckets() -> None:
    assert [d.therapy_modifier for d in Discipline] == ["GO", "GP", "GN"]
    assert [d.assistant_modifier for d in Discipline] == ["CO", "CQ", None]
    assert [d.kx_bucket for d in Discipline] == ["OT", "PT_SLP", "PT_SLP"]


@pytest.mark.parametrize("value", [MEDICARE, COMMERCIAL, Discipline.SLP])
def test_pickle(value: object) -> None:
    assert pickle.loads(pickle.dumps(value)) == value


def test_html_escapes() -> None:
    html = PayerPolicy(name="<b>x</b>")._repr_html_()
    assert "<b>x" not in html
    assert "&lt;b&gt;" in html
