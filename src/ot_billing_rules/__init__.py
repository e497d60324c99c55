"""Occupational-therapy billing rules, typed and explained.

The public names live here; the modules behind them are implementation
detail and may move.

>>> import ot_billing_rules as ob
>>> ob.lookup("97165", on="2024-07-01").description.startswith("Occupational therapy")
True
"""

# The names below are loaded on first use (PEP 562), so ``import
# ot_billing_rules`` costs a few milliseconds instead of loading every rule
# family; ``from ot_billing_rules import compute_units`` loads only what
# compute_units needs. ``codes`` and ``activities`` are loaded eagerly: they
# share their name with their module, which importing the module would bind.

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .activities import activities
from .codes import codes

if TYPE_CHECKING:  # what type checkers and the API docs read
    from ._store import DataFile, DataVersion, data_version
    from .activities import Activity, CodeSuggestion, get_activity, suggest_codes
    from .audit import AuditReport, AuditStatus, ServiceOutcome, audit_visit
    from .batch import (
        FINDING_SCHEMA,
        LINE_SCHEMA,
        RESULT_SCHEMA,
        AuditResult,
        ErrorMode,
        audit_many,
        to_records,
    )
    from .bundling import BypassPlacement, check_bundling, parse_line_token
    from .codes import (
        Category,
        Code,
        Evidence,
        FeeScheduleStatus,
        TherapyList,
        get,
        is_valid_code,
        lookup,
        normalize_code,
        search,
    )
    from .errors import (
        CodeNotEffectiveError,
        DataFileError,
        DuplicateCodeError,
        InvalidCodeError,
        InvalidDateError,
        InvalidInputError,
        InvalidMinutesError,
        InvalidModifierError,
        InvalidOptionError,
        InvalidTypeError,
        OTBillingError,
        UnknownActivityError,
        UnknownCodeError,
        WorkerError,
    )
    from .evaluation import (
        BoundaryPolicy,
        Comorbidities,
        Complexity,
        ComponentLevel,
        EvaluationDiscipline,
        EvaluationSelection,
        OccupationalProfile,
        Presentation,
        ReevaluationDecision,
        ReevaluationReason,
        TaskModification,
        reevaluation_billable,
        select_at_evaluation,
        select_ot_evaluation,
        select_pt_evaluation,
    )
    from .findings import Finding, Severity
    from .lines import ClaimLine, ServiceLine
    from .ncci import (
        MUE,
        EditData,
        EditSet,
        EditSource,
        ModifierIndicator,
        MUEAdjudication,
        PTPEdit,
        Setting,
        import_cms_files,
    )
    from .payers import COMMERCIAL, MEDICARE, Discipline, PayerPolicy, payer_policy
    from .payment import (
        ClaimType,
        Fee,
        FeeNotFoundError,
        FeeSchedule,
        Locality,
        PricedLine,
        Pricing,
        Release,
        fee,
        localities,
        price_lines,
        sequestration_rate,
    )
    from .plan_of_care import (
        PlanOfCare,
        certification_deadline,
        certification_interval_end,
        check_plan_of_care,
        count_treatment_days,
        progress_report_due_by,
    )
    from .rows import ROW_COLUMNS, NotGroupedError, visits_from_rows
    from .thresholds import KXAssessment, KXThreshold, assess_kx, check_kx, kx_threshold, kx_years
    from .units import (
        AssistantPeriod,
        AssistantPolicy,
        BothEight,
        DeMinimisBase,
        HourRule,
        ServiceUnits,
        TieBreak,
        TwoLeftoverUnits,
        UnitAllocation,
        UnitBasis,
        UnitCounts,
        UnitMethod,
        cms_chart_row,
        cms_units,
        compute_units,
    )
    from .visit import Service, Visit

#: Public name -> the module that defines it (loaded on first access).
_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    "._store": ("DataFile", "DataVersion", "data_version"),
    ".activities": ("Activity", "CodeSuggestion", "get_activity", "suggest_codes"),
    ".audit": ("AuditReport", "AuditStatus", "ServiceOutcome", "audit_visit"),
    ".batch": (
        "FINDING_SCHEMA",
        "LINE_SCHEMA",
        "RESULT_SCHEMA",
        "AuditResult",
        "ErrorMode",
        "audit_many",
        "to_records",
    ),
    ".bundling": ("BypassPlacement", "check_bundling", "parse_line_token"),
    ".codes": (
        "Category",
        "Code",
        "Evidence",
        "FeeScheduleStatus",
        "TherapyList",
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
        "InvalidCodeError",
        "InvalidDateError",
        "InvalidInputError",
        "InvalidMinutesError",
        "InvalidModifierError",
        "InvalidOptionError",
        "InvalidTypeError",
        "OTBillingError",
        "UnknownActivityError",
        "UnknownCodeError",
        "WorkerError",
    ),
    ".evaluation": (
        "BoundaryPolicy",
        "Comorbidities",
        "Complexity",
        "ComponentLevel",
        "EvaluationDiscipline",
        "EvaluationSelection",
        "OccupationalProfile",
        "Presentation",
        "ReevaluationDecision",
        "ReevaluationReason",
        "TaskModification",
        "reevaluation_billable",
        "select_at_evaluation",
        "select_ot_evaluation",
        "select_pt_evaluation",
    ),
    ".findings": ("Finding", "Severity"),
    ".lines": ("ClaimLine", "ServiceLine"),
    ".ncci": (
        "MUE",
        "EditData",
        "EditSet",
        "EditSource",
        "ModifierIndicator",
        "MUEAdjudication",
        "PTPEdit",
        "Setting",
        "import_cms_files",
    ),
    ".payers": ("COMMERCIAL", "MEDICARE", "Discipline", "PayerPolicy", "payer_policy"),
    ".plan_of_care": (
        "PlanOfCare",
        "certification_deadline",
        "certification_interval_end",
        "check_plan_of_care",
        "count_treatment_days",
        "progress_report_due_by",
    ),
    ".rows": ("ROW_COLUMNS", "NotGroupedError", "visits_from_rows"),
    ".thresholds": (
        "KXAssessment",
        "KXThreshold",
        "assess_kx",
        "check_kx",
        "kx_threshold",
        "kx_years",
    ),
    ".units": (
        "AssistantPeriod",
        "AssistantPolicy",
        "BothEight",
        "DeMinimisBase",
        "HourRule",
        "ServiceUnits",
        "TieBreak",
        "TwoLeftoverUnits",
        "UnitAllocation",
        "UnitBasis",
        "UnitCounts",
        "UnitMethod",
        "cms_chart_row",
        "cms_units",
        "compute_units",
    ),
    ".visit": ("Service", "Visit"),
    ".payment": (
        "ClaimType",
        "FeeNotFoundError",
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
}
_LAZY = {name: module for module, names in _LAZY_MODULES.items() for name in names}


if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt name stays an error

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value  # later look-ups skip this hook
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "COMMERCIAL",
    "FINDING_SCHEMA",
    "LINE_SCHEMA",
    "MEDICARE",
    "MUE",
    "RESULT_SCHEMA",
    "ROW_COLUMNS",
    "Activity",
    "AssistantPeriod",
    "AssistantPolicy",
    "AuditReport",
    "AuditResult",
    "AuditStatus",
    "BothEight",
    "BoundaryPolicy",
    "BypassPlacement",
    "Category",
    "ClaimLine",
    "ClaimType",
    "Code",
    "CodeNotEffectiveError",
    "CodeSuggestion",
    "Comorbidities",
    "Complexity",
    "ComponentLevel",
    "DataFile",
    "DataFileError",
    "DataVersion",
    "DeMinimisBase",
    "Discipline",
    "DuplicateCodeError",
    "EditData",
    "EditSet",
    "EditSource",
    "ErrorMode",
    "EvaluationDiscipline",
    "EvaluationSelection",
    "Evidence",
    "Fee",
    "FeeNotFoundError",
    "FeeSchedule",
    "FeeScheduleStatus",
    "Finding",
    "HourRule",
    "InvalidCodeError",
    "InvalidDateError",
    "InvalidInputError",
    "InvalidMinutesError",
    "InvalidModifierError",
    "InvalidOptionError",
    "InvalidTypeError",
    "KXAssessment",
    "KXThreshold",
    "Locality",
    "MUEAdjudication",
    "ModifierIndicator",
    "NotGroupedError",
    "OTBillingError",
    "OccupationalProfile",
    "PTPEdit",
    "PayerPolicy",
    "PlanOfCare",
    "Presentation",
    "PricedLine",
    "Pricing",
    "ReevaluationDecision",
    "ReevaluationReason",
    "Release",
    "Service",
    "ServiceLine",
    "ServiceOutcome",
    "ServiceUnits",
    "Setting",
    "Severity",
    "TaskModification",
    "TherapyList",
    "TieBreak",
    "TwoLeftoverUnits",
    "UnitAllocation",
    "UnitBasis",
    "UnitCounts",
    "UnitMethod",
    "UnknownActivityError",
    "UnknownCodeError",
    "Visit",
    "WorkerError",
    "__version__",
    "activities",
    "assess_kx",
    "audit_many",
    "audit_visit",
    "certification_deadline",
    "certification_interval_end",
    "check_bundling",
    "check_kx",
    "check_plan_of_care",
    "cms_chart_row",
    "cms_units",
    "codes",
    "compute_units",
    "count_treatment_days",
    "data_version",
    "fee",
    "get",
    "get_activity",
    "import_cms_files",
    "is_valid_code",
    "kx_threshold",
    "kx_years",
    "localities",
    "lookup",
    "normalize_code",
    "parse_line_token",
    "payer_policy",
    "price_lines",
    "progress_report_due_by",
    "reevaluation_billable",
    "search",
    "select_at_evaluation",
    "select_ot_evaluation",
    "select_pt_evaluation",
    "sequestration_rate",
    "suggest_codes",
    "to_records",
    "visits_from_rows",
]
