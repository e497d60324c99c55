"""Render the built-in payer table in ``docs/payer-policies.md`` from the package data.

Everything between ``<!-- payers -->`` and ``<!-- /payers -->`` is generated
from :func:`ot_billing_rules.payer_policies` (one row per version: id, name,
kind, state, dates, grade, caps, visit limits, CO/CQ factor, sources). Run::

    python scripts/gen_payer_docs.py            # rewrite the page
    python scripts/gen_payer_docs.py --check    # exit 1 when the page is stale

It renders from the ``src/`` tree of this checkout, not an installed copy.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ot_billing_rules.payers import payer_policies  # noqa: E402

PAGE = ROOT / "docs" / "payer-policies.md"
BLOCK = re.compile(r"(<!-- payers -->\n).*?(<!-- /payers -->)", re.S)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rules(items: object, show: object) -> str:
    if items is None:
        return "unknown"
    return "; ".join(show(i) for i in items) or "none"  # type: ignore[attr-defined, operator]


def table() -> str:
    """The markdown table of every built-in version with a record."""
    rows = [
        "| id | name | kind | state | effective | until | grade | daily caps | visit limits "
        "| CO/CQ factor | sources |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p in payer_policies():
        t = p.terms
        if t is None:
            continue
        caps = _rules(
            t.daily_caps,
            lambda c: f"{c.max_units} units per {c.per} ({', '.join(c.codes)}; {c.excess})",
        )
        limits = _rules(
            t.visit_limits,
            lambda v: (
                f"{v.max_visits} visits per {v.period} ({v.scope}"
                + (f", age {v.min_age}+" if v.min_age is not None else "")
                + f"; then {v.beyond})"
            ),
        )
        factors = _rules(t.assistant_factors, lambda f: f"{f.factor} from {f.effective}")
        sources = " ".join(f"<{s}>" for s in t.sources)
        rows.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"`{t.id}`",
                    p.name,
                    t.kind.value,
                    t.state or "all",
                    str(t.effective or "—"),
                    str(t.until or "—"),
                    t.grade,
                    caps,
                    limits,
                    factors,
                    sources,
                )
            )
            + " |"
        )
    return "\n".join(rows) + "\n"


def render(text: str) -> str:
    """``text`` with its generated block replaced."""
    if not BLOCK.search(text):
        raise SystemExit(f"{PAGE}: no <!-- payers --> block")
    return BLOCK.sub(lambda m: m.group(1) + table() + m.group(2), text)


def main(argv: list[str] | None = None) -> int:
    """Rewrite the page, or with ``--check`` report whether it is stale."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    old = PAGE.read_text("utf-8")
    new = render(old)
    if args.check:
        if new != old:
            print(f"stale: {PAGE.relative_to(ROOT)} (run python scripts/gen_payer_docs.py)")
            return 1
        return 0
    PAGE.write_text(new, "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
