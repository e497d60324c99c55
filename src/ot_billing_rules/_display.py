"""Notebook display: :class:`Findings` and :class:`Lines`, and the report's HTML view.

``AuditReport.findings`` and ``AuditReport.lines`` are these tuple
subclasses: equal to (and hashing like) plain tuples, pickled as
``(class, items)``, with a one-line ``repr`` and an HTML table in Jupyter.
Every value in the HTML is escaped (:mod:`ot_billing_rules._html`).

>>> from ot_billing_rules import audit_visit
>>> report = audit_visit({"date_of_service": "2024-07-01",
...                       "services": [{"code": "97530", "minutes": 38}]})
>>> report.lines
<1 claim line: 97530x3:GO>
>>> report.lines == (report.lines[0],)
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ._html import html_table
from ._money import format_money
from .findings import Finding, Severity, findings_html
from .lines import ClaimLine

if TYPE_CHECKING:
    from .audit import AuditReport

__all__ = ["Findings", "Lines", "as_findings", "as_lines", "report_html", "report_repr"]

_SHOWN = 4  # items named in a repr before "…"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Findings(tuple[Finding, ...]):
    """A sequence of :class:`~ot_billing_rules.Finding` that displays itself.

    A tuple (``==`` a plain tuple of the same findings); ``repr`` counts them
    by severity and names the first rules; in Jupyter it is an HTML table.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Findings, (tuple(self),))

    def by_severity(self) -> dict[str, int]:
        """How many findings of each severity (errors first), severities present only."""
        counts = Counter(f.severity for f in self)
        return {s.value: counts[s] for s in Severity if counts[s]}

    def __repr__(self) -> str:
        if not self:
            return "<0 findings>"
        counts = ", ".join(_plural(n, s) for s, n in self.by_severity().items())
        rules = list(dict.fromkeys(f.rule for f in self))
        more = ", …" if len(rules) > _SHOWN else ""
        return f"<{_plural(len(self), 'finding')} ({counts}): {', '.join(rules[:_SHOWN])}{more}>"

    def _repr_html_(self) -> str:
        return findings_html(self, title=f"Findings ({len(self)})")


def _token(line: ClaimLine) -> str:
    mods = f":{','.join(line.modifiers)}" if line.modifiers else ""
    return f"{line.code}x{line.units}{mods}"


class Lines(tuple[ClaimLine, ...]):
    """A sequence of :class:`~ot_billing_rules.ClaimLine` that displays itself.

    A tuple (``==`` a plain tuple of the same lines); ``repr`` reads
    ``CODExUNITS:MODIFIERS`` per line; in Jupyter it is an HTML table.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Lines, (tuple(self),))

    def __repr__(self) -> str:
        shown = ", ".join(_token(ln) for ln in self[:_SHOWN])
        more = ", …" if len(self) > _SHOWN else ""
        return f"<{_plural(len(self), 'claim line')}{': ' if self else ''}{shown}{more}>"

    def _repr_html_(self) -> str:
        return lines_html(self, f"Claim lines ({len(self)})")


def as_findings(value: Iterable[Finding]) -> Findings:
    """``value`` as :class:`Findings` (itself when it already is one)."""
    return value if type(value) is Findings else Findings(value)


def as_lines(value: Iterable[ClaimLine]) -> Lines:
    """``value`` as :class:`Lines` (itself when it already is one)."""
    return value if type(value) is Lines else Lines(value)


def lines_html(lines: Iterable[ClaimLine], title: str) -> str:
    """Claim lines as an escaped HTML table."""
    return html_table(
        title,
        [(ln.code, ln.units, " ".join(ln.modifiers), ln.minutes or "") for ln in lines],
        header=("code", "units", "modifiers", "minutes"),
    )


def report_repr(report: AuditReport) -> str:
    """One line: the visit, its payer and status, and how many lines and findings."""
    v = report.visit
    who = f"visit {v.visit_id!r} " if v.visit_id else ""
    counts = ", ".join(_plural(n, s) for s, n in report.findings.by_severity().items())
    return (
        f"<AuditReport {who}{v.date_of_service.isoformat()} payer={v.payer.name!r} "
        f"status={report.status.value}: {_plural(len(report.lines), 'claim line')}, "
        f"{_plural(len(report.findings), 'finding')}{f' ({counts})' if counts else ''}>"
    )


def report_html(report: AuditReport) -> str:
    """The report view: visit, payer and status; KX totals; claim lines; pricing;
    services not billed; findings."""
    v = report.visit
    head: list[tuple[object, object]] = [
        ("visit", v.visit_id or "—"),
        ("date of service", v.date_of_service.isoformat()),
        ("payer", v.payer.name),
        ("discipline", v.discipline.value),
        ("status", report.status.value),
    ]
    if v.patient_id:
        head.insert(1, ("patient", v.patient_id))
    kx = report.kx
    if kx is not None:
        head.append(("KX year-to-date", format_money(kx.ytd_allowed)))
        head.append(("KX total with this visit", format_money(kx.total)))
        if kx.threshold is not None:
            head.append((f"KX threshold {kx.threshold.year}", format_money(kx.threshold.amount)))
        head.append(("KX required", {True: "yes", False: "no", None: "unknown"}[kx.kx_required]))
    if report.amount_at_risk is not None:
        head.append(("amount at risk", format_money(report.amount_at_risk)))
    title = f"Visit {v.visit_id}" if v.visit_id else "Visit"
    parts = [
        html_table(title, head),
        lines_html(
            report.lines,
            f"Claim lines — {v.date_of_service.isoformat()} ({report.status.value})",
        ),
    ]
    if report.pricing is not None:
        parts.append(report.pricing._repr_html_())
    skipped = [(s.code, s.minutes or "", s.reason) for s in report.services if not s.billed]
    if skipped:
        parts.append(html_table("Not billed", skipped, header=("code", "minutes", "reason")))
    parts.append(findings_html(report.findings))
    return f"<div>{''.join(parts)}</div>"
