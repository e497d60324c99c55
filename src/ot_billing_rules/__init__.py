"""Occupational-therapy billing rules, typed and explained.

The public names live here; the modules behind them are implementation
detail and may move.

>>> import ot_billing_rules as ob
>>> ob.lookup("97165", on="2024-07-01").description.startswith("Occupational therapy")
True
"""

# One name table, ``_NAMES``: public name -> the module that defines it.
# Names are loaded on first use (PEP 562), so ``import ot_billing_rules``
# costs a few milliseconds instead of loading every rule family, and
# ``from ot_billing_rules import compute_units`` loads only what it needs.
# ``__all__`` is derived from the table, and so is ``__init__.pyi``, the stub
# type checkers read (``python scripts/gen_init_stub.py``; a test keeps it in
# step). ``activities`` is imported eagerly: it shares its name with its
# module, which importing the module would bind over the function.

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__ as __version__
from .activities import activities as activities

#: Public name -> the module that defines it, grouped by module.
_NAMES: dict[str, tuple[str, ...]] = {
    ".telehealth": (
        "TelehealthWindow",
        "on_telehealth_list",
        "telehealth_window",
    ),
    ".history": (
        "PATIENT_SCHEMA",
        "HistoryRun",
        "PatientSummary",
        "audit_history",
    ),
    "._history_state": (
        "HistoryState",
        "PatientState",
    ),
    ".activities": (
        "Activity",
        "CodeSuggestion",
        "get_activity",
        "suggest_codes",
    ),
    ".audit": (
        "AuditReport",
        "AuditStatus",
        "ServiceOutcome",
        "audit_visit",
    ),
    ".batch": (
        "FINDING_SCHEMA",
        "LINE_SCHEMA",
        "RESULT_SCHEMA",
        "AuditResult",
        "ErrorMode",
        "audit_many",
        "to_records",
    ),
    ".records": (
        "RecordsLevel",
        "audit_records",
    ),
    ".bundling": ("check_bundling",),
    "._display": ("Findings", "Lines"),
    ".options": ("AuditOptions",),
    ".schema": ("SCHEMA_VERSION", "json_schema"),
    ".catalog": (
        "Category",
        "Code",
        "FeeScheduleStatus",
        "TherapyList",
        "codes",
        "get",
        "is_valid_code",
        "lookup",
        "normalize_code",
        "search",
    ),
    ".errors": (
        "CodeNotEffectiveError",
        "DataFileError",
        "DuplicateCodeError",
        "FeeNotFoundError",
        "HistoryInputError",
        "HistoryOrderError",
        "InvalidCodeError",
        "InvalidDateError",
        "InvalidInputError",
        "InvalidMinutesError",
        "InvalidModifierError",
        "InvalidOptionError",
        "InvalidTypeError",
        "OTBillingError",
        "StoreChangedError",
        "StoreClosedError",
        "StoreDamagedError",
        "StoreError",
        "StoreFullError",
        "StoreLockedError",
        "StoreReadOnlyError",
        "UnknownActivityError",
        "UnknownCodeError",
        "ValidationErrors",
        "WorkerError",
    ),
    ".evaluation": (
        "BoundaryPolicy",
        "Comorbidities",
        "Complexity",
        "ComponentLevel",
        "EvaluationSelection",
        "OccupationalProfile",
        "Presentation",
        "TaskModification",
        "select_at_evaluation",
        "select_ot_evaluation",
        "select_pt_evaluation",
    ),
    ".evaluation.reevaluation": (
        "ReevaluationDecision",
        "ReevaluationReason",
        "reevaluation_billable",
    ),
    ".findings": (
        "Finding",
        "Severity",
    ),
    ".lines": (
        "ClaimLine",
        "ServiceLine",
        "parse_line_token",
    ),
    ".modifiers": ("BypassPlacement",),
    ".ncci": (
        "MUE",
        "EditData",
        "EditSet",
        "EditSource",
        "ImportSummary",
        "MUEAdjudication",
        "ModifierIndicator",
        "PTPEdit",
        "import_cms_files",
    ),
    ".payment": (
        "ClaimType",
        "Fee",
        "FeeSchedule",
        "Locality",
        "PricedLine",
        "Pricing",
        "Release",
        "fee",
        "localities",
        "price_lines",
        "sequestration_rate",
    ),
    ".payers": (
        "COMMERCIAL",
        "MEDICARE",
        "PayerPolicy",
        "payer_policies",
        "payer_policy",
        "payer_policy_names",
    ),
    ".payer_terms": (
        "AgeRule",
        "AssistantFactor",
        "DailyCap",
        "PayerKind",
        "PayerTerms",
        "PriorAuth",
        "RequiredModifier",
        "VisitLimit",
    ),
    ".plan_of_care": (
        "PlanOfCare",
        "certification_deadline",
        "certification_interval_end",
        "check_plan_of_care",
        "count_treatment_days",
        "progress_report_due_by",
    ),
    ".readers": (
        "ROW_COLUMNS",
        "NotGroupedError",
        "visits_from_rows",
    ),
    ".sources": (
        "CITATIONS",
        "RULES",
        "Citation",
        "DataFile",
        "DataVersion",
        "Evidence",
        "Rule",
        "cite",
        "data_version",
        "rule",
    ),
    ".terms": (
        "Discipline",
        "EvaluationDiscipline",
        "HourRule",
        "Setting",
        "UnitBasis",
        "UnitMethod",
    ),
    ".thresholds": (
        "KXAssessment",
        "KXThreshold",
        "assess_kx",
        "check_kx",
        "kx_threshold",
        "kx_years",
        "targeted_review_threshold",
    ),
    ".units": (
        "ServiceUnits",
        "TieBreak",
        "UnitAllocation",
        "UnitCounts",
        "cms_chart_row",
        "cms_units",
        "compute_units",
    ),
    ".units.assistant": (
        "AssistantPeriod",
        "AssistantPolicy",
        "BothEight",
        "DeMinimisBase",
        "TwoLeftoverUnits",
    ),
    ".visit": (
        "Service",
        "Visit",
    ),
    ".export._lines": ("ExportLine", "ExportRefusedError", "export_lines"),
    ".export._precheck": ("precheck",),
    ".export._x12": ("X12Separators", "to_837i_sv2", "to_837p_sv1"),
    ".export._forms": ("to_cms1500_rows", "to_ub04_rows"),
    ".export._fhir": ("to_fhir_claim", "to_fhir_claim_items", "to_operation_outcome"),
}

_LAZY = {name: module for module, names in _NAMES.items() for name in names}

__all__ = sorted([*_LAZY, "__version__", "activities"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this hook
    return value


def __dir__() -> list[str]:
    # The public names only, loaded or not (as pypa/packaging does).
    return list(__all__)
