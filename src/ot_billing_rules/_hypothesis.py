"""Hypothesis plugin hook (entry point group ``hypothesis``).

Hypothesis calls :func:`_hypothesis_setup_hook` while it is being imported.
Importing :mod:`ot_billing_rules.strategies` here would import Hypothesis
again half-way through its own import, so each registration is a callable
that imports the strategies module only when a strategy is first asked for.
The hook has no effect on the library itself; ``HYPOTHESIS_NO_PLUGINS``
turns it off, and importing :mod:`ot_billing_rules.strategies` registers the
same strategies then.
"""

from __future__ import annotations

from typing import Any


def _registrations() -> dict[type, str]:
    from .catalog import Code
    from .lines import ClaimLine, ServiceLine
    from .ncci import PTPEdit
    from .payers import PayerPolicy
    from .plan_of_care import PlanOfCare
    from .visit import Service, Visit

    return {
        Code: "catalog_entries",
        ServiceLine: "service_lines",
        ClaimLine: "claim_lines",
        Service: "single_services",
        PlanOfCare: "plans_of_care",
        PayerPolicy: "payer_policies",
        Visit: "visits",
        PTPEdit: "ncci_pairs",
    }


_done = False


def register() -> None:
    """Register the strategies for the library's types (once per process)."""
    global _done
    if _done:
        return
    _done = True
    from hypothesis import strategies as st

    from .visit import ServiceCodeText

    # ServiceCodeText is the converted type of Service.code (a NewType, not a
    # class): with it st.builds(Service) draws catalog codes, not any text.
    targets: dict[Any, str] = {**_registrations(), ServiceCodeText: "codes"}
    for cls, name in targets.items():

        def resolve(_: Any, _name: str = name) -> Any:
            from . import strategies

            return getattr(strategies, _name)()

        st.register_type_strategy(cls, resolve)


def _hypothesis_setup_hook() -> None:
    register()
