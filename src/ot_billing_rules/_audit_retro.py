"""``ncci.retroactive``: the audit followed a rule CMS changed after the fact.

The audit reads the NCCI edits as CMS publishes them now, so a date of
service is checked under the rule as it stands today. When CMS changed that
rule retroactively (an edit deleted back to its start), a claim for the date
may have been adjudicated under the old rule: this module says so, with the
dates and sources of the change (:mod:`ot_billing_rules.ncci._history`).
"""

from __future__ import annotations

from .findings import Finding, Severity
from .ncci._history import RetroactiveChange, changes_for
from .sources import cite
from .visit import Visit


def retroactive_findings(visit: Visit) -> list[Finding]:
    """One info finding per recorded retroactive change covering the visit's date.

    Medicare NCCI history only: nothing when the payer does not apply the
    NCCI edits, or its record or edit set is the Medicaid program's.
    """
    policy = visit.payer
    loaded = getattr(policy.edits, "program", "medicare")
    record = policy.terms.edit_set if policy.terms is not None else None
    if not policy.ncci_edits or loaded != "medicare" or record == "medicaid_ncci":
        return []
    codes = [s.code for s in visit.services]
    return [_finding(c, visit) for c in changes_for(codes, visit.date_of_service, visit.setting)]


def _finding(change: RetroactiveChange, visit: Visit) -> Finding:
    pair = f"{change.column_1} / {change.column_2}"
    bypass = "no modifier bypassed it" if change.modifier_indicator == "0" else "a modifier"
    return Finding(
        "ncci.retroactive",
        Severity.INFO,
        (change.column_1, change.column_2),
        f"the {pair} PTP edit ({change.setting.value.replace('_', ' ')}) took effect on "
        f"{change.effective.isoformat()} ({bypass}) and was deleted retroactively to "
        f"{change.deleted_to.isoformat()} in the NCCI release of "
        f"{change.changed_in.isoformat()} (announced {change.announced.isoformat()}): the "
        f"audit follows the edits as known now, under which it never applied on "
        f"{visit.date_of_service.isoformat()}; a claim adjudicated before the change may "
        f"have had {change.column_2} denied under it",
        "if the claim was denied under the deleted edit, ask the MAC to reopen or reprocess it",
        f"{cite('ncci_ptp_history')}; " + "; ".join(change.citations),
    )
