"""The exception tree.

Every error the library raises on purpose derives from :class:`OTBillingError`
and also from the builtin a caller would naturally catch (``ValueError``,
``LookupError`` or ``TypeError``), so ``except ValueError`` keeps working for
code that does not know this library.

Each message names the offending value and what would have been valid.
Exceptions compare equal when they are of the same type with the same message
and attributes, and they survive a pickle round trip, so errors collected in a
process pool or on a Dask/Spark worker arrive intact.

>>> from ot_billing_rules import lookup, UnknownCodeError
>>> try:
...     lookup("97531")
... except UnknownCodeError as exc:
...     exc.suggestions[:2]
('97530', '97532')
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

__all__ = [
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
]


def _rebuild(cls: type[OTBillingError], message: str, state: dict[str, Any]) -> OTBillingError:
    obj = cls.__new__(cls)
    Exception.__init__(obj, message)
    obj.__dict__.update(state)
    return obj


class OTBillingError(Exception):
    """Root of every error raised by ``ot_billing_rules``.

    ``path`` is where the offending value sits in the input, 0-based
    (``"services[1].minutes"``), when the error came from reading a mapping
    (:meth:`Visit.from_dict <ot_billing_rules.Visit.from_dict>`); ``None``
    otherwise.
    """

    path: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only details; rebuild from the message and
        # the attribute dict instead of replaying ``__init__``.
        return (_rebuild, (type(self), str(self), dict(self.__dict__)))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, OTBillingError)
        return str(self) == str(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self), str(self)))


class InvalidInputError(OTBillingError, ValueError):
    """A value has the right type but is not acceptable.

    ``value`` is the offending value and ``field`` names the argument or field
    it was given for.
    """

    def __init__(self, message: str, *, value: object = None, field: str | None = None) -> None:
        super().__init__(message)
        self.value = value
        self.field = field


class InvalidTypeError(OTBillingError, TypeError):
    """A value has the wrong type (for example a float where minutes must be an int)."""

    def __init__(self, message: str, *, value: object = None, field: str | None = None) -> None:
        super().__init__(message)
        self.value = value
        self.field = field


class HistoryInputError(InvalidInputError):
    """A visit carries what :func:`~ot_billing_rules.audit_history` computes itself
    (``ytd_allowed``, a plan's ``treatment_days_since_report``), or a history
    argument (``opening_balances``, ``state``) is malformed."""


class HistoryOrderError(InvalidInputError):
    """:func:`~ot_billing_rules.audit_history` input out of the promised order:
    ``presorted=True`` input not sorted by patient then date, or a visit dated
    on or before the last date a continued ``state`` already audited."""


class InvalidCodeError(InvalidInputError):
    """A string that is not a well-formed CPT or HCPCS Level II code."""


class InvalidDateError(InvalidInputError):
    """A date string that is not an ISO date, or a date outside the supported range."""


class InvalidMinutesError(InvalidInputError):
    """Minutes that are negative, over a day, or otherwise impossible."""


class InvalidOptionError(InvalidInputError):
    """A value outside a closed set (a level name, a method, a setting ...).

    ``valid`` lists the accepted values.
    """

    def __init__(
        self,
        message: str,
        *,
        value: object = None,
        field: str | None = None,
        valid: Sequence[str] = (),
    ) -> None:
        super().__init__(message, value=value, field=field)
        self.valid = tuple(valid)


class InvalidModifierError(InvalidInputError):
    """A claim-line modifier that is malformed or not one this library knows."""


class DuplicateCodeError(InvalidInputError):
    """The same code appears twice where each code may appear once."""


class UnknownCodeError(OTBillingError, LookupError):
    """A well-formed code the catalog does not hold.

    ``suggestions`` holds close matches from the catalog, best first.
    """

    def __init__(self, code: str, *, suggestions: Sequence[str] = ()) -> None:
        self.code = code
        self.suggestions = tuple(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"code {code!r} is not in the OT code catalog{hint}")


class CodeNotEffectiveError(OTBillingError, LookupError):
    """A known code that is not valid on the date of service asked about.

    ``effective`` and ``deleted`` bound the dates the code was valid (``deleted``
    is the last valid date of service, or ``None``); ``replaced_by`` names the
    codes to bill instead.
    """

    def __init__(
        self,
        code: str,
        *,
        on: date,
        effective: date | None,
        deleted: date | None,
        replaced_by: Sequence[str] = (),
    ) -> None:
        self.code = code
        self.on = on
        self.effective = effective
        self.deleted = deleted
        self.replaced_by = tuple(replaced_by)
        if deleted is not None and on > deleted:
            why = f"was deleted after {deleted.isoformat()}"
        else:
            start = effective.isoformat() if effective is not None else "an unrecorded date"
            why = f"takes effect on {start}"
        use = f"; bill {', '.join(self.replaced_by)} instead" if self.replaced_by else ""
        super().__init__(f"code {code!r} is not valid on {on.isoformat()}: it {why}{use}")


class DataFileError(OTBillingError, ValueError):
    """A data file (a CMS PTP/MUE file, a CSV or JSON input) that cannot be read.

    ``path`` names the file and ``line`` the 1-based line (``None`` when the
    problem is the file as a whole). ``visit_id`` names the visit whose rows
    could not be read, where the reader knows it, so the error joins back to
    the claim.
    """

    def __init__(
        self, message: str, *, path: str, line: int | None = None, visit_id: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.visit_id = visit_id
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class UnknownActivityError(OTBillingError, LookupError):
    """A therapy activity the activity table does not hold.

    ``suggestions`` holds close activity names, best first.
    """

    def __init__(self, activity: str, *, suggestions: Sequence[str] = ()) -> None:
        self.activity = activity
        self.suggestions = tuple(suggestions)
        hint = (
            f"; did you mean {', '.join(map(repr, self.suggestions))}?" if self.suggestions else ""
        )
        super().__init__(
            f"activity {activity!r} is not in the activity table{hint} "
            "(list them with ot_billing_rules.activities())"
        )


class WorkerError(OTBillingError, RuntimeError):
    """A visit a process pool could not audit for a reason outside the visit itself.

    Raised (or collected) by :func:`~ot_billing_rules.audit_many` with
    ``workers > 1`` when the worker process auditing the visit died (killed,
    out of memory, crashed), or when the error the visit raised could not be
    sent back between processes. ``index`` is the visit's 0-based position;
    ``cause`` names what happened, in words.
    """

    def __init__(self, message: str, *, index: int, cause: str) -> None:
        self.index = index
        self.cause = cause
        super().__init__(message)


class StoreError(DataFileError):
    """The SQLite NCCI store cannot be used as asked.

    A :class:`DataFileError` (``path`` names the store, ``line`` is ``None``),
    so code that already catches ``DataFileError`` around
    :meth:`~ot_billing_rules.EditSet.open` keeps working. The subclasses say
    why and what to do.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message, path=path)


class StoreLockedError(StoreError):
    """Another process holds the store: an import is running, or a tool keeps it locked.

    Retry once it has finished.
    """


class StoreReadOnlyError(StoreError):
    """The store, or the directory it sits in, cannot be written.

    An import writes a new file next to the store and swaps it in, so it
    needs write access to the directory as well as the file.
    """


class StoreFullError(StoreError):
    """The disk (or the file-size limit) filled up while the store was written.

    The previous store is left as it was; free space and import again.
    """


class StoreDamagedError(StoreError):
    """The file is damaged, is not SQLite, or is a SQLite file of some other program.

    A file that is not an NCCI store is never written to.
    """


class StoreChangedError(StoreError):
    """The store an open :class:`~ot_billing_rules.EditSet` reads was changed in place.

    ``ot-billing ncci import`` never does this (it swaps a new file in, and
    open edit sets keep reading the one they opened); another program writing
    into the file does. Open the store again.
    """


class StoreClosedError(StoreError):
    """A look-up on an :class:`~ot_billing_rules.EditSet` after :meth:`close`."""


class FeeNotFoundError(OTBillingError, LookupError):
    """The fee schedule has no amount for a code on a date of service.

    Raised when no loaded release covers the date (``code`` is then
    ``None``), when the release has no row for the code, or when the code's
    status is one Medicare does not pay under the fee schedule. ``on`` is the
    date of service, ``release`` the release consulted (``None`` when none
    covers the date) and ``valid`` the dates of service the schedule covers.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None,
        on: date,
        release: str | None,
        valid: str = "",
    ) -> None:
        self.code = code
        self.on = on
        self.release = release
        self.valid = valid
        super().__init__(message)


class ValidationErrors(OTBillingError, ValueError):
    """Every problem of one input at once (``Visit.from_dict(..., collect=True)``).

    ``errors`` holds the typed errors, each with its 0-based ``path``, in
    input order; the message lists them as ``path: message``. (Python 3.10
    has no ``ExceptionGroup``: this one error carries the list.)

    >>> from ot_billing_rules import Visit
    >>> try:
    ...     Visit.from_dict({"date_of_service": "2024-07-01", "services": [
    ...         {"code": "97530", "minutes": 30}, {"code": "97110", "minutes": -5}],
    ...         "setting": "home"}, collect=True)
    ... except ValidationErrors as exc:
    ...     [e.path for e in exc.errors]
    ['services[1].minutes', 'setting']
    """

    def __init__(self, errors: Sequence[OTBillingError], *, what: str = "input") -> None:
        self.errors = tuple(errors)
        lines = "; ".join(f"{e.path or what}: {e}" for e in self.errors)
        super().__init__(f"{len(self.errors)} problem(s) in the {what}: {lines}")

    def to_list(self) -> list[dict[str, object]]:
        """JSON-ready problems: ``path``, ``type``, ``field`` and ``message`` of each."""
        return [
            {
                "path": e.path,
                "type": type(e).__name__,
                "field": getattr(e, "field", None),
                "message": str(e),
            }
            for e in self.errors
        ]
