"""The shapes a service exchanges: :data:`SCHEMA_VERSION`, JSON Schemas, TypedDicts.

Every :meth:`AuditReport.to_dict <ot_billing_rules.AuditReport.to_dict>` and
every flat record of :func:`~ot_billing_rules.to_records` carries
``schema_version``. Its minor number grows when keys are added (readers of
the older shape keep working); its major number when a key changes meaning
or goes away.

:func:`json_schema` gives a JSON Schema (draft 2020-12) for the visit a
service receives, the report it returns and each record level; the
TypedDicts below type the same dicts for static checkers and for frameworks
that build OpenAPI models from them (``total=False``: a reader should not
assume a key that a later minor version might add or an older one lacked).

>>> from ot_billing_rules import json_schema
>>> json_schema("visit")["required"]
['date_of_service', 'services']
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Literal

# pydantic (FastAPI) reads TypedDicts of typing_extensions only before 3.12;
# use it when it is installed, never require it (runtime deps stay attrs + dateutil).
if TYPE_CHECKING or sys.version_info >= (3, 12):
    from typing import TypedDict
else:  # pragma: no cover - depends on what is installed
    try:
        from typing_extensions import TypedDict
    except ImportError:
        from typing import TypedDict

__all__ = [
    "SCHEMA_VERSION",
    "FindingDict",
    "FindingRecord",
    "LineDict",
    "LineRecord",
    "OptionUsed",
    "ReportDict",
    "SchemaKind",
    "ServiceDict",
    "ServiceOutcomeDict",
    "TableDict",
    "UnitsDict",
    "VisitDict",
    "VisitRecord",
    "json_schema",
]

from ._schema_version import SCHEMA_VERSION

#: The kinds :func:`json_schema` describes.
SchemaKind = Literal["visit", "report", "visit_record", "line_record", "finding_record"]
_KINDS = ("visit", "report", "visit_record", "line_record", "finding_record")


class ServiceDict(TypedDict, total=False):
    """One service of a visit, as :meth:`Service.to_dict` writes and ``from_dict`` reads."""

    code: str
    minutes: int | None
    assistant_minutes: int | None
    modifiers: list[str]
    separate_interval: bool
    charge: str
    diagnosis_pointers: list[int]


class VisitDict(TypedDict, total=False):
    """A visit, as :meth:`Visit.to_dict` writes and :meth:`Visit.from_dict` reads."""

    visit_id: str | None
    date_of_service: str
    discipline: str
    payer: str | dict[str, Any]
    setting: str
    locality: str | None
    facility: bool | None
    place_of_service: str | None
    services: list[ServiceDict]
    ytd_allowed: str | None
    visit_allowed: str | None
    plan_of_care: dict[str, Any] | None
    patient_id: str
    billing_provider: str
    progress_report: bool
    diagnoses: list[str]
    state: str
    visits_this_period: int
    patient_birth_date: str
    plan_year_start: str


class LineDict(TypedDict, total=False):
    """One claim line of a report."""

    code: str
    units: int
    modifiers: list[str]
    minutes: int | None


class FindingDict(TypedDict, total=False):
    """One finding of a report."""

    rule: str
    severity: Literal["error", "warning", "info"]
    codes: list[str]
    message: str
    suggestion: str
    source: str
    amount_at_risk: str | None


class ServiceOutcomeDict(TypedDict, total=False):
    """What became of one input service."""

    code: str
    minutes: int | None
    billed: bool
    units: int
    reason: str


class UnitsDict(TypedDict, total=False):
    """The report's unit summary."""

    method: str
    total_timed_minutes: int
    total_timed_units: int
    explanation: str


#: One option's value in a report and where it came from (``"from"``:
#: ``"option"``, ``"payer"`` or ``"default"``; a keyword, hence this form).
OptionUsed = TypedDict("OptionUsed", {"value": Any, "from": str}, total=False)


class TableDict(TypedDict, total=False):
    """One table an audit used: kind, name, release and digest."""

    table: str
    name: str
    release: str
    digest: str
    setting: str | None
    bundled: bool


class ReportDict(TypedDict, total=False):
    """:meth:`AuditReport.to_dict <ot_billing_rules.AuditReport.to_dict>`."""

    visit_id: str | None
    date_of_service: str
    payer: str
    discipline: str
    setting: str
    status: Literal["clean", "warnings", "errors"]
    lines: list[LineDict]
    services: list[ServiceOutcomeDict]
    findings: list[FindingDict]
    units: UnitsDict
    kx: dict[str, Any] | None
    pricing: dict[str, Any] | None
    amount_at_risk: str | None
    visit: VisitDict
    data_version: str
    contract_pricing: dict[str, Any]
    schema_version: str
    #: ``{name: {"value": ..., "from": "option" | "payer" | "default"}}``.
    options: dict[str, OptionUsed]
    tables: list[TableDict]


class VisitRecord(TypedDict, total=False):
    """One record of :func:`~ot_billing_rules.to_records` at ``level="visit"``."""

    index: int
    visit_id: str | None
    ok: bool
    error_kind: str | None
    error_type: str | None
    error_message: str | None
    date_of_service: str | None
    payer: str | None
    discipline: str | None
    setting: str | None
    status: str | None
    claim_lines: str
    total_units: int | None
    total_timed_minutes: int | None
    total_timed_units: int | None
    services_not_billed: int | None
    errors: int | None
    warnings: int | None
    infos: int | None
    rules: str | None
    allowed: str | None
    amount_at_risk: str | None
    data_version: str
    schema_version: str
    tables: str | None


class LineRecord(TypedDict, total=False):
    """One record of :func:`~ot_billing_rules.to_records` at ``level="line"``."""

    index: int
    visit_id: str | None
    date_of_service: str
    code: str
    units: int
    modifiers: str
    minutes: int | None
    data_version: str
    schema_version: str
    tables: str


class FindingRecord(TypedDict, total=False):
    """One record of :func:`~ot_billing_rules.to_records` at ``level="finding"``."""

    index: int
    visit_id: str | None
    date_of_service: str
    rule: str
    severity: str
    codes: str
    message: str
    suggestion: str
    source: str
    amount_at_risk: str | None
    data_version: str
    schema_version: str
    tables: str


# -- JSON Schema ---------------------------------------------------------------------

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_STR = {"type": "string"}
_INT = {"type": "integer"}
_BOOL = {"type": "boolean"}
_DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_MONEY_OUT = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$"}
#: Money in: a decimal string, or a JSON number of whole cents (2290.5).
_MONEY_IN = {
    "anyOf": [
        {"type": "string"},
        {"type": "integer", "minimum": 0},
        {"type": "number", "minimum": 0, "description": "whole cents: at most two decimals"},
    ]
}
_OBJ = {"type": "object"}


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(props: dict[str, Any], required: list[str], *, closed: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "required": required}
    if closed:
        out["additionalProperties"] = False
    return out


def _service_in() -> dict[str, Any]:
    return _object(
        {
            "code": _STR,
            "minutes": _null({"type": "integer", "minimum": 0, "maximum": 1440}),
            "assistant_minutes": _null({"type": "integer", "minimum": 0, "maximum": 1440}),
            "modifiers": _null({"type": "array", "items": _STR}),
            "separate_interval": _null(_BOOL),
            "charge": _null(_MONEY_IN),
            "diagnosis_pointers": _null(
                {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": 12}}
            ),
        },
        ["code"],
    )


def _visit(*, money: dict[str, Any]) -> dict[str, Any]:
    return _object(
        {
            "visit_id": _null({"type": ["string", "integer"]}),
            "date_of_service": _DATE,
            "discipline": _null(_STR),
            "payer": _null({"type": ["string", "object"]}),
            "setting": _null(_STR),
            "locality": _null(_STR),
            "facility": _null(_BOOL),
            "place_of_service": _null(_STR),
            "services": {"type": "array", "items": _service_in(), "minItems": 1},
            "ytd_allowed": _null(money),
            "visit_allowed": _null(money),
            "plan_of_care": _null(_OBJ),
            "patient_id": _null({"type": ["string", "integer"]}),
            "billing_provider": _null(_STR),
            "progress_report": _null(_BOOL),
            "diagnoses": _null({"type": "array", "items": _STR, "maxItems": 12}),
            "state": _null(_STR),
            "visits_this_period": _null({"type": "integer", "minimum": 0}),
            "patient_birth_date": _null(_DATE),
            "plan_year_start": _null(_DATE),
        },
        ["date_of_service", "services"],
    )


def _finding() -> dict[str, Any]:
    return _object(
        {
            "rule": _STR,
            "severity": {"enum": ["error", "warning", "info"]},
            "codes": {"type": "array", "items": _STR},
            "message": _STR,
            "suggestion": _STR,
            "source": _STR,
            "amount_at_risk": _null(_MONEY_OUT),
        },
        ["rule", "severity", "codes", "message", "suggestion", "source", "amount_at_risk"],
    )


def _report() -> dict[str, Any]:
    line = _object(
        {
            "code": _STR,
            "units": _INT,
            "modifiers": {"type": "array", "items": _STR, "maxItems": 4},
            "minutes": _null(_INT),
        },
        ["code", "units", "modifiers"],
    )
    outcome = _object(
        {"code": _STR, "minutes": _null(_INT), "billed": _BOOL, "units": _INT, "reason": _STR},
        ["code", "minutes", "billed", "units", "reason"],
    )
    units = _object(
        {
            "method": {"enum": ["cms", "ama"]},
            "total_timed_minutes": _INT,
            "total_timed_units": _INT,
            "explanation": _STR,
        },
        ["method", "total_timed_minutes", "total_timed_units", "explanation"],
    )
    option = _object(
        {"value": {}, "from": {"enum": ["option", "payer", "default"]}}, ["value", "from"]
    )
    table = _object(
        {
            "table": {"enum": ["ncci_ptp", "ncci_mue", "fee_schedule", "payer_policy"]},
            "name": _STR,
            "release": _STR,
            "digest": _STR,
            "setting": _null(_STR),
            "bundled": _BOOL,
        },
        ["table", "name", "release", "digest", "setting", "bundled"],
    )
    return _object(
        {
            "visit_id": _null(_STR),
            "date_of_service": _DATE,
            "payer": _STR,
            "discipline": _STR,
            "setting": _STR,
            "status": {"enum": ["clean", "warnings", "errors"]},
            "lines": {"type": "array", "items": line},
            "services": {"type": "array", "items": outcome},
            "findings": {"type": "array", "items": _finding()},
            "units": units,
            "kx": _null(_OBJ),
            "pricing": _null(_OBJ),
            "amount_at_risk": _null(_MONEY_OUT),
            "visit": _visit(money=_MONEY_OUT),
            "data_version": _STR,
            "contract_pricing": _OBJ,
            "schema_version": {"const": SCHEMA_VERSION},
            "options": {
                "type": "object",
                "additionalProperties": option,
                "required": [
                    "tie_break",
                    "prefer",
                    "assistant_policy",
                    "bypass",
                    "bypass_modifier",
                    "hour_rule",
                ],
            },
            "tables": {"type": "array", "items": table, "minItems": 1},
        },
        [
            "visit_id",
            "date_of_service",
            "payer",
            "discipline",
            "setting",
            "status",
            "lines",
            "services",
            "findings",
            "units",
            "kx",
            "pricing",
            "amount_at_risk",
            "visit",
            "data_version",
            "schema_version",
            "options",
            "tables",
        ],
    )


def _record(kind: str) -> dict[str, Any]:
    from .batch import FINDING_SCHEMA, LINE_SCHEMA, RESULT_SCHEMA  # the columns' one home

    columns = {
        "visit_record": RESULT_SCHEMA,
        "line_record": LINE_SCHEMA,
        "finding_record": FINDING_SCHEMA,
    }[kind]
    names = {str: "string", int: "integer", bool: "boolean"}
    props: dict[str, Any] = {}
    for name, typ in columns.items():
        # index and ok are always set; any other column is null where a value is absent.
        props[name] = {"type": names[typ] if name in ("index", "ok") else [names[typ], "null"]}
    props["schema_version"] = {"const": SCHEMA_VERSION}
    return _object(props, list(columns))


def json_schema(kind: SchemaKind) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for ``kind``.

    ``"visit"``: the mapping :meth:`Visit.from_dict
    <ot_billing_rules.Visit.from_dict>` reads (its strict shape: unknown keys
    refused); ``"report"``: :meth:`AuditReport.to_dict
    <ot_billing_rules.AuditReport.to_dict>`; ``"visit_record"``,
    ``"line_record"``, ``"finding_record"``: the records of
    :func:`~ot_billing_rules.to_records` at each level. A new dict each call.

    The schema states the shape; the values' meaning (a code in force, minutes
    within the day) is checked by the library, with a typed error naming the
    path.
    """
    if kind not in _KINDS:
        from .errors import InvalidOptionError

        raise InvalidOptionError(
            f"json_schema kind={kind!r} is not one of {', '.join(_KINDS)}",
            value=kind,
            field="kind",
            valid=_KINDS,
        )
    if kind == "visit":
        body = _visit(money=_MONEY_IN)
        title = "ot_billing_rules visit"
    elif kind == "report":
        body = _report()
        title = "ot_billing_rules audit report"
    else:
        body = _record(kind)
        title = f"ot_billing_rules {kind.replace('_', ' ')}"
    return {"$schema": _DRAFT, "title": title, "x-schema-version": SCHEMA_VERSION, **body}
