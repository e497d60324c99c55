"""Optional validators: pyx12 for X12 (extra ``x12``, Python >= 3.11) and
fhir.resources R4B models for FHIR (extra ``fhir``).

Each returns findings; a missing extra raises :class:`MissingExtraError`
naming the ``pip install`` that provides it.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Mapping
from typing import Any

from ..errors import OTBillingError
from ..findings import Finding, Severity
from ..sources import cite

__all__ = ["MissingExtraError", "validate_837", "validate_fhir"]


class MissingExtraError(OTBillingError, ImportError):
    """An optional validator's package is not installed; ``extra`` names the extra."""

    def __init__(self, message: str, *, extra: str) -> None:
        super().__init__(message)
        self.extra = extra


def validate_837(text: str) -> tuple[Finding, ...]:
    """Validate a whole 837 interchange (ISA to IEA) with pyx12; ``()`` when valid.

    Each error pyx12 reports becomes an ``export.x12_invalid`` finding.
    """
    try:
        import pyx12.params  # type: ignore[import-not-found, import-untyped, unused-ignore]
        import pyx12.x12n_document  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        raise MissingExtraError(
            "validate_837 needs pyx12 (Python >= 3.11): pip install 'ot-billing-rules[x12]'",
            extra="x12",
        ) from None
    param = pyx12.params.params()
    report = io.StringIO()
    logger = logging.getLogger("pyx12")
    # pyx12 logs every error as it goes; the findings carry them instead.
    was = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        ok = pyx12.x12n_document.x12n_document(param, io.StringIO(text), None, None, fd_json=report)
    finally:
        logger.setLevel(was)
    try:
        tree = json.loads(report.getvalue())
    except ValueError:
        tree = None
    messages = list(_errors(tree, "")) if tree is not None else []
    if ok and not messages:
        return ()
    return tuple(
        Finding(
            "export.x12_invalid",
            Severity.ERROR,
            (),
            f"pyx12 rejects the 837: {message}",
            "fix the segment and element pyx12 names",
            cite("x12_837p_sv1"),
        )
        for message in (messages or ["the text is not a valid X12 interchange"])
    )


def _errors(node: object, where: str) -> list[str]:
    # pyx12's JSON report nests interchanges > groups > transactions >
    # segments > elements, each with its own "errors" list.
    out: list[str] = []
    if isinstance(node, dict):
        seg = node.get("seg_id")
        here = f"{seg} (line {node.get('cur_line')})" if seg else where
        if node.get("ele_pos") is not None:
            here = f"{where} element {node.get('ele_pos')}"
        for err in node.get("errors") or ():
            if isinstance(err, dict):
                out.append(f"{here + ': ' if here else ''}{err.get('err_str', err)}")
        for key, value in node.items():
            if key != "errors":
                out += _errors(value, here)
    elif isinstance(node, list):
        for value in node:
            out += _errors(value, where)
    return out


def validate_fhir(resource: Mapping[str, Any]) -> tuple[Finding, ...]:
    """Validate a Claim or OperationOutcome dict with the fhir.resources R4B models.

    ``()`` when valid, else one ``export.fhir_invalid`` finding per error.
    """
    try:
        from fhir.resources.R4B import get_fhir_model_class  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        raise MissingExtraError(
            "validate_fhir needs fhir.resources: pip install 'ot-billing-rules[fhir]'",
            extra="fhir",
        ) from None
    kind = str(resource.get("resourceType", ""))
    try:
        model = get_fhir_model_class(kind)
    except Exception as exc:  # the library raises KeyError or ValueError by version
        return (_fhir_finding(f"resourceType {kind!r} is not a FHIR R4B resource ({exc})"),)
    try:
        model.model_validate(dict(resource)) if hasattr(
            model, "model_validate"
        ) else model.parse_obj(dict(resource))
    except Exception as exc:  # pydantic's ValidationError; its type differs by version
        errors = getattr(exc, "errors", None)
        items = errors() if callable(errors) else [{"msg": str(exc)}]
        return tuple(
            _fhir_finding(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', '')}")
            for e in items
        )
    return ()


def _fhir_finding(message: str) -> Finding:
    return Finding(
        "export.fhir_invalid",
        Severity.ERROR,
        (),
        message,
        "fix the element the message names",
        cite("fhir_r4_claim"),
    )
