"""Helpers shared by the bad-input matrix test modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

#: A valid visit to mutate one field at a time.
GOOD = {"date_of_service": "2024-07-01", "services": [{"code": "97530", "minutes": 30}]}


def case(
    name: str,
    fn: Callable[..., Any],
    /,
    *args: Any,
    exc: type[BaseException],
    match: str,
    **kw: Any,
) -> Any:
    """One matrix row: ``fn(*args, **kw)`` must raise ``exc`` with ``match`` in its message."""
    return pytest.param(fn, args, kw, exc, match, id=name)


def visit(**changes: Any) -> dict[str, Any]:
    """The good visit with ``changes`` applied."""
    data = dict(GOOD)
    data.update(changes)
    return data


def svc(**fields: Any) -> dict[str, Any]:
    """The good visit whose one service carries ``fields``."""
    return visit(services=[{"code": "97530", "minutes": 30, **fields}])
