"""Occupational-therapy billing rules, typed and explained.

The public names live here; the modules behind them are implementation
detail and may move.

>>> import ot_billing_rules as ob
>>> ob.lookup("97165", on="2024-07-01").description.startswith("Occupational therapy")
True
"""

from ._store import DataFile, DataVersion, data_version
from ._version import __version__
from .codes import (
    Category,
    Code,
    Evidence,
    FeeScheduleStatus,
    TherapyList,
    codes,
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
    UnknownCodeError,
)
from .findings import Finding, Severity
from .lines import ClaimLine, ServiceLine

__all__ = [
    "Category",
    "ClaimLine",
    "Code",
    "CodeNotEffectiveError",
    "DataFile",
    "DataFileError",
    "DataVersion",
    "DuplicateCodeError",
    "Evidence",
    "FeeScheduleStatus",
    "Finding",
    "InvalidCodeError",
    "InvalidDateError",
    "InvalidInputError",
    "InvalidMinutesError",
    "InvalidModifierError",
    "InvalidOptionError",
    "InvalidTypeError",
    "OTBillingError",
    "ServiceLine",
    "Severity",
    "TherapyList",
    "UnknownCodeError",
    "__version__",
    "codes",
    "data_version",
    "get",
    "is_valid_code",
    "lookup",
    "normalize_code",
    "search",
]
