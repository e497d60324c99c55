"""Re-evaluation (97168 / 97164 / 97172): billable or routine reassessment."""

from __future__ import annotations

import json
import pickle

import pytest

import ot_billing_rules as ob
from ot_billing_rules import Evidence, ReevaluationReason, reevaluation_billable

# Pub. 100-02 Ch. 15 §220.3.C as cited in rules/codes_and_evaluations.md §1.6: covered
# for new clinical findings, a significant change in condition, failure to respond;
# may be appropriate before planned discharge; not a routine, recurring service.
BILLABLE = {
    "new_clinical_findings",
    "significant_change_in_condition",
    "failure_to_respond_to_treatment",
    "newly_diagnosed_related_condition",
    "before_planned_discharge",
}
NOT_BILLABLE = {"routine_reassessment", "progress_report", "new_episode"}


def test_every_reason_is_classified() -> None:
    assert {r.value for r in ReevaluationReason} == BILLABLE | NOT_BILLABLE


@pytest.mark.parametrize("reason", sorted(BILLABLE))
def test_indicated_reasons_are_billable(reason: str) -> None:
    d = reevaluation_billable(reason)
    assert d.billable is True
    assert d.code == "97168"
    assert d.bill_instead == ()


@pytest.mark.parametrize("reason", sorted(NOT_BILLABLE))
def test_routine_reasons_are_not_billable(reason: str) -> None:
    assert reevaluation_billable(reason).billable is False


def test_routine_reassessment_cites_the_manual() -> None:
    d = reevaluation_billable(ReevaluationReason.ROUTINE_REASSESSMENT)
    assert "§220.3.C" in d.source
    assert "not a routine, recurring service" in d.explanation
    assert d.evidence is Evidence.SOURCE


def test_a53309_worked_example_new_related_condition() -> None:
    # §1.6: TKA patient on a walker develops wrist pain (a newly diagnosed related condition)
    # => the re-evaluation is separately payable (MAC article A53309).
    d = reevaluation_billable("newly diagnosed related condition", discipline="PT")
    assert (d.code, d.billable) == ("97164", True)
    assert "A53309" in d.source


def test_new_episode_bills_a_new_evaluation() -> None:
    d = reevaluation_billable("new_episode")
    assert d.bill_instead == ("97165", "97166", "97167")
    assert d.evidence is Evidence.INFERRED


def test_before_discharge_is_configurable_and_always_warns() -> None:
    default = reevaluation_billable("before_planned_discharge")
    strict = reevaluation_billable("before_planned_discharge", before_discharge_billable=False)
    assert (default.billable, strict.billable) == (True, False)
    for d in (default, strict):
        assert [w.rule for w in d.warnings] == ["eval.reeval_before_discharge"]
    assert "before_discharge_billable=False" in strict.explanation


@pytest.mark.parametrize(
    ("discipline", "code", "minutes"),
    [("OT", "97168", 30), ("pt", "97164", 20), ("At", "97172", None)],
)
def test_codes_and_typical_minutes_per_discipline(
    discipline: str, code: str, minutes: int | None
) -> None:
    d = reevaluation_billable("failure_to_respond_to_treatment", discipline=discipline)
    assert (d.code, d.typical_minutes) == (code, minutes)


def test_athletic_training_flags_unverified_data() -> None:
    d = reevaluation_billable("new_clinical_findings", discipline=ob.EvaluationDiscipline.AT)
    rules = [w.rule for w in d.warnings]
    assert rules == ["eval.rule_inferred", "eval.unverified"]
    assert "unverified" in d.warnings[1].message


def test_unknown_reason_lists_valid_ones() -> None:
    with pytest.raises(ob.InvalidOptionError) as info:
        reevaluation_billable("weekly check")
    assert info.value.field == "reason"
    assert "routine_reassessment" in info.value.valid
    assert "'weekly check'" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"discipline": "SLP"}, ob.InvalidOptionError),
        ({"discipline": 3}, ob.InvalidTypeError),
        ({"before_discharge_billable": "no"}, ob.InvalidTypeError),
        ({"before_discharge_billable": 0}, ob.InvalidTypeError),
    ],
)
def test_bad_options(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        reevaluation_billable("progress_report", **kwargs)  # type: ignore[arg-type]


def test_reason_spelling_does_not_matter() -> None:
    a = reevaluation_billable(ReevaluationReason.SIGNIFICANT_CHANGE)
    b = reevaluation_billable("Significant Change in Condition")
    c = reevaluation_billable("SIGNIFICANT_CHANGE")
    assert a == b == c


@pytest.mark.parametrize("reason", list(ReevaluationReason))
def test_decisions_pickle_and_serialise(reason: ReevaluationReason) -> None:
    d = reevaluation_billable(reason, discipline="AT")
    assert pickle.loads(pickle.dumps(d)) == d
    out = json.loads(json.dumps(d.to_dict()))
    assert out["reason"] == reason.value
    assert out["billable"] is (reason.value in BILLABLE)
    assert "<table>" in d._repr_html_()
