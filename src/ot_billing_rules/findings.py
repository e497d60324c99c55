"""Findings: what a check found, why, and what to do about it.

Every rule family (units, bundling, modifiers, thresholds, plan-of-care
timing) reports through :class:`Finding`, so a caller can sort, filter and
store them the same way whatever produced them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

import attrs

from ._fast import compact_pickle
from ._html import html_table

__all__ = ["Finding", "Severity", "findings_html", "sort_findings"]


class Severity(str, enum.Enum):
    """How much a finding matters.

    ``error``: the claim line will be denied or is wrong as billed;
    ``warning``: at risk (audit, review, missing documentation);
    ``info``: context the biller should know.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for errors, 1 for warnings, 2 for info (sort key)."""
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _codes(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@compact_pickle
@attrs.frozen
class Finding:
    """One finding.

    ``rule`` is a stable dotted id (``"ncci.ptp"``, ``"ncci.mue"``,
    ``"status.bundled"`` ...) safe to key on; ``message`` says what is wrong
    and ``suggestion`` what to do; ``source`` cites the public rule.
    """

    rule: str
    severity: Severity = attrs.field(converter=Severity)
    codes: tuple[str, ...] = attrs.field(converter=_codes)
    message: str
    suggestion: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "codes": list(self.codes),
            "message": self.message,
            "suggestion": self.suggestion,
            "source": self.source,
        }

    def _repr_html_(self) -> str:
        return findings_html((self,))


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Return findings in a stable order: severity, then rule, codes and message."""
    return tuple(sorted(findings, key=lambda f: (f.severity.rank, f.rule, f.codes, f.message)))


def findings_html(findings: Iterable[Finding], title: str = "Findings") -> str:
    """Render findings as an escaped HTML table."""
    return html_table(
        title,
        [(f.severity.value, f.rule, " ".join(f.codes), f.message, f.suggestion) for f in findings],
        header=("severity", "rule", "codes", "message", "suggestion"),
    )
