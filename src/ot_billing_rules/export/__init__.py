"""Export audited claim lines to claim formats: X12 837P/837I service-line
segments, CMS-1500 and UB-04 rows, and FHIR R4 resources.

No new runtime dependency: segments are strings, rows and resources plain
dicts. :func:`precheck` says what would keep a line off a claim; every
exporter runs it and refuses error lines unless ``force=True``
(:class:`ExportRefusedError` lists the findings). The validators use the
optional extras ``x12`` (pyx12) and ``fhir`` (fhir.resources).
"""

from __future__ import annotations

from ._fhir import (
    CPT_SYSTEM,
    HCPCS_SYSTEM,
    RULE_SYSTEM,
    expected_adjustments,
    to_fhir_claim,
    to_fhir_claim_items,
    to_operation_outcome,
)
from ._forms import CMS1500_COLUMNS, UB04_COLUMNS, to_cms1500_rows, to_ub04_rows, write_csv
from ._lines import REVENUE_CODES, ExportLine, ExportRefusedError, export_lines
from ._precheck import LINE_LIMITS, TARGETS, precheck
from ._validate import MissingExtraError, validate_837, validate_fhir
from ._x12 import X12Separators, to_837i_sv2, to_837p_sv1

__all__ = [
    "CMS1500_COLUMNS",
    "CPT_SYSTEM",
    "HCPCS_SYSTEM",
    "LINE_LIMITS",
    "REVENUE_CODES",
    "RULE_SYSTEM",
    "TARGETS",
    "UB04_COLUMNS",
    "ExportLine",
    "ExportRefusedError",
    "MissingExtraError",
    "X12Separators",
    "expected_adjustments",
    "export_lines",
    "precheck",
    "to_837i_sv2",
    "to_837p_sv1",
    "to_cms1500_rows",
    "to_fhir_claim",
    "to_fhir_claim_items",
    "to_operation_outcome",
    "to_ub04_rows",
    "validate_837",
    "validate_fhir",
    "write_csv",
]
