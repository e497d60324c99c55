"""Build the evaluation-tier package data from the project's research data.

Reads ``data/sources/project/evaluation_levels.json`` (OT 97165–97168, PT 97161–97164,
athletic training 97169–97172; our own paraphrases of the descriptors) and
writes ``_data/evaluation_levels.json`` in the shape the library reads:

- per discipline, the three tiers in order (low, moderate, high), each with
  its code, typical face-to-face minutes, source, and one *requirement* per
  tiering component — a count range ``{"kind": "count", "min", "max"}``, a
  named finding ``{"kind": "choice", "value", "text"}`` or ``{"kind": "any"}``
  where the tier sets no requirement for that component;
- the re-evaluation code with its typical minutes and any unverified note;
- the selection rule and its sources, and the research notes that matter
  (the inferred deficit-overlap policy is kept, marked inferred).

The script refuses data it cannot map (an unknown finding, tiers out of order,
a choice that gets easier at a higher tier), so a research update that
changes the shape fails here and not at run time.

Run through ``python scripts/build_data.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _manifest import record

LEVELS = ("low", "moderate", "high")

# The library's names for each choice component's findings, in rising order,
# keyed by how the research words them. "may be present" is the moderate OT
# tier's comorbidity wording: that tier accepts either finding.
CHOICES: dict[str, dict[str, str | None]] = {
    "profile": {"brief": "brief", "expanded": "expanded", "extensive": "extensive"},
    "decision_making": {"low": "low", "moderate": "moderate", "high": "high"},
    "comorbidities": {"none": "none", "may be present": None, "present": "present"},
    "task_modification": {
        "not necessary": "not_necessary",
        "minimal to moderate": "minimal_to_moderate",
        "significant": "significant",
    },
    "presentation": {
        "stable and/or uncomplicated": "stable",
        "evolving with changing characteristics": "evolving",
        "unstable and unpredictable": "unstable",
    },
}
ORDER = {name: [v for v in words.values() if v is not None] for name, words in CHOICES.items()}

# (discipline, research section, {component: research field}, re-evaluation code)
DISCIPLINES = (
    (
        "OT",
        "ot_eval_levels",
        {
            "profile": "occupational_profile_history",
            "performance_deficits": "performance_deficits",
            "decision_making": "clinical_decision_making",
            "comorbidities": "comorbidities_affecting_occupational_performance",
            "task_modification": "task_modification_or_assistance",
        },
        "97168",
    ),
    (
        "PT",
        "pt_eval_levels",
        {
            "personal_factors": "history_personal_factors_comorbidities",
            "body_system_elements": "exam_elements",
            "presentation": "clinical_presentation",
            "decision_making": "clinical_decision_making",
        },
        "97164",
    ),
    (
        "AT",
        "at_eval_levels",
        {
            "comorbidities": "comorbidities_affecting_physical_activity",
            "exam_elements": "exam_elements",
            "presentation": "clinical_presentation",
            "decision_making": "clinical_decision_making",
        },
        "97172",
    ),
)


def requirement(component: str, raw: Any) -> dict[str, Any]:
    if raw is None:
        return {"kind": "any", "text": "not a component of this tier"}
    if isinstance(raw, dict):
        low, high = raw["min"], raw["max"]
        if not isinstance(low, int) or not (
            high is None or (isinstance(high, int) and high >= low)
        ):
            raise SystemExit(f"{component}: bad count range {raw!r}")
        return {"kind": "count", "min": low, "max": high}
    words = CHOICES.get(component)
    if words is None or raw not in words:
        raise SystemExit(f"{component}: finding {raw!r} is not one the library knows")
    value = words[raw]
    if value is None:
        return {"kind": "any", "text": raw}
    return {"kind": "choice", "value": value, "text": raw}


def check_monotonic(discipline: str, component: str, reqs: list[dict[str, Any]]) -> None:
    """A higher tier must never ask for less than a lower one."""
    floor = -1
    for req in reqs:
        if req["kind"] == "count":
            rank = req["min"]
        elif req["kind"] == "choice":
            rank = ORDER[component].index(req["value"])
        else:
            continue
        if rank < floor:
            raise SystemExit(f"{discipline} {component}: tiers ask for less at a higher level")
        floor = rank


def build_discipline(section: dict[str, Any], fields: dict[str, str], reeval: str) -> Any:
    tiers = {entry["level"]: (code, entry) for code, entry in section.items() if code.isdigit()}
    if set(LEVELS) - set(tiers):
        raise SystemExit(f"missing tiers in {sorted(tiers)}")
    levels = []
    for level in LEVELS:
        code, entry = tiers[level]
        levels.append(
            {
                "level": level,
                "code": code,
                "typical_minutes": entry["typical_face_to_face_minutes"],
                "source": entry["source"],
                "requirements": {c: requirement(c, entry.get(f)) for c, f in fields.items()},
                "note": entry.get("note", ""),
            }
        )
    for component in fields:
        check_monotonic(reeval, component, [lv["requirements"][component] for lv in levels])
    re_entry = section[reeval]
    rule = section.get("selection_rule", {})
    return {
        "levels": levels,
        "reevaluation": {
            "code": reeval,
            "typical_minutes": re_entry.get("typical_face_to_face_minutes"),
            "source": re_entry["source"],
            "note": re_entry.get("note", ""),
            "unverified": "unverified" in re_entry.get("note", "").lower(),
        },
        "selection_rule": rule.get("rule", ""),
        "selection_sources": rule.get("sources", []),
        "note": section.get("note", ""),
    }


def build(sources: Path, dest: Path) -> None:
    """Write ``dest/evaluation_levels.json``."""
    raw = json.loads((sources / "project" / "evaluation_levels.json").read_text("utf-8"))
    out: dict[str, Any] = {"choice_order": ORDER, "disciplines": {}}
    for name, key, fields, reeval in DISCIPLINES:
        out["disciplines"][name] = build_discipline(raw[key], fields, reeval)
    overlap = raw["ot_eval_levels"]["deficit_count_overlap"]
    out["disciplines"]["OT"]["deficit_overlap"] = {
        "issue": overlap["issue"],
        "found_guidance": overlap["found_guidance"],
        "status": overlap["inferred_policy"]["status"],
        "rationale": overlap["inferred_policy"]["rationale"],
    }
    target = dest / "evaluation_levels.json"
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", "utf-8")
    record(
        dest,
        "evaluation_levels.json",
        source="CPT descriptor components paraphrased by the project from coding-reference "
        "sites (codingahead/case2code, mirahealth, btetechnologies, carepatron; each tier names "
        "its page); selection rule: MMP (2017-04-04), Ensora Health, Clinicient (OT), APTA "
        "Pelvic Health, Theraplatform (PT)",
        release="2026-11-27",
    )
