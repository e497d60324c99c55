"""The Medicare therapy KX threshold and the targeted medical review threshold.

Since the therapy caps were repealed (Bipartisan Budget Act of 2018 §50202,
SSA §1833(g)(7)), Medicare Part B pays outpatient therapy above an annual
per-beneficiary amount only when the claim line carries the **KX** modifier,
which attests that the record supports the services' medical necessity. There
are two buckets per calendar year: **OT alone**, and **PT and SLP combined**;
deductible and coinsurance count toward them. Above **$3,000** in a bucket
(2018 through 2027; from 2028 the amount is the preceding year's increased by
the MEI, 42 USC 1395l(g)(7)(B), and the library reports it unknown until a
release records it) claims may be picked for targeted medical review.

Before 2018 (2006–2017) the amounts were **therapy caps** (SSA §1833(g), BBA
1997) with an **exceptions process**: above the cap the KX modifier claimed
an exception, and from 2012-10-01 through 2017 allowed amounts above
**$3,700** went to manual (from 2015 targeted) medical review.
:attr:`KXThreshold.kind` says which: ``"cap"`` or ``"threshold"``. 2008
and 2009 are not recorded (no public source read). Sources and grades:
CMS/MAC text (grade B) for 2021–2024 and 2026 (the CMS Therapy Services
page, CR 14252 for 2026; Noridian JE and NGS KX pages), trade sources
(grade C) for 2018–2020 and 2025, association and trade pages (grade C;
2015 the CMS Therapy Cap page, grade B) for the caps; each year's record
carries its own.

A year the bundled data does not cover is reported as a finding
(``kx.year_unknown``), never guessed; pass ``threshold=`` to check against an
amount you know.

>>> from ot_billing_rules import kx_threshold, check_kx
>>> kx_threshold(2024, "OT").amount
Decimal('2330.00')
>>> [f.rule for f in check_kx("2300.00", "75.00", year=2024)]
['kx.threshold_reached']

Money is :class:`~decimal.Decimal` dollars (an ``int`` is whole dollars, a
string may carry cents); floats are refused.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from . import _data
from ._coerce import coerce_date, coerce_discipline, require_int
from ._html import html_table
from ._money import coerce_money, format_money
from .errors import InvalidInputError
from .findings import Finding, Severity, findings_html
from .sources import Evidence, cite
from .terms import Discipline

__all__ = [
    "KX_NOT_CHECKED",
    "KXAssessment",
    "KXThreshold",
    "assess_kx",
    "check_kx",
    "kx_threshold",
    "kx_years",
    "targeted_review_threshold",
]


@attrs.frozen
class KXThreshold:
    """One calendar year's KX threshold for one bucket.

    ``bucket`` is ``"OT"`` or ``"PT_SLP"``; ``amount`` the KX threshold in
    dollars; ``targeted_review`` the medical review threshold (``None`` for a
    year it is not known, i.e. after 2028); ``grade`` the evidence grade of the
    amount (B = CMS or contractor text, C = trade or association source);
    ``source`` where the amount was read. ``kind`` is ``"cap"`` for
    2006–2017 (a therapy cap; KX claimed an exception under the exceptions
    process) and ``"threshold"`` from 2018 (the KX threshold);
    ``manual_review`` the $3,700 manual/targeted medical review threshold of
    the cap years 2012–2017 (``None`` otherwise).
    """

    year: int
    bucket: str
    amount: Decimal
    targeted_review: Decimal | None
    grade: str
    source: str
    kind: str = "threshold"
    manual_review: Decimal | None = None

    @property
    def evidence(self) -> Evidence:
        """The grade on the library's one evidence scale (:meth:`Evidence.from_grade`)."""
        return Evidence.from_grade(self.grade)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (amounts as strings).

        A cap year (2006–2017) adds ``kind`` and ``manual_review``; a KX
        threshold year keeps the shape reports had before caps were known.
        """
        out: dict[str, Any] = {
            "year": self.year,
            "bucket": self.bucket,
            "amount": str(self.amount),
            "targeted_review": None if self.targeted_review is None else str(self.targeted_review),
            "grade": self.grade,
            "source": self.source,
        }
        if self.kind != "threshold" or self.manual_review is not None:
            out["kind"] = self.kind
            out["manual_review"] = None if self.manual_review is None else str(self.manual_review)
        return out

    def _repr_html_(self) -> str:
        return html_table(f"KX {self.kind} {self.year} ({self.bucket})", self.to_dict().items())


def _load() -> Mapping[str, Any]:
    raw = _data.read_json("kx_thresholds.json")
    review = raw["targeted_review"]
    years = {int(r["year"]): dict(r, kind="threshold") for r in raw["kx"]}
    years.update({int(r["year"]): dict(r, kind="cap") for r in raw["caps"]})
    return {"years": years, "review": review, "manual": raw["manual_review"]}


def _table() -> Mapping[str, Any]:
    return _data.once("kx_thresholds", _load)


def kx_years() -> tuple[int, ...]:
    """Calendar years the bundled data holds a KX amount for.

    >>> kx_years()[0], kx_years()[-1]
    (2006, 2026)
    """
    return tuple(sorted(_table()["years"]))


def _year(year: object, on: object) -> int:
    if year is not None:
        y = require_int(year, field="year", minimum=1990, maximum=2099)
        if on is not None and coerce_date(on).year != y:
            raise InvalidInputError(
                f"year={y} and on={on!r} disagree; pass one of them",
                value=(year, on),
                field="year",
            )
        return y
    return coerce_date(on, field="on").year


def _spans(years: tuple[int, ...]) -> str:
    """``2006–2007, 2010–2026``: the held years as runs (2008–2009 are not sourced)."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def kx_threshold(
    year: int | None = None, discipline: Discipline | str = "OT", *, on: date | str | None = None
) -> KXThreshold | None:
    """Return the KX threshold for ``year`` (or the year of ``on``) and a discipline.

    ``discipline`` OT uses the OT bucket; PT and SLP share the PT/SLP bucket.
    Returns ``None`` for a year the bundled data does not cover (before 2006
    or after the last published year). 2006–2017 are therapy caps
    (``kind="cap"``), 2018 on KX thresholds.

    >>> kx_threshold(2026, "SLP").bucket
    'PT_SLP'
    >>> cap = kx_threshold(2017)
    >>> cap.kind, cap.amount, cap.manual_review
    ('cap', Decimal('1980.00'), Decimal('3700.00'))
    >>> kx_threshold(2005) is None
    True
    """
    return _threshold(_year(year, on), coerce_discipline(discipline).kx_bucket)


# One frozen value per year and bucket, shared: the audit asks on every visit
# with a year-to-date total, and a history keeps each visit's report (and so its
# threshold) until the patient's run ends. The table is the bundled, read-only one.
@functools.lru_cache(maxsize=128)
def _threshold(y: int, bucket: str) -> KXThreshold | None:
    data = _table()
    row = data["years"].get(y)
    if row is None:
        return None
    manual = data["manual"]
    return KXThreshold(
        year=y,
        bucket=bucket,
        amount=Decimal(row["ot"] if bucket == "OT" else row["pt_slp"]),
        targeted_review=targeted_review_threshold(y),
        grade=row["grade"],
        source=row["source"],
        kind=row["kind"],
        manual_review=Decimal(manual["amount"])
        if manual["first_year"] <= y <= manual["last_year"]
        else None,
    )


def targeted_review_threshold(year: int) -> Decimal | None:
    """The targeted medical review threshold of ``year`` (per bucket), or ``None``.

    $3,000 for 2018 through 2027 (42 USC 1395l(g)(7)(B), BBA 2018 §50202;
    grade B). From 2028 the statute makes it the preceding year's amount
    increased by the MEI: ``None`` until a release records the amount —
    never extrapolated. Before 2018 there was none (the cap years' manual
    review threshold is :attr:`KXThreshold.manual_review`).

    >>> targeted_review_threshold(2027), targeted_review_threshold(2028)
    (Decimal('3000.00'), None)
    """
    y = require_int(year, field="year", minimum=1990, maximum=2099)
    review = _table()["review"]
    if review["first_year"] <= y <= review["last_year"]:
        return Decimal(review["amount"])
    return None


@attrs.frozen
class KXAssessment:
    """Where a visit stands against the year's KX and review thresholds.

    ``total`` is ``ytd_allowed`` plus the visit's allowed amount (when given);
    ``kx_required`` is ``True`` when the total is above the threshold,
    ``False`` when it is not, and ``None`` when it cannot be told (no data for
    the year); ``findings`` say what to do.
    """

    year: int
    discipline: Discipline
    ytd_allowed: Decimal
    visit_amount: Decimal | None
    threshold: KXThreshold | None
    kx_required: bool | None
    review_eligible: bool | None
    findings: tuple[Finding, ...]

    @property
    def total(self) -> Decimal:
        """Year-to-date allowed amount including this visit (when its amount is known)."""
        return self.ytd_allowed + (self.visit_amount or Decimal(0))

    @property
    def explanation(self) -> str:
        """The findings' messages, one per line."""
        return "\n".join(f.message for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "year": self.year,
            "discipline": self.discipline.value,
            "ytd_allowed": str(self.ytd_allowed),
            "visit_amount": None if self.visit_amount is None else str(self.visit_amount),
            "total": str(self.total),
            "threshold": None if self.threshold is None else self.threshold.to_dict(),
            "kx_required": self.kx_required,
            "review_eligible": self.review_eligible,
            "findings": [f.to_dict() for f in self.findings],
        }

    def _repr_html_(self) -> str:
        return findings_html(self.findings, title=f"KX {self.year} {self.discipline.value}")


def assess_kx(
    ytd_allowed: Decimal | int | str,
    visit_amount: Decimal | int | str | None = None,
    *,
    year: int | None = None,
    on: date | str | None = None,
    discipline: Discipline | str = "OT",
    threshold: Decimal | int | str | None = None,
) -> KXAssessment:
    """Assess a visit against the KX threshold (see :func:`check_kx`)."""
    ytd = coerce_money(ytd_allowed, field="ytd_allowed")
    visit = None if visit_amount is None else coerce_money(visit_amount, field="visit_amount")
    y = _year(year, on)
    disc = coerce_discipline(discipline)
    found = kx_threshold(y, disc)
    if threshold is not None:
        found = KXThreshold(
            year=y,
            bucket=disc.kx_bucket,
            amount=coerce_money(threshold, field="threshold"),
            targeted_review=found.targeted_review if found else None,
            grade="user",
            source=cite("caller"),
            kind=found.kind if found else "threshold",
            manual_review=found.manual_review if found else None,
        )
    total = ytd + (visit or Decimal(0))
    bucket = "OT" if disc is Discipline.OT else "PT and SLP combined"
    findings: list[Finding] = []
    if found is None:
        years = kx_years()
        findings.append(
            Finding(
                "kx.year_unknown",
                Severity.WARNING,
                (),
                f"No KX threshold or therapy cap is on record for {y} (the library holds "
                f"{_spans(years)}); "
                f"whether this visit needs KX cannot be checked.",
                suggestion="Look up the year's amount in the CMS annual therapy update and pass "
                "it as threshold=, or check the beneficiary's KX status with the MAC.",
                source=cite("kx_threshold"),
            )
        )
        return KXAssessment(y, disc, ytd, visit, None, None, None, tuple(findings))
    cap = found.kind == "cap"
    source = _kx_source(cap, y, found.source, found.grade)
    what = "therapy cap" if cap else "KX threshold"
    required = total > found.amount
    if required:
        crossing = ytd <= found.amount
        when = "This visit takes" if crossing else "Year-to-date (before this visit) already puts"
        findings.append(
            Finding(
                "kx.threshold_reached",
                Severity.WARNING,
                (),
                f"{when} allowed {bucket} therapy at {format_money(total)}, above the "
                f"{y} {what} of {format_money(found.amount)}: the therapy lines need the KX "
                "modifier"
                + (" to claim an exception under the exceptions process." if cap else "."),
                suggestion="Append KX only if the record documents why continued skilled therapy "
                "is medically necessary; without KX the lines are denied.",
                source=source,
            )
        )
    else:
        remaining = found.amount - total
        unknown_visit = (
            " This visit's allowed amount was not given: if it is more than "
            f"{format_money(remaining)}, the visit crosses the threshold and needs KX."
            if visit is None
            else ""
        )
        findings.append(
            Finding(
                "kx.below_threshold",
                Severity.INFO,
                (),
                f"Allowed {bucket} therapy of {format_money(total)} is within the {y} {what} "
                f"of {format_money(found.amount)} ({format_money(remaining)} remaining); no KX."
                + unknown_visit,
                source=source,
            )
        )
    review: bool | None = None
    if found.manual_review is not None:
        review = total > found.manual_review
        if review:
            findings.append(
                Finding(
                    "kx.targeted_review",
                    Severity.WARNING,
                    (),
                    f"Allowed {bucket} therapy of {format_money(total)} is above the {y} "
                    f"{format_money(found.manual_review)} threshold of the exceptions process: "
                    "the claims went to manual (from 2015 targeted) medical review.",
                    suggestion="Make sure the plan of care, progress reports and daily notes "
                    "support the medical necessity of every service.",
                    source=cite("kx_therapy_cap"),
                )
            )
    if found.targeted_review is not None:
        review = total > found.targeted_review
        if review:
            findings.append(
                Finding(
                    "kx.targeted_review",
                    Severity.WARNING,
                    (),
                    f"Allowed {bucket} therapy of {format_money(total)} is above the "
                    f"{format_money(found.targeted_review)} targeted medical review threshold: "
                    "the claim may be selected for medical review.",
                    suggestion="Make sure the plan of care, progress reports and daily notes "
                    "support the medical necessity of every service before billing.",
                    source=cite("kx_targeted_review"),
                )
            )
    return KXAssessment(y, disc, ytd, visit, found, required, review, tuple(findings))


# One text per year and amount, shared: a report keeps it in its KX finding, and
# a claim history keeps every visit's report until its run ends.
@functools.lru_cache(maxsize=256)
def _kx_source(cap: bool, year: int, amount_source: str, grade: str) -> str:
    cited = cite("kx_therapy_cap") if cap else cite("kx_threshold")
    return f"{cited}; {year} amount: {amount_source} (grade {grade})"


def check_kx(
    ytd_allowed: Decimal | int | str,
    visit_amount: Decimal | int | str | None = None,
    *,
    year: int | None = None,
    on: date | str | None = None,
    discipline: Discipline | str = "OT",
    threshold: Decimal | int | str | None = None,
) -> tuple[Finding, ...]:
    """Check a visit against the year's KX and targeted-review thresholds.

    ``ytd_allowed`` is the allowed amount of the discipline's bucket already
    incurred this calendar year *before* this visit, from every provider (the
    MAC's eligibility data knows claims the clinic does not);
    ``visit_amount`` is this visit's allowed amount, when known. The year
    comes from ``year`` or the date of service ``on`` (default today).

    Findings: ``kx.threshold_reached`` (warning) when the total is *above*
    the threshold — reaching it exactly needs no KX; ``kx.targeted_review``
    (warning) above $3,000; ``kx.below_threshold`` (info) otherwise;
    ``kx.year_unknown`` (warning) when the year has no data and no
    ``threshold`` was passed. Rule: CMS Therapy Services page and MAC KX pages
    (grade B); amounts per year as cited in the data.

    >>> [f.rule for f in check_kx(2330, year=2024)]
    ['kx.below_threshold']
    >>> [f.rule for f in check_kx("3100", "120", year=2025)]
    ['kx.threshold_reached', 'kx.targeted_review']
    >>> [f.rule for f in check_kx(0, year=2030)]
    ['kx.year_unknown']
    """
    return assess_kx(
        ytd_allowed,
        visit_amount,
        year=year,
        on=on,
        discipline=discipline,
        threshold=threshold,
    ).findings


#: What the audit reports when no year-to-date allowed amount was given (built
#: once: it never varies, and ships cheaply between processes).
KX_NOT_CHECKED = Finding(
    "kx.not_checked",
    Severity.INFO,
    (),
    "No year-to-date allowed amount was given, so the KX threshold was not checked.",
    suggestion="Pass ytd_allowed (the beneficiary's allowed therapy amount this "
    "year, from the MAC's eligibility data) to check it.",
    source="CMS Therapy Services page (KX threshold)",
)
