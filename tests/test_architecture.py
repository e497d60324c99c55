"""The package's layout as a checked fact: the import graph is acyclic and
arrows point down (DESIGN.md, "Layout").

The graph is read from the source with :mod:`ast`, so it holds every import
a module can run: module-level and function-level ones alike. Imports under
``if TYPE_CHECKING:`` never run and are left out. Two modules are allowed to
import upward: the package ``__init__`` (its lazy loader imports whatever a
name lives in) and ``_hypothesis`` (the Hypothesis plugin entry point).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ot_billing_rules

PKG = "ot_billing_rules"
ROOT = Path(ot_billing_rules.__file__).parent
EXEMPT = {PKG, f"{PKG}._hypothesis"}

#: Known and outside this layout change: payment/_cms_files reads the .txt
#: RVU layout through a function-level import of _cms_txt, which imports
#: helpers back from _cms_files. Listed so the test names it; remove the
#: entry when payment/ is untangled.


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(name: str, path: Path) -> set[str]:
    """The modules of ours that ``name`` can import when it runs."""
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child):
                for stmt in child.orelse:
                    visit_one(stmt)
                continue
            visit_one(child)

    def visit_one(child: ast.AST) -> None:
        if isinstance(child, ast.ImportFrom):
            if child.level:
                prefix = base[: len(base) - (child.level - 1)]
                target = ".".join([*prefix, *([child.module] if child.module else [])])
            else:
                target = child.module or ""
            if target == PKG or target.startswith(PKG + "."):
                for alias in child.names:
                    sub = f"{target}.{alias.name}"
                    found.add(sub if sub in MODULES else target)
        elif isinstance(child, ast.Import):
            found.update(a.name for a in child.names if a.name.startswith(PKG))
        visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    out: set[str] = set()
    for target in found:
        parts = target.split(".")
        for i in range(2, len(parts) + 1):
            module = ".".join(parts[:i])
            # Importing a.b.c runs a.b first, unless the importer lives in a.b
            # (then a.b is already being imported).
            outer = i < len(parts) and name.startswith(module + ".")
            if module in MODULES and module != name and not outer:
                out.add(module)
    return out


GRAPH = {name: _targets(name, path) for name, path in MODULES.items()}


def _short(name: str) -> str:
    return name.removeprefix(PKG + ".")


def _cycles() -> list[list[str]]:
    graph = {m: {t for t in ts if t not in EXEMPT} for m, ts in GRAPH.items() if m not in EXEMPT}
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, path)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node, [])
    return found


def test_the_graph_was_read() -> None:
    # Guards the checks below against passing on an empty graph.
    assert f"{PKG}.ncci._checks" in GRAPH
    assert f"{PKG}.modifiers" in GRAPH[f"{PKG}.ncci._checks"]
    assert f"{PKG}.ncci._models" in GRAPH[f"{PKG}.ncci._sqlite"]
    # A function-level import counts: the audit imports bundling inside functions.
    assert f"{PKG}.bundling" in GRAPH[f"{PKG}.audit"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    saved = dict(GRAPH)
    try:
        GRAPH[f"{PKG}.terms"] = {f"{PKG}.modifiers"}
        assert any(f"{PKG}.terms" in c for c in _cycles())
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


def test_import_graph_is_acyclic() -> None:
    cycles = [" -> ".join(map(_short, c)) for c in _cycles()]
    assert cycles == []


def test_terms_imports_nothing_of_ours() -> None:
    assert GRAPH[f"{PKG}.terms"] == set()


def test_modifiers_sits_at_the_bottom() -> None:
    # findings: the modifier checks return Finding values (findings imports
    # only _fast and _html, themselves leaves).
    allowed = {f"{PKG}.{m}" for m in ("terms", "errors", "_coerce", "findings", "sources", "_data")}
    assert GRAPH[f"{PKG}.modifiers"] <= allowed


@pytest.mark.parametrize("leaf", ["findings", "_coerce", "errors"])
def test_the_bottom_layer_stays_low(leaf: str) -> None:
    low = {f"{PKG}.{m}" for m in ("terms", "errors", "_coerce", "_fast", "_html", "findings")}
    assert GRAPH[f"{PKG}.{leaf}"] <= low


_FAMILIES = ("units", "evaluation", "ncci", "catalog", "thresholds", "plan_of_care")
_UPPER = ("payers", "audit", "batch", "cli")


@pytest.mark.parametrize(
    "module",
    sorted(m for m in GRAPH if _short(m).split(".")[0] in _FAMILIES),
)
def test_rule_families_do_not_import_upward(module: str) -> None:
    upward = sorted(t for t in GRAPH[module] if _short(t).split(".")[0] in _UPPER)
    assert upward == []
