"""Print a Markdown before/after table from two ``run.py --json`` files.

python benchmarks/compare.py before.json after.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _load(path: str) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in json.loads(Path(path).read_text("utf-8"))}


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = _load(argv[0]), _load(argv[1])
    print("| benchmark | goal | before | after | result |")
    print("|---|---|---|---|---|")
    for name, row in after.items():
        old = before.get(name, {}).get("measured", "—")
        passed = row["passed"]
        verdict = "—" if passed is None else ("pass" if passed else "**miss**")
        print(f"| {name} | {row['goal'] or '—'} | {old} | {row['measured']} | {verdict} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
