"""Skip docs pages whose examples need an optional extra that is not installed."""

from __future__ import annotations

import importlib.util

import pytest

_NEEDS = {"notebook.md": ("pandas", "dask"), "strategies.md": ("hypothesis",)}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        needs = _NEEDS.get(item.path.name, ())
        missing = [m for m in needs if importlib.util.find_spec(m) is None]
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"needs {', '.join(missing)}"))
