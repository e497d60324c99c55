"""Bad input to the payer records (issue 18): typed errors naming the value."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ot_billing_rules import Visit, audit_visit, errors, payer_policy
from ot_billing_rules.payer_terms import PayerTerms

BASE = {"date_of_service": "2023-03-01", "services": [{"code": "97530", "minutes": 30}]}


@pytest.mark.parametrize(
    ("change", "exc", "match"),
    [
        ({"state": "Texas"}, errors.InvalidInputError, "'Texas'"),
        ({"state": 48}, errors.InvalidInputError, "48"),
        ({"visits_this_period": -1}, errors.OTBillingError, "visits_this_period"),
        ({"visits_this_period": "twenty"}, errors.OTBillingError, "visits_this_period"),
        ({"patient_birth_date": "yesterday"}, errors.OTBillingError, "yesterday"),
        ({"billing_provider": 5}, errors.InvalidTypeError, "billing_provider"),
        ({"billing_provider": " "}, errors.InvalidTypeError, "billing_provider"),
    ],
)
def test_new_visit_fields_are_strict(change: dict[str, Any], exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        Visit.from_dict({**BASE, **change})


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"on": "2023-02-30"}, errors.OTBillingError, "2023-02-30"),
        ({"on": 2023}, errors.InvalidTypeError, "2023"),
        ({"state": "Texas"}, errors.InvalidInputError, "'Texas'"),
    ],
)
def test_payer_policy_date_and_state_are_strict(
    kwargs: dict[str, Any], exc: type, match: str
) -> None:
    with pytest.raises(exc, match=match):
        payer_policy("cigna", **kwargs)


def test_payer_policy_reads_a_string_date_and_a_lowercase_state() -> None:
    tx = payer_policy("cigna", on="2022-10-20", state="tx")
    assert tx.terms is not None
    assert tx.terms.state == "TX"
    assert payer_policy("cigna", on=date(2022, 10, 20), state="TX") is tx


def test_a_one_state_record_refuses_another_state() -> None:
    with pytest.raises(errors.InvalidOptionError, match="no version in force"):
        payer_policy("medicaid-il", on=date(2024, 3, 1), state="NY")


@pytest.mark.parametrize("policies", ["cigna", [{"name": "x"}], 3, payer_policy("commercial")])
def test_policies_must_be_payer_policies(policies: Any) -> None:
    with pytest.raises(errors.InvalidTypeError, match="policies"):
        audit_visit({**BASE, "payer": "x"}, policies=policies)


def test_terms_refuse_a_non_mapping_with_its_path() -> None:
    with pytest.raises(errors.InvalidInputError, match="terms"):
        PayerTerms.from_dict(["cigna"])
