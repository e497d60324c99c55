"""Audit step 8c: Medicare telehealth for therapists (``telehealth.*``).

A visit is a telehealth visit when its ``place_of_service`` is 02 or 10 or a
service carries 95, GT or FQ. For a Medicare policy (a policy named
``"medicare"``: the built-in one or a copy of it) the step checks, by date of
service (:mod:`~ot_billing_rules.telehealth`):

- the therapist eligibility window: outside every window,
  ``telehealth.therapist_not_eligible``; a window enacted after the date,
  ``telehealth.retroactive`` (info, naming the act); no data, ``telehealth.unknown``;
- each billed code on the Medicare Telehealth Services List
  (``telehealth.code_not_on_list``; ``telehealth.unknown`` where no source
  settles the code's status);
- the POS and modifier convention of the date (``telehealth.modifier_missing``,
  ``telehealth.pos_modifier_mismatch``).

Other payers' telehealth rules are not in the data: the step is off for them.
Hospital outpatient (institutional) therapy telehealth follows CMS's OPPS
rules, which are not in the data either: ``telehealth.unknown``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from .findings import Finding, Severity
from .lines import ClaimLine
from .sources import cite
from .telehealth import (
    POS_10_FROM,
    TELEHEALTH_MODIFIERS,
    TELEHEALTH_POS,
    ListStatus,
    WindowStatus,
    _era_source,
    list_entry,
    pos_facility_rate,
    telehealth_window,
)
from .terms import Setting
from .visit import Visit

__all__ = ["is_telehealth", "telehealth_findings", "unpriced_telehealth"]

#: The 2020-2023 convention (in-person POS with 95): its first and last dates of service.
_IN_PERSON_POS_FROM = date(2020, 3, 1)
_IN_PERSON_POS_UNTIL = date(2023, 12, 31)


def _applies(visit: Visit) -> bool:
    return visit.payer.name.lower() == "medicare"


def _telehealth_modifiers(visit: Visit) -> dict[str, set[str]]:
    return {
        s.code: set(s.modifiers) & TELEHEALTH_MODIFIERS
        for s in visit.services
        if set(s.modifiers) & TELEHEALTH_MODIFIERS
    }


def is_telehealth(visit: Visit) -> bool:
    """Whether the visit says it was furnished via telehealth (POS 02/10 or 95/GT/FQ)."""
    return visit.place_of_service in TELEHEALTH_POS or any(
        m in TELEHEALTH_MODIFIERS for s in visit.services for m in s.modifiers
    )


def _unknown(codes: tuple[str, ...], message: str, citation: str) -> Finding:
    return Finding(
        "telehealth.unknown",
        Severity.INFO,
        codes,
        message,
        suggestion="Check the date against the CMS telehealth pages and the MAC's instructions.",
        source=cite(citation),
    )


def telehealth_findings(visit: Visit, lines: Sequence[ClaimLine]) -> list[Finding]:
    """The ``telehealth.*`` findings of a Medicare telehealth visit (empty otherwise)."""
    if not _applies(visit) or not is_telehealth(visit):
        return []
    day = visit.date_of_service
    iso = day.isoformat()
    if visit.setting is Setting.OUTPATIENT_HOSPITAL:
        return [
            _unknown(
                (),
                f"Hospital outpatient therapy via telehealth on {iso} (institutional claim) "
                "follows "
                "CMS's OPPS rules, which the telehealth data does not hold: not checked.",
                "telehealth_billing",
            )
        ]
    out = _window(visit)
    if any(f.rule == "telehealth.therapist_not_eligible" for f in out):
        # Not payable as telehealth at all: the list and the conventions are moot.
        return out
    codes = sorted({ln.code for ln in lines} or {s.code for s in visit.services})
    out += [f for code in codes if (f := _listed(code, day)) is not None]
    out += _conventions(visit)
    return out


def _window(visit: Visit) -> list[Finding]:
    day = visit.date_of_service
    iso = day.isoformat()
    who = visit.discipline.value
    window = telehealth_window(day)
    if window is None or window.status is WindowStatus.UNKNOWN:
        return [
            _unknown(
                (),
                f"Whether a {who} could bill Medicare telehealth on {iso} is not known from the "
                "sources read: not checked.",
                "telehealth_practitioners",
            )
        ]
    source = f"{cite('telehealth_practitioners')}; {window.authority}"
    if window.status is WindowStatus.NOT_ELIGIBLE:
        return [
            Finding(
                "telehealth.therapist_not_eligible",
                Severity.ERROR,
                (),
                f"On {iso} a {who} could not bill Medicare telehealth: {window.authority} lists "
                "no therapists as telehealth practitioners for that date "
                "(therapists could from 2020-03-01 through 2027-12-31 under the law as now known).",
                suggestion="Bill the service as furnished in person only if it was; otherwise it "
                "is not payable by Medicare as telehealth.",
                source=source,
            )
        ]
    if window.retroactive_for(day) and window.enacted_on is not None:
        return [
            Finding(
                "telehealth.retroactive",
                Severity.INFO,
                (),
                f"{iso} is covered by {window.authority} only retroactively: it was enacted on "
                f"{window.enacted_on.isoformat()}, after the date of service. The rule changed "
                "retroactively; the audit follows what is known now.",
                suggestion="Claims held or denied before the enactment can be submitted or "
                "reopened.",
                source=source,
            )
        ]
    return []


def _listed(code: str, day: date) -> Finding | None:
    iso = day.isoformat()
    entry = list_entry(code, day)
    if entry is None or entry.status is ListStatus.UNKNOWN:
        return _unknown(
            (code,),
            f"Whether {code} was on the Medicare Telehealth Services List on {iso} is not known "
            "from the sources read: not checked.",
            "telehealth_list",
        )
    if entry.status is ListStatus.NOT_LISTED:
        return Finding(
            "telehealth.code_not_on_list",
            Severity.ERROR,
            (code,),
            f"{code} was not on the Medicare Telehealth Services List on {iso}: Medicare does "
            "not pay it as a telehealth service.",
            suggestion="Furnish it in person, or bill only the listed services.",
            source=f"{cite('telehealth_list')}; {entry.source}",
        )
    return None


def _conventions(visit: Visit) -> list[Finding]:
    day = visit.date_of_service
    iso = day.isoformat()
    pos = visit.place_of_service
    mods = _telehealth_modifiers(visit)
    source = cite("telehealth_billing")
    out: list[Finding] = []
    if pos == "10" and day < POS_10_FROM:
        out.append(
            Finding(
                "telehealth.pos_modifier_mismatch",
                Severity.ERROR,
                (),
                f"POS 10 (telehealth in the patient's home) starts with dates of service on "
                f"2022-01-01 (CMS CR 12427); {iso} is before it.",
                suggestion="Report the POS of the in-person service with modifier 95.",
                source=f"{source}; {_era_source('pos_code', '10', POS_10_FROM)}",
            )
        )
    if pos in TELEHEALTH_POS and _IN_PERSON_POS_FROM <= day <= _IN_PERSON_POS_UNTIL:
        missing = sorted(s.code for s in visit.services if "95" not in s.modifiers)
        if missing:
            out.append(
                Finding(
                    "telehealth.modifier_missing",
                    Severity.WARNING,
                    tuple(missing),
                    f"From 2020-03-01 through 2023-12-31 CMS asked for telehealth services to be "
                    f"billed with the POS of the in-person service and modifier 95; "
                    f"{', '.join(missing)} on POS {pos} lack(s) 95.",
                    suggestion="Report the in-person POS (11, 12, ...) and add modifier 95.",
                    source=source,
                )
            )
    with_95 = sorted(code for code, m in mods.items() if "95" in m)
    if with_95 and day > _IN_PERSON_POS_UNTIL and pos not in TELEHEALTH_POS:
        out.append(
            Finding(
                "telehealth.pos_modifier_mismatch",
                Severity.ERROR,
                tuple(with_95),
                f"From 2024-01-01 a professional telehealth claim reports POS 02 or 10; "
                f"{', '.join(with_95)} carry 95 with POS {pos or '(none given)'} (the 2020-2023 "
                "convention).",
                suggestion="Report POS 10 (patient at home) or 02 (elsewhere).",
                source=source,
            )
        )
    for mod, why in (
        (
            "GT",
            "GT is for CAH Optional Method II distant-site practitioners on institutional claims",
        ),
        (
            "FQ",
            "FQ marks audio-only services of RHCs and FQHCs; a professional audio-only "
            "service carries 93",
        ),
    ):
        carrying = sorted(code for code, m in mods.items() if mod in m)
        if carrying:
            out.append(
                Finding(
                    "telehealth.pos_modifier_mismatch",
                    Severity.WARNING,
                    tuple(carrying),
                    f"{', '.join(carrying)} carry {mod}: {why}, not a therapist's professional "
                    "claim.",
                    suggestion=f"Drop {mod}; bill with the date's telehealth POS "
                    "(and 95 in 2020-2023).",
                    source=source,
                )
            )
    return out


def unpriced_telehealth(visit: Visit) -> Finding | None:
    """Why a telehealth-POS visit cannot be priced: its rate on the date is unknown.

    ``None`` when ``facility`` was given (the caller's rate wins) or the rate is known.
    """
    pos = visit.place_of_service
    if pos not in TELEHEALTH_POS or visit.facility is not None:
        return None
    if pos_facility_rate(pos, visit.date_of_service) is not None:
        return None
    return Finding(
        "telehealth.unknown",
        Severity.INFO,
        (),
        f"The fee schedule rate (facility or non-facility) of POS {pos} on "
        f"{visit.date_of_service.isoformat()} is not known from the sources read: the claim "
        "lines were not priced.",
        suggestion="Give facility true or false to price the visit.",
        source=cite("telehealth_rate"),
    )
