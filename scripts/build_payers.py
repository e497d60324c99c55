"""Build the payer records (``_data/payers.json``) from ``data/sources/payers/``.

Each source file is one payer's (or one state program's) curated record: a
list of dated versions, each a ``policy`` (the flags, starting from the
``base`` built-in ``medicare`` or ``commercial``) and its ``terms`` (the
:class:`~ot_billing_rules.payer_terms.PayerTerms` shape). The files are the
project's own tables, written from the public sources each version lists.
The builder concatenates them in file order; the package reads every record
strictly when first asked for a payer, and a test reads them all. Run through
``python scripts/build_data.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from _manifest import record

FOLDER = "payers"
OUT = "payers.json"
_KEYS = {"policy", "terms"}


def build(sources: Path, dest: Path) -> None:
    """Write ``dest/payers.json`` from every ``sources/payers/*.json``."""
    policies: list[dict[str, Any]] = []
    for path in sorted((sources / FOLDER).glob("*.json")):
        data = json.loads(path.read_text("utf-8"))
        for i, rec in enumerate(data["policies"]):
            if set(rec) != _KEYS or "base" not in rec["policy"]:
                raise SystemExit(
                    f"{path.name}: policies[{i}] needs exactly policy (with base) and terms"
                )
            policies.append(rec)
    (dest / OUT).write_text(
        json.dumps({"policies": policies}, indent=1, sort_keys=True) + "\n", "utf-8"
    )
    record(dest, OUT, source=f"data/sources/{FOLDER}/*.json", release="2026-12")
