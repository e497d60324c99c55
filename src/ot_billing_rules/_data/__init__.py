"""Lazy, thread-safe access to the package data in ``_data/``.

Nothing is read at import time. The first call to a loader reads and parses
its file once per process under a lock; later calls return the cached,
immutable result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.RLock()
_cache: dict[str, Any] = {}


def read_text(name: str) -> str:
    """Return the text of ``_data/name``."""
    # Imported here: importlib.resources alone would double the package's import time.
    from importlib import resources

    return resources.files(__name__).joinpath(name).read_text("utf-8")


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
