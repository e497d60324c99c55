"""Lazy, thread-safe access to the package data in ``_data/``.

Nothing is read at import time. The first call to a loader reads and parses
its file once per process under a lock; later calls return the cached,
immutable result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")

_lock = threading.RLock()
_cache: dict[str, Any] = {}


def read_text(name: str) -> str:
    """Return the text of ``_data/name``."""
    # Imported here: importlib.resources alone would double the package's import time.
    from importlib import resources

    return resources.files(__package__).joinpath("_data").joinpath(name).read_text("utf-8")


def read_json(name: str) -> Any:
    import json

    return json.loads(read_text(name))


def read_csv(name: str) -> list[dict[str, str]]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(read_text(name))))


def once(key: str, build: Callable[[], T]) -> T:
    """Return ``build()``, computed at most once per process for ``key``.

    Double-checked so the common (already loaded) path takes no lock.
    """
    try:
        return _cache[key]  # type: ignore[no-any-return]
    except KeyError:
        pass
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]  # type: ignore[no-any-return]


@attrs.frozen
class DataFile:
    """One package-data file: where it came from and its checksum."""

    name: str
    source: str
    release: str
    sha256: str
    notice: str | None = None


@attrs.frozen
class DataVersion:
    """The rule data this installation computes with.

    ``version`` is a short digest over every data file's sha256: two results
    computed with the same ``version`` used the same data.
    """

    version: str
    releases: tuple[str, ...]
    files: tuple[DataFile, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "version": self.version,
            "releases": list(self.releases),
            "files": [attrs.asdict(f) for f in self.files],
        }


def _load_version() -> DataVersion:
    raw = read_json("manifest.json")
    files = tuple(DataFile(name=name, **entry) for name, entry in sorted(raw["files"].items()))
    return DataVersion(version=raw["version"], releases=tuple(raw["releases"]), files=files)


def data_version() -> DataVersion:
    """Return the version and provenance of the bundled rule data.

    >>> v = data_version()
    >>> len(v.version) == 12 and any(f.name == "code_catalog.json" for f in v.files)
    True
    """
    return once("manifest", _load_version)
