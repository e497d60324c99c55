"""Regenerate (or check) the golden audit reports in ``tests/golden/``.

Each ``tests/golden/visits/<name>.json`` is an input visit (the mapping
:meth:`ot_billing_rules.Visit.from_dict` reads); its
``tests/golden/reports/<name>.json`` is ``audit_visit(visit).to_dict()``,
written as ``json.dumps(indent=2, sort_keys=True, ensure_ascii=False)`` plus
a newline, so that any change in what the audit says shows as a JSON diff.

``data_version`` and each table's ``digest`` are stored as placeholders: they
are hashes of the package data and change with every data build, which would otherwise touch every
golden file at once and hide the diffs that matter. A data change that
alters an audit still shows, in the fields it alters.

This script is the only writer of the reports; ``tests/test_golden.py``
compares with the same :func:`render`. Run from anywhere::

    python scripts/update_golden.py            # rewrite every report
    python scripts/update_golden.py --check    # compare only: exit 1 and a diff on a difference
    python scripts/update_golden.py NAME ...   # only these visits

It audits the ``src/`` tree of this checkout, not an installed copy.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from ot_billing_rules import audit_visit  # noqa: E402  (after the src path is set)

GOLDEN = ROOT / "tests" / "golden"
DATA_VERSION_PLACEHOLDER = "<data_version: not compared>"
DIGEST_PLACEHOLDER = "<digest: not compared>"
#: Lines of unified diff printed per differing report by ``--check``.
DIFF_LINES = 60


def visits_dir(golden: Path = GOLDEN) -> Path:
    """Where the input visits live."""
    return golden / "visits"


def reports_dir(golden: Path = GOLDEN) -> Path:
    """Where the expected reports live."""
    return golden / "reports"


def visit_names(golden: Path = GOLDEN) -> list[str]:
    """Every golden visit's name (its file name without ``.json``), sorted."""
    return sorted(p.stem for p in visits_dir(golden).glob("*.json"))


def load_visit(name: str, golden: Path = GOLDEN) -> dict[str, Any]:
    """The input visit ``name`` as the mapping stored on disk."""
    data: dict[str, Any] = json.loads(
        (visits_dir(golden) / f"{name}.json").read_text(encoding="utf-8")
    )
    return data


def report_data(visit: dict[str, Any]) -> dict[str, Any]:
    """``audit_visit(visit).to_dict()`` with ``data_version`` replaced by the placeholder."""
    data = audit_visit(visit).to_dict()
    if "data_version" in data:
        data["data_version"] = DATA_VERSION_PLACEHOLDER
    # Table digests are hashes of the package data too: the release stays compared.
    for table in data.get("tables", ()):
        table["digest"] = DIGEST_PLACEHOLDER
    return data


def render(visit: dict[str, Any]) -> str:
    """The golden report text for ``visit``: the one format written and compared."""
    return json.dumps(report_data(visit), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def diff(name: str, expected: str, actual: str, limit: int = DIFF_LINES) -> str:
    """A unified diff from the stored report to the current one, cut at ``limit`` lines."""
    lines = list(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"reports/{name}.json (stored)",
            tofile=f"reports/{name}.json (audit now)",
        )
    )
    if len(lines) > limit:
        lines = [*lines[:limit], f"... {len(lines) - limit} more diff line(s)\n"]
    return "".join(lines)


def _stored(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


def run(golden: Path, names: Sequence[str], check: bool) -> int:
    """Regenerate (or with ``check`` compare) the reports of ``names``; return the exit code."""
    known = visit_names(golden)
    unknown = sorted(set(names) - set(known))
    if unknown:
        print(f"no golden visit named {', '.join(unknown)} in {visits_dir(golden)}")
        return 2
    selected = list(names) or known
    out_dir = reports_dir(golden)
    changed: list[str] = []
    for name in selected:
        path = out_dir / f"{name}.json"
        actual = render(load_visit(name, golden))
        expected = _stored(path)
        if expected == actual:
            continue
        changed.append(name)
        if check:
            if expected is None:
                print(f"reports/{name}.json is missing")
            else:
                print(diff(name, expected, actual), end="")
        else:
            out_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
    # A report whose visit was removed or renamed would never be compared again.
    orphans = [] if names else sorted({p.stem for p in out_dir.glob("*.json")} - set(known))
    for name in orphans:
        if check:
            print(f"reports/{name}.json has no visit (visits/{name}.json)")
        else:
            (out_dir / f"{name}.json").unlink()
    if check:
        bad = len(changed) + len(orphans)
        print(f"{len(selected)} golden report(s) checked, {bad} differ")
        return 1 if bad else 0
    print(
        f"{len(selected)} golden report(s): {len(changed)} written, {len(orphans)} orphan(s) "
        "removed"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="visit names (default: all)")
    parser.add_argument(
        "--check", action="store_true", help="compare without writing; exit 1 on a difference"
    )
    parser.add_argument(
        "--golden", type=Path, default=GOLDEN, help="golden directory (default: tests/golden)"
    )
    args = parser.parse_args(argv)
    return run(args.golden, args.names, args.check)


if __name__ == "__main__":
    sys.exit(main())
