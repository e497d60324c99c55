"""Render the rule and citation tables in ``docs/`` from ``ot_billing_rules.RULES``.

A page holds a marker pair; everything between them is generated::

    <!-- rules: ncci status -->      every rule of these families
    <!-- /rules -->
    <!-- citations -->               every citation, with its evidence grade
    <!-- /citations -->

Run from anywhere::

    python scripts/gen_rule_tables.py            # rewrite the pages
    python scripts/gen_rule_tables.py --check    # exit 1 and name the stale pages

It renders from the ``src/`` tree of this checkout, not an installed copy.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ot_billing_rules.sources import CITATIONS, RULES, cite  # noqa: E402

DOCS = ROOT / "docs"
_RULES = re.compile(r"(<!-- rules: ([a-z_ ]+) -->\n)(.*?)(<!-- /rules -->)", re.DOTALL)
_CITATIONS = re.compile(r"(<!-- citations -->\n)(.*?)(<!-- /citations -->)", re.DOTALL)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_table(families: list[str]) -> str:
    """The Markdown table of every rule in ``families``, in the families' order."""
    unknown = [f for f in families if not any(r.family == f for r in RULES.values())]
    if unknown:
        raise SystemExit(f"no registered rule has family {', '.join(unknown)}")
    rows = [
        "| rule | severity | meaning | source | evidence |",
        "| --- | --- | --- | --- | --- |",
    ]
    for family in families:
        for r in (r for r in RULES.values() if r.family == family):
            sev = " / ".join([r.severity.value, *(s.value for s in r.also)])
            src = " — or — ".join(_cell(cite(c)) for c in r.citations)
            rows.append(f"| `{r.id}` | {sev} | {_cell(r.meaning)} | {src} | {r.evidence.value} |")
    return "\n".join(rows) + "\n"


def citations_table() -> str:
    """The Markdown table of every citation id, its text and its evidence grade."""
    rows = ["| id | evidence | citation |", "| --- | --- | --- |"]
    for c in CITATIONS.values():
        text = _cell(c.text) + (f" (per code, from `{c.data}`)" if c.data else "")
        rows.append(f"| `{c.id}` | {c.evidence.value} | {text} |")
    return "\n".join(rows) + "\n"


def render(text: str) -> str:
    """Return ``text`` with every marked table regenerated."""
    text = _RULES.sub(lambda m: m[1] + "\n" + rules_table(m[2].split()) + "\n" + m[4], text)
    return _CITATIONS.sub(lambda m: m[1] + "\n" + citations_table() + "\n" + m[3], text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for page in sorted(DOCS.rglob("*.md")):
        old = page.read_text(encoding="utf-8")
        new = render(old)
        if new != old:
            stale.append(page.relative_to(ROOT))
            if not args.check:
                page.write_text(new, encoding="utf-8")
    if args.check and stale:
        print("stale rule tables (run scripts/gen_rule_tables.py):", *stale, sep="\n  ")
        return 1
    if stale:
        print("rewrote:", *stale, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
