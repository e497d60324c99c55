"""Where the rules come from: the provenance of the bundled data.

:func:`data_version` names every package-data file with its public source,
its release and its sha256, and a short digest over all of them: two results
computed with the same ``version`` used the same rule data.
"""

from __future__ import annotations

from typing import Any

import attrs

from ._data import once, read_json

__all__ = ["DataFile", "DataVersion", "data_version"]


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
