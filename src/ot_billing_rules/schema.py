"""Versioned output shapes: :data:`SCHEMA_VERSION`, JSON Schemas and TypedDicts.

Placeholder: filled in below.
"""

from __future__ import annotations

#: Version of the shape of :meth:`AuditReport.to_dict` and of the flat records.
SCHEMA_VERSION = "1.0"


def json_schema(kind: str) -> dict[str, object]:
    """Placeholder."""
    raise NotImplementedError(kind)
