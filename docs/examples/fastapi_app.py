"""A small audit service: FastAPI in front of ot_billing_rules.

Run it with ``uvicorn docs.examples.fastapi_app:app`` (uvicorn is not a
dependency of the library; neither is FastAPI). Set ``OT_BILLING_EDITS`` to a
store written by ``ot-billing ncci import`` to audit with the customer's CMS
quarter instead of the bundled release.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse

from ot_billing_rules import (
    AuditOptions,
    EditSet,
    ValidationErrors,
    Visit,
    audit_visit,
    json_schema,
)
from ot_billing_rules.errors import OTBillingError
from ot_billing_rules.schema import ReportDict

#: The request body's schema in the OpenAPI document: the library's own.
VISIT_BODY = {
    "required": True,
    "content": {"application/json": {"schema": json_schema("visit")}},
}


def create_app(edits: EditSet | None = None) -> FastAPI:
    """The service; ``edits`` is the NCCI data every audit uses (``None``: bundled)."""
    app = FastAPI(title="OT billing audit", version="1")

    @app.exception_handler(ValidationErrors)
    async def invalid_visit(request: Request, exc: ValidationErrors) -> JSONResponse:
        # Every problem at once, each with its path: services[1].minutes.
        return JSONResponse(status_code=422, content={"detail": exc.to_list()})

    @app.exception_handler(OTBillingError)
    async def bad_value(request: Request, exc: OTBillingError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": [{"message": str(exc)}]})

    @app.post("/audit", response_model=ReportDict, openapi_extra={"requestBody": VISIT_BODY})
    def audit(
        visit: dict[str, Any] = Body(...),  # noqa: B008  (FastAPI's way to take a JSON body)
        tie_break: Literal["minutes", "therapist_first", "code"] | None = None,
        bypass: Literal["either", "column2"] | None = None,
    ) -> dict[str, Any]:
        checked = Visit.from_dict(visit, collect=True)
        options = AuditOptions(tie_break=tie_break, bypass=bypass)
        return audit_visit(checked, edits=edits, options=options).to_dict()

    return app


_STORE = os.environ.get("OT_BILLING_EDITS")
app = create_app(EditSet.open(_STORE) if _STORE else None)
