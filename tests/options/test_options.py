"""AuditOptions and edits= reach the audit: each option a finding suggests changes
the claim, an option beats the payer policy, edits= beats PayerPolicy.edits, and the
report records what was used (issue 16, item 1)."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import attrs

import ot_billing_rules as ob
from ot_billing_rules import AuditOptions, EditSet, audit_visit
from ot_billing_rules.units import AssistantPolicy

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "cms" / "ccipra-v302r0-f1.txt"
DOS = "2024-07-01"


def visit(*services: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"date_of_service": DOS, "services": list(services)} | more


def lines(report: ob.AuditReport) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(ln.code, ln.units, ln.modifiers) for ln in report.lines]


TIE = visit({"code": "97110", "minutes": 20}, {"code": "97140", "minutes": 20})


def test_prefer_gives_the_tied_unit_to_the_preferred_code() -> None:
    default = audit_visit(TIE)
    assert "units.cms.tie" in {f.rule for f in default.findings}
    assert {c: u for c, u, _ in lines(default)} == {"97110": 2, "97140": 1}
    preferred = audit_visit(TIE, options=AuditOptions(prefer=["97140"]))
    assert {c: u for c, u, _ in lines(preferred)} == {"97110": 1, "97140": 2}
    assert preferred.to_dict()["options"]["prefer"] == {"value": ["97140"], "from": "option"}
    assert default.to_dict()["options"]["prefer"] == {"value": [], "from": "default"}


def test_tie_break_reaches_the_allocation() -> None:
    # Same minutes, different assistant minutes: therapist_first keeps the unit off CO.
    tie = visit(
        {"code": "97110", "minutes": 20, "assistant_minutes": 20},
        {"code": "97140", "minutes": 20},
    )
    by_minutes = audit_visit(tie, options={"tie_break": "minutes"})
    therapist = audit_visit(tie, options={"tie_break": "therapist_first"})
    assert lines(by_minutes) != lines(therapist)
    assert therapist.to_dict()["options"]["tie_break"] == {
        "value": "therapist_first",
        "from": "option",
    }


def test_hour_rule_full_needs_the_whole_block() -> None:
    hardening = visit({"code": "97545", "minutes": 100})
    assert lines(audit_visit(hardening)) == [("97545", 1, ("GO",))]
    full = audit_visit(hardening, options={"hour_rule": "full"})
    assert lines(full) == []
    assert full.to_dict()["options"]["hour_rule"]["value"] == "full"


def test_assistant_policy_reaches_the_cq_co_split() -> None:
    # CMS's 2022 scenario 1: therapist and assistant each furnish 8+ minutes of the last unit.
    both = visit(
        {"code": "97110", "minutes": 36, "assistant_minutes": 23},
        {"code": "97140", "minutes": 30},
        date_of_service="2022-07-01",
    )
    default = audit_visit(both)
    assert "units.assistant.open_case" in {f.rule for f in default.findings}
    strict = audit_visit(both, options={"assistant_policy": {"both_eight": "assistant"}})
    assert lines(strict) != lines(default)
    assert strict.options.assistant_policy == AssistantPolicy(both_eight="assistant")


GROUP = visit(
    {"code": "97150"},
    {"code": "97530", "minutes": 15, "separate_interval": True},
)


def test_bypass_modifier_option_overrides_the_payer() -> None:
    payer = attrs.evolve(ob.payer_policy("medicare"), bypass_modifier="XS", name="my-mac")
    assert ("97530", 1, ("GO", "XS")) in lines(audit_visit({**GROUP, "payer": payer}))
    chosen = audit_visit({**GROUP, "payer": payer}, options={"bypass_modifier": "XU"})
    assert ("97530", 1, ("GO", "XU")) in lines(chosen)
    assert chosen.to_dict()["options"]["bypass_modifier"] == {"value": "XU", "from": "option"}
    plain = audit_visit({**GROUP, "payer": payer}).to_dict()["options"]["bypass_modifier"]
    assert plain == {"value": "XS", "from": "payer"}


def test_bypass_placement_column2_refuses_a_column1_modifier() -> None:
    # The clinician put 59 on the column-1 line 97150: Medicare accepts either line.
    on_column1 = visit({"code": "97150", "modifiers": ["59"]}, {"code": "97530", "minutes": 15})
    either = audit_visit(on_column1)
    assert "ncci.bypass" in {f.rule for f in either.findings}
    strict = audit_visit(on_column1, options={"bypass": "column2"})
    assert "ncci.ptp" in {f.rule for f in strict.findings}
    assert strict.to_dict()["options"]["bypass"] == {"value": "column2", "from": "option"}


def _quarter(tmp_path: Path) -> EditSet:
    """The fixture quarter with 97530/97535 still in force and not bypassable."""
    text = FIXTURE.read_bytes().replace(
        b"97530\t97535\t\t20200101\t20211231\t1", b"97530\t97535\t\t20200101\t*\t0"
    )
    path = tmp_path / "ccipra-v302r0-f1.txt"
    path.write_bytes(text)
    return EditSet.from_cms_files(path)


PAIR = visit({"code": "97530", "minutes": 30}, {"code": "97535", "minutes": 23})


def test_edits_argument_is_used_and_named_in_the_report(tmp_path: Path) -> None:
    quarter = _quarter(tmp_path)
    bundled = audit_visit(PAIR)
    mine = audit_visit(PAIR, edits=quarter)
    assert "ncci.ptp" not in {f.rule for f in bundled.findings}
    assert "ncci.ptp" in {f.rule for f in mine.findings}
    theirs = {(t["table"], t["release"], t["digest"]) for t in bundled.to_dict()["tables"]}
    ours = [t for t in mine.to_dict()["tables"] if t["table"] == "ncci_ptp"]
    assert [(t["name"], t["release"], t["bundled"]) for t in ours] == [
        ("ccipra-v302r0-f1.txt", "ccipra-v302r0", False)
    ]
    assert (ours[0]["table"], ours[0]["release"], ours[0]["digest"]) not in theirs
    # The report keeps the caller's visit: the edit set is not written into it.
    assert mine.visit == bundled.visit
    assert mine.to_dict()["visit"] == bundled.to_dict()["visit"]


def test_edits_argument_beats_the_payer_policy_edits(tmp_path: Path) -> None:
    quarter = _quarter(tmp_path)
    payer = attrs.evolve(ob.payer_policy("medicare"), edits=quarter, name="with-quarter")
    by_payer = audit_visit({**PAIR, "payer": payer})
    assert "ncci.ptp" in {f.rule for f in by_payer.findings}
    overridden = audit_visit({**PAIR, "payer": payer}, edits=EditSet.bundled())
    assert "ncci.ptp" not in {f.rule for f in overridden.findings}
    assert all(t["bundled"] for t in overridden.to_dict()["tables"] if t["table"] != "payer_policy")


def test_a_versioned_builtin_payer_keeps_its_version_under_edits(tmp_path: Path) -> None:
    quarter = _quarter(tmp_path)
    v = visit({"code": "97530", "minutes": 30}, payer="cigna", state="TX")
    plain = audit_visit(v)
    mine = audit_visit(v, edits=quarter)
    assert mine.visit.payer is plain.visit.payer
    policy = [t for t in mine.to_dict()["tables"] if t["table"] == "payer_policy"]
    assert policy == [t for t in plain.to_dict()["tables"] if t["table"] == "payer_policy"]


def test_fee_schedule_is_listed_only_when_the_visit_was_priced() -> None:
    priced = audit_visit(visit({"code": "97530", "minutes": 30}, locality="10112-00"))
    unpriced = audit_visit(visit({"code": "97530", "minutes": 30}))
    kinds = [t["table"] for t in priced.to_dict()["tables"]]
    assert "fee_schedule" in kinds
    assert "fee_schedule" not in [t["table"] for t in unpriced.to_dict()["tables"]]
    fee = next(t for t in priced.to_dict()["tables"] if t["table"] == "fee_schedule")
    assert fee["release"] == priced.pricing.release  # type: ignore[union-attr]


def test_an_edited_policy_of_the_same_name_has_another_digest() -> None:
    base = ob.payer_policy("commercial")
    edited = attrs.evolve(base, kx_threshold=True)
    v = visit({"code": "97530", "minutes": 30})
    one = audit_visit({**v, "payer": base}).to_dict()["tables"][-1]
    two = audit_visit({**v, "payer": edited}).to_dict()["tables"][-1]
    assert one["table"] == two["table"] == "payer_policy"
    assert one["name"] == two["name"]
    assert one["digest"] != two["digest"]


def test_options_pickle_and_compare_equal() -> None:
    options = AuditOptions(
        tie_break="code",
        prefer=["97140"],
        assistant_policy=AssistantPolicy(both_eight="assistant"),
        bypass="column2",
        bypass_modifier="xu",
        hour_rule="full",
    )
    assert pickle.loads(pickle.dumps(options)) == options
    assert AuditOptions.from_dict(options.to_dict()) == options
    assert options.bypass_modifier == "XU"


def test_report_with_options_survives_a_pickle_round_trip() -> None:
    report = audit_visit(TIE, options={"prefer": ["97140"]})
    again = pickle.loads(pickle.dumps(report))
    assert again.to_dict() == report.to_dict()


def test_every_option_a_finding_suggests_is_an_audit_option() -> None:
    # The suggestions name the options by their keyword: each one must exist.
    fields = {f.name for f in attrs.fields(AuditOptions)}
    suggested = {"tie_break", "prefer", "assistant_policy", "bypass"}
    assert suggested <= fields
    tie = next(f for f in audit_visit(TIE).findings if f.rule == "units.cms.tie")
    assert "tie_break=" in tie.suggestion
    assert "prefer=" in tie.suggestion
