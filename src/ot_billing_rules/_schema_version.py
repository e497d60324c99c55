"""The output shape's version, in a module of its own: the audit and the records
stamp it without importing the schema builders (which read the record columns)."""

#: Version of the shape of :meth:`AuditReport.to_dict` and of the flat records.
SCHEMA_VERSION = "1.0"
