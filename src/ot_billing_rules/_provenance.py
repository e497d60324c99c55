"""Which tables an audit used: each one's release and digest, for the report.

A report made with the customer's current CMS quarter (``edits=``) must be
told apart from one made with the bundled tables, also after the fact: each
table the audit read is listed with its ``release`` and a ``digest``.

- A bundled table's digest is the first 16 hex digits of its file's sha256
  in the package manifest (:func:`~ot_billing_rules.data_version`).
- A table read from CMS files or a store has no file the package knows; its
  digest is a sha256 over its provenance (program, file name without its
  directory, kind, setting, release, release date, row count). It tells
  quarters, files and row counts apart; it is not a checksum of the file's
  bytes (two files of one name, release and row count share it).
- The payer policy's digest is a sha256 over its :meth:`~PayerPolicy.to_dict`,
  so an edited policy of the same name reads differently.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._data import once
from ._fast import keep
from .sources import data_version

T = TypeVar("T")

if TYPE_CHECKING:
    from .payers import PayerPolicy

__all__ = ["TableVersion", "edit_tables", "fee_table", "policy_table"]

_DIGITS = 16


@attrs.frozen
class TableVersion:
    """One table an audit read: ``table`` kind, ``name``, ``release``, ``digest``.

    ``table`` is ``ncci_ptp``, ``ncci_mue``, ``fee_schedule`` or
    ``payer_policy``; ``setting`` the NCCI setting (``None`` otherwise);
    ``bundled`` whether it is the package's own data.
    """

    table: str
    name: str
    release: str
    digest: str
    setting: str | None = None
    bundled: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        # Spelled out: attrs.asdict costs several times more, once per table per report.
        return {
            "table": self.table,
            "name": self.name,
            "release": self.release,
            "digest": self.digest,
            "setting": self.setting,
            "bundled": self.bundled,
        }


def _hash(data: object) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_DIGITS]


def _bundled_sha() -> dict[str, str]:
    return {f.name: f.sha256[:_DIGITS] for f in data_version().files}


def _tables_of(edits: Any, bundled: bool) -> tuple[TableVersion, ...]:
    shas = once("provenance_sha", _bundled_sha)
    program = getattr(edits, "program", "medicare")
    out = []
    for s in getattr(edits, "sources", ()):
        # The bundled tables of both settings live in one package file per release;
        # another table is named by its file's name, never the server's path to it.
        name = f"ncci_{s.kind}_{s.release}.csv" if bundled else PurePath(s.name).name
        digest = (
            shas.get(name, "")
            if bundled
            else _hash([program, name, s.kind, s.setting.value, s.release, s.release_date, s.rows])
        )
        out.append(
            TableVersion(f"ncci_{s.kind}", name, s.release, digest, s.setting.value, bundled)
        )
    return tuple(out)


# Keyed by the edit set's id while it is alive: an EditSet holding a whole CMS
# quarter is not hashed by value for every visit.
_CACHE: dict[int, tuple[Any, tuple[TableVersion, ...]]] = {}
_LOCK = threading.Lock()


def edit_tables(edits: object | None) -> tuple[TableVersion, ...]:
    """The NCCI tables of ``edits`` (``None``: the bundled edit set)."""
    if edits is None:
        return once("provenance_bundled", _bundled_tables)
    # At most 65 sets: a long-running service may open a store per request.
    return _by_identity(_CACHE, edits, _edit_tables, 65)


def _edit_tables(edits: object) -> tuple[TableVersion, ...]:
    from .ncci import EditSet

    return _tables_of(edits, edits is EditSet.bundled())


def _by_identity(
    cache: dict[int, tuple[Any, T]], obj: Any, compute: Callable[[Any], T], bound: int
) -> T:
    """``compute(obj)``, kept while ``obj`` is the object its id names (ids are reused)."""
    hit = cache.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    value = compute(obj)
    with _LOCK:
        keep(cache, id(obj), (obj, value), bound)
    return value


def _bundled_tables() -> tuple[TableVersion, ...]:
    # Imported here, on the first call only: every audit asks edit_tables.
    from .ncci import EditSet

    return _edit_tables(EditSet.bundled())


def fee_table(release: str) -> TableVersion:
    """The bundled fee schedule (``release`` as the pricing names it)."""
    shas = once("provenance_sha", _bundled_sha)
    return TableVersion("fee_schedule", "pfs_fees.json", release, shas.get("pfs_fees.json", ""))


_POLICIES: dict[int, tuple[Any, TableVersion]] = {}


def policy_table(policy: PayerPolicy) -> TableVersion:
    """The payer policy: its id, the version's effective date and a digest of its fields."""
    return _by_identity(_POLICIES, policy, _policy_table, 257)


def _policy_table(policy: PayerPolicy) -> TableVersion:
    terms = policy.terms
    release = "unversioned"
    if terms is not None and terms.effective is not None:
        release = terms.effective.isoformat()
    from .payers import payer_policies

    # Equal, not identical: a report unpickled from a pool worker holds a copy.
    bundled = any(policy == p for p in payer_policies())
    digest = _hash(policy.to_dict())
    return TableVersion("payer_policy", policy.id, release, digest, bundled=bundled)
