"""Hypothesis plugin hook (entry point group ``hypothesis``).

Hypothesis calls :func:`_hypothesis_setup_hook` while it is being imported.
Importing :mod:`ot_billing_rules.strategies` here would import Hypothesis
again half-way through its own import, so each registration is a callable
that imports the strategies module only when a strategy is first asked for.
The hook has no effect on the library itself; ``HYPOTHESIS_NO_PLUGINS``
turns it off.
"""

from __future__ import annotations

from typing import Any


def _registrations() -> dict[type, str]:
    from .catalog import Code
    from .lines import ClaimLine, ServiceLine
    from .ncci import PTPEdit
    from .visit import Visit

    return {
        Code: "catalog_entries",
        ServiceLine: "service_lines",
        ClaimLine: "claim_lines",
        Visit: "visits",
        PTPEdit: "ncci_pairs",
    }


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    for cls, name in _registrations().items():

        def resolve(_: type, _name: str = name) -> Any:
            from . import strategies

            return getattr(strategies, _name)()

        st.register_type_strategy(cls, resolve)
