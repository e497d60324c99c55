"""Audit one visit: claim lines with units and modifiers, and every finding.


:func:`audit_visit` composes the rule families for one date of service. It
builds no rule's finding itself where a family owns the rule: it calls the
family. Each :class:`~ot_billing_rules.payers.PayerPolicy` flag is read in
exactly one step; a step that decides something for later steps leaves the
decision in the audit's scratch state.

====  ============================================================  =========================
step  what                                                          payer flag read
====  ============================================================  =========================
1     catalog: each code in force on the date                       —
      (:func:`~ot_billing_rules.catalog.check_code`: ``code.unknown``,
      ``code.not_effective``); timed codes need minutes
      (:func:`~ot_billing_rules.units.minutes_missing`)
2     units: minutes become units (:func:`compute_units`: CMS       ``unit_method``,
      8-minute rule or CPT per-code); assistant minutes onto CO/CQ  ``assistant_modifiers``
      lines. A payer whose record leaves the method ``unknown``
      is billed by the method giving fewer units, and a
      ``payer.unit_method_unknown`` finding says why
      (:func:`~ot_billing_rules._audit_payer.unit_method`)
3     modifiers, in the one billing order                           ``discipline_modifiers``
      (:func:`~ot_billing_rules.modifiers.order_modifiers`):
      discipline GO/GP/GN, assistant CO/CQ, KX (step 5), the
      bypass modifier (step 6), then the clinician's
4     pricing, when the visit names its ``locality``: the lines'    ``medicare_pricing``
      Medicare allowed amounts
      (:func:`~ot_billing_rules.payment.price_lines`, bundled
      schedule, facility rate from ``facility`` or the place of
      service); what has no fee is ``fee.unknown``. KX, the bypass
      modifier and the four-modifier cut change no amount, so
      the lines are priced here and shown as finally billed
5     KX and targeted review (:mod:`~ot_billing_rules.thresholds`;  ``kx_threshold``
      ``kx.not_checked`` without a year-to-date amount); the
      visit's amount is ``visit_allowed``, else step 4's accrual
      for the discipline's bucket; KX goes on the therapy lines
6     NCCI and structural edits: the PTP and MUE hits are asked     ``ncci_edits``, ``edits``,
      for once (:func:`~ot_billing_rules.bundling.hits`); the       ``bypass_modifier``
      bypass modifier goes on the column-2 line of an edit that
      allows a bypass when a service of the pair is marked
      ``separate_interval`` (NCCI Policy Manual Ch. XI, CMS's
      97140/97530 example), and is kept only where it bypasses;
      then the findings are worded once
      (:func:`~ot_billing_rules.bundling.findings`)
7     four modifiers a line: the first four of the order stay,      —
      the rest are named in ``modifier.too_many``
8     plan-of-care timing (:mod:`~ot_billing_rules.plan_of_care`;   ``plan_of_care_timing``
      ``poc.not_checked`` without a plan)
8b    payer record (:mod:`~ot_billing_rules._audit_payer`): daily   ``terms``
      caps, visit limits, prior authorization, age rules,
      required modifiers, Medicaid edits, unknown fields
8c    Medicare telehealth (:mod:`~ot_billing_rules._audit_telehealth`;  —
      POS 02/10 or 95/GT/FQ): therapist window, telehealth list,
      POS/modifier convention of the date, retroactive windows
9     services not billed (``audit.not_billed``)                    —
10    report: drop the payer's suppressed rules; on a priced        ``suppress_rules``
      visit, each finding that denies a line carries its
      ``amount_at_risk`` (:mod:`~ot_billing_rules._audit_pricing`
      lists the rules); sort
====  ============================================================  =========================

A visit without a ``locality`` is not priced (``pricing`` is ``None``):
national GPCIs would be a guess at where the service was furnished.

Every input service appears in :attr:`AuditReport.services`: billed with its
units, or not billed with the reason (and a finding saying so).

>>> from ot_billing_rules import audit_visit
>>> report = audit_visit({
...     "date_of_service": "2024-07-01",
...     "services": [{"code": "97530", "minutes": 30}, {"code": "97535", "minutes": 15}],
... })
>>> [(line.code, line.units, line.modifiers) for line in report.lines]
[('97530', 2, ('GO',)), ('97535', 1, ('GO',))]
"""

from __future__ import annotations

# units and bundling are imported with this module, not per call: the package's
# own import stays light (this module loads on first use of the audit), and a
# function-level import is a look-up on every audit. The fee-schedule modules
# (_audit_pricing) load on the first priced visit.
import copy
import enum
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from . import _audit_payer, _audit_retro, _audit_telehealth
from ._display import Findings, Lines, as_findings, as_lines, report_html, report_repr
from ._fast import build, compact_pickle, keep, maker, slotted_base
from ._money import format_money
from ._provenance import edit_tables, fee_table, policy_table
from ._schema_version import SCHEMA_VERSION
from .bundling import Bundle, _mue_finding, _prepare_items, _service_lines, findings, hits
from .catalog import Code, TherapyList, check_code, get
from .errors import InvalidTypeError
from .findings import Finding, Severity, sort_findings
from .lines import ClaimLine
from .modifiers import (
    ASSISTANT_MODIFIERS,
    BYPASS_MODIFIERS,
    MAX_MODIFIERS,
    THERAPY_MODIFIERS,
    order_modifiers,
)
from .ncci import rebypass
from .options import DEFAULT_OPTIONS, AuditOptions, check_edits, coerce_options
from .payers import PayerPolicy
from .plan_of_care import POC_NOT_CHECKED, check_plan_of_care
from .sources import cite, data_version
from .terms import Discipline, UnitMethod
from .thresholds import KX_NOT_CHECKED, KXAssessment, assess_kx
from .units import UnitAllocation, compute_units, minutes_missing
from .visit import Service, Visit

if TYPE_CHECKING:
    from ._audit_pricing import VisitPricing
    from ._provenance import TableVersion
    from .ncci import EditData, MUEHit, PTPHit
    from .payment import ContractPricing, Pricing

__all__ = ["AuditReport", "AuditStatus", "ServiceOutcome", "audit_visit"]


class AuditStatus(str, enum.Enum):
    """Overall result: ``clean`` (no errors or warnings), ``warnings``, ``errors``."""

    CLEAN = "clean"
    WARNINGS = "warnings"
    ERRORS = "errors"

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> AuditStatus:
        """The status a report with ``findings`` has: its most severe finding decides."""
        worst = min((f.severity.rank for f in findings), default=2)
        return cls.ERRORS if worst == 0 else cls.WARNINGS if worst == 1 else cls.CLEAN


@compact_pickle
@attrs.frozen
@slotted_base
class ServiceOutcome:
    """What became of one input service.

    ``billed`` is whether it reached the claim; ``units`` the units billed
    (over all its lines); ``reason`` why it was not billed, or ``""``.
    """

    code: str
    minutes: int | None
    billed: bool
    units: int
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return attrs.asdict(self)


@compact_pickle
@attrs.frozen
@slotted_base
class AuditReport:
    """The audit of one visit.

    - ``visit``: the visit audited.
    - ``lines``: the claim lines (:class:`ClaimLine`) with units and modifiers,
      as a :class:`~ot_billing_rules.Lines` tuple (a short ``repr``,
      an HTML table in a notebook).
    - ``allocation``: the minutes-to-units result behind the lines (``None``
      when no service reached unit allocation).
    - ``kx``: the KX assessment, when the payer tracks KX and
      ``ytd_allowed`` was given.
    - ``findings``: every finding, sorted (errors first), as a
      :class:`~ot_billing_rules.Findings` tuple.
    - ``services``: one :class:`ServiceOutcome` per input service, in input order.
    - ``status``: ``errors`` if any finding is an error, else ``warnings`` if
      any is a warning, else ``clean``.
    - ``pricing``: the claim lines' Medicare dollars
      (:class:`~ot_billing_rules.payment.Pricing`) when the payer prices
      (``medicare_pricing``) and the visit names its ``locality``; else ``None``.
    - ``amount_at_risk``: on a priced visit, the allowed amount of the lines
      some finding denies, each line counted once; else ``None``.
    - ``contract_pricing``: for a policy priced from its own contracted rates
      (``PayerTerms.rates``, not ``medicare_pricing``), the lines so priced
      (:class:`~ot_billing_rules.payment.ContractPricing`); else ``None``.

    Its ``repr`` is one line (visit, payer, status, counts); in Jupyter it
    renders as HTML: visit id, patient, payer, status, KX totals, claim
    lines, pricing, services not billed and findings.
    - ``options``: the :class:`~ot_billing_rules.AuditOptions` the audit was
      given (``to_dict()["options"]`` shows every option's value and whether it
      came from the option, the payer policy or the default).
    - ``tables``: the NCCI tables the audit read, each with its release and
      digest (``to_dict()["tables"]`` adds the fee schedule and payer policy).
    """

    visit: Visit
    lines: Lines = attrs.field(converter=as_lines)
    allocation: UnitAllocation | None
    kx: KXAssessment | None
    findings: Findings = attrs.field(converter=as_findings)
    services: tuple[ServiceOutcome, ...]
    status: AuditStatus
    pricing: Pricing | None = None
    amount_at_risk: Decimal | None = None
    contract_pricing: ContractPricing | None = None
    options: AuditOptions = DEFAULT_OPTIONS
    tables: tuple[TableVersion, ...] = ()

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity error."""
        return tuple(f for f in self.findings if f.severity is Severity.ERROR)

    @property
    def explanation(self) -> str:
        """The report in words (same as :meth:`to_text`)."""
        return self.to_text()

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data; the schema is in ``docs/audit.md``."""
        alloc = self.allocation
        return {
            "visit_id": self.visit.visit_id,
            "date_of_service": self.visit.date_of_service.isoformat(),
            "payer": self.visit.payer.name,
            "discipline": self.visit.discipline.value,
            "setting": self.visit.setting.value,
            "status": self.status.value,
            "lines": [line.to_dict() for line in self.lines],
            "services": [s.to_dict() for s in self.services],
            "findings": [f.to_dict() for f in self.findings],
            "units": {
                "method": self.visit.payer.unit_method.value,
                "total_timed_minutes": alloc.total_timed_minutes if alloc else 0,
                "total_timed_units": alloc.total_timed_units if alloc else 0,
                "explanation": _explanation(alloc),
            },
            "kx": None if self.kx is None else self.kx.to_dict(),
            "pricing": None if self.pricing is None else self.pricing.to_dict(),
            "amount_at_risk": None if self.amount_at_risk is None else str(self.amount_at_risk),
            "visit": self.visit.to_dict(),
            "data_version": data_version().version,
            # Only when present: reports of Medicare-priced visits keep their shape.
            **(
                {"contract_pricing": self.contract_pricing.to_dict()}
                if self.contract_pricing is not None
                else {}
            ),
            "schema_version": SCHEMA_VERSION,
            "options": self.options.report(self.visit.payer),
            "tables": [t.to_dict() for t in self.used_tables()],
        }

    def used_tables(self) -> tuple[TableVersion, ...]:
        """Every table the audit read: the NCCI tables, the fee schedule when the
        visit was priced, and the payer policy, each with its release and digest."""
        fees = () if self.pricing is None else (fee_table(self.pricing.release),)
        return (*self.tables, *fees, policy_table(self.visit.payer))

    def to_text(self) -> str:
        """Plain-text rendering: header, claim lines, services not billed, findings.

        Text that came from the input (visit id, codes, modifiers, payer name,
        messages quoting them) is escaped: a newline, any other control or
        unprintable character and a backslash appear as Python-style escapes
        (``\\n``, ``\\x1b``, ``\\udcff``, ``\\\\``), so one report is exactly
        its own lines and no input can forge another line.
        """
        v = self.visit
        e = escape_text
        head = f"Visit {e(v.visit_id)} " if v.visit_id else "Visit "
        out = [
            f"{head}{v.date_of_service.isoformat()}  payer={e(v.payer.name)}  "
            f"discipline={e(v.discipline.value)}  setting={e(v.setting.value)}  "
            f"status={self.status.value}",
            "Claim lines:",
        ]
        if not self.lines:
            out.append("  (none)")
        for line in self.lines:
            mods = e(",".join(line.modifiers)) or "-"
            minutes = f"  ({line.minutes} min)" if line.minutes is not None else ""
            out.append(f"  {e(line.code)}  units={line.units}  modifiers={mods}{minutes}")
        if self.pricing is not None:
            p = self.pricing
            where = f"locality {e(p.locality)}" if p.locality else "national GPCIs"
            risk = format_money(self.amount_at_risk or Decimal(0))
            out.append(
                f"Medicare allowed {format_money(p.allowed)} (release {p.release}, {where}, "
                f"{'facility' if p.facility else 'non-facility'} rate); at risk {risk}"
            )
        skipped = [s for s in self.services if not s.billed]
        if skipped:
            out.append("Not billed:")
            out.extend(f"  {e(s.code)}: {e(s.reason)}" for s in skipped)
        for sev in Severity:
            group = [f for f in self.findings if f.severity is sev]
            if group:
                out.append(f"{sev.value.capitalize()}s:")
                for f in group:
                    codes = f" [{e(' '.join(f.codes))}]" if f.codes else ""
                    risk = (
                        ""
                        if f.amount_at_risk is None
                        else f" (at risk {format_money(f.amount_at_risk)})"
                    )
                    out.append(f"  {e(f.rule)}{codes}: {e(f.message)}{risk}")
                    if f.suggestion:
                        out.append(f"    -> {e(f.suggestion)}")
        return "\n".join(out)

    def __repr__(self) -> str:
        return report_repr(self)

    def _repr_html_(self) -> str:
        return report_html(self)


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_text(text: str) -> str:
    """``text`` with backslashes and unprintable characters escaped, for one-line output.

    Printable text (accents, CJK, symbols) is kept; a backslash, a line
    break, any control, format or separator character other than the space,
    and a lone surrogate become ``\\\\``, ``\\n``, ``\\x1b``, ``\\u2028``,
    ``\\udcff``. The result encodes to UTF-8 and holds no line break.

    >>> escape_text("v1\\nVisit forged")
    'v1\\\\nVisit forged'
    """
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_ESCAPES.get(c) or (c if c.isprintable() else _code_point(c)) for c in text)


def _code_point(char: str) -> str:
    n = ord(char)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def _explanation(alloc: UnitAllocation | None) -> str:
    if alloc is None:
        return ""
    return str(alloc.explanation)


def _coerce_visit(visit: Visit | Mapping[str, Any]) -> Visit:
    if isinstance(visit, Visit):
        return visit
    if isinstance(visit, Mapping):
        return Visit.from_dict(visit)
    raise InvalidTypeError(
        f"audit_visit takes a Visit or a mapping, not {type(visit).__name__} {visit!r}",
        value=visit,
        field="visit",
    )


@attrs.define
class _Work:
    """Mutable scratch state of one audit (never leaves this module)."""

    visit: Visit
    findings: list[Finding] = attrs.Factory(list)
    not_billed: dict[str, str] = attrs.Factory(dict)
    entries: dict[str, Code] = attrs.Factory(dict)
    by_code: dict[str, Service] = attrs.Factory(dict)
    # Decisions a step took from a payer flag, for the steps after it.
    method: UnitMethod = UnitMethod.CMS
    assistant_lines: bool = True
    # Codes the allocation split into therapist and assistant (CQ/CO) lines.
    split_codes: frozenset[str] = frozenset()
    discipline: Discipline | None = None
    priced: VisitPricing | None = None
    contract: ContractPricing | None = None
    # The bundle the edit findings were worded from and its MUE hits (amounts at risk).
    bundle: Bundle | None = None
    mue: tuple[MUEHit, ...] = ()
    options: AuditOptions = DEFAULT_OPTIONS
    # The NCCI tables the edits step read (none when no line reached it).
    tables: tuple[TableVersion, ...] = ()

    def skip(self, code: str, reason: str) -> None:
        self.not_billed.setdefault(code, reason)


def audit_visit(
    visit: Visit | Mapping[str, Any],
    *,
    policies: Iterable[PayerPolicy] | None = None,
    edits: EditData | None = None,
    options: AuditOptions | Mapping[str, Any] | None = None,
) -> AuditReport:
    """Audit one date of service; return the claim lines and every finding.

    ``visit`` is a :class:`Visit` or a mapping in the shape
    :meth:`Visit.from_dict` reads. Rule sources: units — Pub. 100-04 Ch. 5
    §20.2 (CMS) or CPT per-code (AMA); CO/CQ — Pub. 100-04 Ch. 5 §20.1;
    GO/GP/GN — MAC therapy-modifier guidance; KX — CMS Therapy
    Services page; plan-of-care timing — Pub. 100-02 Ch. 15 §220; edits —
    the NCCI release in force on the date. Which of them apply is the payer
    policy's choice (:class:`~ot_billing_rules.payers.PayerPolicy`).
    ``policies``: the caller's own policies; a visit's ``payer`` name is
    looked up among them first (never registered globally).

    ``edits``: the NCCI edit data to check against
    (:meth:`EditSet.from_cms_files <ot_billing_rules.EditSet.from_cms_files>`,
    :meth:`EditSet.open <ot_billing_rules.EditSet.open>`); it overrides the
    payer policy's ``edits``, which overrides the bundled release.
    ``options``: an :class:`~ot_billing_rules.AuditOptions` (or a mapping of
    its fields) with the choices the findings suggest; each overrides the
    payer policy's value, which overrides the bundled default. The report
    records the options and the tables used.
    """
    if policies is not None:
        visit = _audit_payer.with_policies(visit, policies)
    chosen = coerce_options(options)
    data = check_edits(edits)
    v = _coerce_visit(visit)
    work = _Work(_with_edits(v, data) if data is not None else v)
    work.options = chosen
    work.by_code = {s.code: s for s in v.services}
    usable = [s for s in v.services if _usable(work, s)]
    allocation = _allocate(work, usable) if usable else None
    lines = list(allocation.lines) if allocation is not None else []
    lines = _decorate_all(work, lines)
    _price(work, lines)
    kx = _kx(work)
    if kx is not None and kx.kx_required is True:
        lines = _add_kx(work, lines)
    if lines:
        lines = _bundle(work, lines)
    lines = _fit_all(work, lines)
    _plan(work)
    work.findings.extend(_audit_retro.retroactive_findings(v))
    _payer_rules(work, lines)
    work.findings.extend(_audit_telehealth.telehealth_findings(v, lines))
    outcomes = _outcomes(work, lines, allocation)
    kept = [f for f in work.findings if not v.payer.suppresses(f.rule)]
    pricing, at_risk = _at_risk(work, kept, lines)
    findings = sort_findings(kept)
    return AuditReport(
        visit=v,
        lines=tuple(lines),
        allocation=allocation,
        kx=kx,
        findings=findings,
        services=outcomes,
        status=AuditStatus.of(findings),
        pricing=pricing,
        amount_at_risk=at_risk,
        contract_pricing=work.contract,
        options=chosen,
        tables=work.tables,
    )


def _with_edits(v: Visit, edits: EditData) -> Visit:
    """The visit as the steps see it: its payer reading ``edits``.

    The report keeps the caller's visit; a copy carries the policy, so a
    versioned built-in payer is not re-selected (and its edits dropped) by
    the visit's constructor.
    """
    work = copy.copy(v)
    object.__setattr__(work, "payer", attrs.evolve(v.payer, edits=edits))
    return work


def _usable(work: _Work, s: Service) -> bool:
    entry, problem, reason = check_code(s.code, on=work.visit.date_of_service)
    if entry is None:
        if problem is not None:
            work.findings.append(problem)
        work.skip(s.code, reason)
        return False
    work.entries[s.code] = entry
    if entry.timed and s.minutes is None:
        work.findings.append(minutes_missing(s.code))
        work.skip(s.code, "timed code without minutes")
        return False
    return True


def _allocate(work: _Work, services: Sequence[Service]) -> UnitAllocation:
    v = work.visit
    policy = v.payer
    work.method = policy.unit_method
    work.assistant_lines = policy.assistant_modifiers
    minutes = {s.code: s.minutes for s in services}
    assistant = {s.code: s.assistant_minutes for s in services if s.assistant_minutes}
    if assistant and not policy.assistant_modifiers:
        work.findings.append(
            Finding(
                "payer.assistant_minutes_unused",
                Severity.INFO,
                tuple(sorted(assistant)),
                f"Payer {policy.name} does not use the CO/CQ assistant modifiers; the assistant "
                "minutes were counted with the rest.",
                source=f"{cite('payer_policy')} {policy.name}",
            )
        )
    helper = {k: int(m) for k, m in assistant.items()} if assistant else None
    method, why = _audit_payer.unit_method(
        v, policy.unit_method, minutes, helper if policy.assistant_modifiers else None
    )
    work.method = method
    if why is not None:
        work.findings.append(why)
    opts = work.options
    allocation = compute_units(
        minutes,
        method=method,
        on=v.date_of_service,
        assistant_minutes=helper if policy.assistant_modifiers else None,
        discipline=v.discipline.value,
        tie_break=opts.tie_break or "minutes",
        prefer=opts.prefer,
        assistant_policy=opts.assistant_policy,
        hour_rule=opts.hour_rule or "midpoint",
    )
    for finding in getattr(allocation, "findings", ()) or ():
        if isinstance(finding, Finding):
            work.findings.append(finding)
    return allocation


def _is_therapy(work: _Work, code: str) -> bool:
    entry = work.entries.get(code)
    return entry is not None and entry.therapy_list is not TherapyList.NONE


def _decorate_all(work: _Work, lines: Sequence[ClaimLine]) -> list[ClaimLine]:
    v = work.visit
    # A payer without therapy modifiers gets none added, and no check asks for them.
    work.discipline = v.discipline if v.payer.discipline_modifiers else None
    work.split_codes = frozenset(
        ln.code for ln in lines if any(m in ASSISTANT_MODIFIERS for m in ln.modifiers)
    )
    return [_decorate(work, line) for line in lines]


def _decorate(work: _Work, line: ClaimLine) -> ClaimLine:
    v = work.visit
    applies = work.discipline is not None
    # An add-on line the allocation derived (e.g. 97130 from cognitive minutes
    # given under 97129) takes the modifiers of the service it came from.
    service = work.by_code.get(line.code)
    if service is None:
        derived = get(line.code)
        bases = derived.add_on_to if derived is not None else ()
        service = next((s for s in v.services if s.code in bases), None)
    supplied = service.modifiers if service is not None else ()
    if line.code not in work.entries:
        entry = get(line.code)
        if entry is not None:
            work.entries[line.code] = entry
    if _QUICK_DECORATE and not supplied and not line.modifiers:
        # Most lines: nothing typed and nothing from the allocation, so at most the
        # discipline's own modifier, already in the billing order.
        therapy = applies and _is_therapy(work, line.code)
        return _make_line(
            line.code, line.units, (v.discipline.therapy_modifier,) if therapy else (), line.minutes
        )
    mods = list(line.modifiers)
    if not work.assistant_lines:
        mods = [m for m in mods if m not in ASSISTANT_MODIFIERS]
    own = v.discipline.therapy_modifier
    therapy = _is_therapy(work, line.code)
    # Where the allocation split a code into therapist and assistant lines, it
    # put the discipline's CQ/CO on the assistant's units only; a CQ/CO typed by
    # the caller, copied onto the therapist's line too, would cut its pay. Where
    # nothing was split, a typed CQ/CO stays as the caller gave it.
    split = work.assistant_lines and line.code in work.split_codes
    for m in supplied:
        if split and m in ASSISTANT_MODIFIERS:
            own_assistant = v.discipline.assistant_modifier
            if m != own_assistant and any(x in ASSISTANT_MODIFIERS for x in line.modifiers):
                work.findings.append(
                    Finding(
                        "modifier.discipline_mismatch",
                        Severity.ERROR,
                        (line.code,),
                        f"{line.code} carries {m}, but on this {v.discipline.value} visit its "
                        f"assistant's units carry {own_assistant}; {m} was dropped.",
                        suggestion=f"Use {own_assistant} for a {v.discipline.value} "
                        "assistant's units.",
                        source=cite("cms_assistant_modifiers"),
                    )
                )
            continue
        if m in THERAPY_MODIFIERS and applies and therapy and m != own:
            work.findings.append(
                Finding(
                    "modifier.discipline_mismatch",
                    Severity.ERROR,
                    (line.code,),
                    f"{line.code} carries {m}, but this is a {v.discipline.value} visit "
                    f"({own}); {m} was replaced by {own}.",
                    suggestion=f"Bill each discipline under its own plan of care; use {own} "
                    f"for {v.discipline.value}.",
                    source=cite("hcpcs_therapy_modifiers"),
                )
            )
            continue
        mods.append(m)
    if applies and therapy:
        mods.append(own)
    # Every modifier here is already normalised (the line's, the Service's, or a constant).
    return _make_line(line.code, line.units, order_modifiers(mods), line.minutes)


#: Claim lines and service outcomes from values already checked (normalised codes,
#: ordered modifiers): attrs' own constructor would run the converters again.
_make_line = maker(ClaimLine)
_make_outcome = maker(ServiceOutcome)

#: The shortcut for a line without modifiers; tests turn it off to compare with the
#: general path (tests/perf_equality/test_audit_shortcuts.py).
_QUICK_DECORATE = True


def _add_kx(work: _Work, lines: Sequence[ClaimLine]) -> list[ClaimLine]:
    # KX has its own place in the billing order, so adding it last orders the
    # line as if it had been there from the start.
    return [
        build(ClaimLine, ln.code, ln.units, order_modifiers([*ln.modifiers, "KX"]), ln.minutes)
        if _is_therapy(work, ln.code)
        else ln
        for ln in lines
    ]


def _price(work: _Work, lines: Sequence[ClaimLine]) -> None:
    v = work.visit
    if not v.payer.medicare_pricing or v.locality is None:
        return
    from ._audit_pricing import price_visit  # the fee schedule loads on the first priced visit

    work.priced = price_visit(v, lines)
    work.findings.extend(work.priced.findings)


def _kx(work: _Work) -> KXAssessment | None:
    v = work.visit
    if not v.payer.kx_threshold:
        return None
    if v.ytd_allowed is None:
        work.findings.append(KX_NOT_CHECKED)
        return None
    amount = v.visit_allowed
    priced = work.priced
    if amount is None and priced is not None and priced.pricing is not None:
        from ._audit_pricing import kx_amount, note_computed_amount

        amount = kx_amount(priced, v.discipline.kx_bucket)
        assessment = assess_kx(v.ytd_allowed, amount, on=v.date_of_service, discipline=v.discipline)
        if amount is not None:
            assessment = note_computed_amount(assessment, priced.pricing)
    else:
        assessment = assess_kx(v.ytd_allowed, amount, on=v.date_of_service, discipline=v.discipline)
    work.findings.extend(assessment.findings)
    return assessment


def _at_risk(
    work: _Work, findings: list[Finding], lines: Sequence[ClaimLine]
) -> tuple[Pricing | None, Decimal | None]:
    """The report's pricing and amount at risk; ``findings`` get their amounts in place."""
    priced = work.priced
    if priced is None or priced.pricing is None:
        return None, _contract_at_risk(work, findings, lines)
    from ._audit_pricing import amounts_at_risk, relabel

    pricing = relabel(priced.pricing, lines)
    per_line: dict[Finding, int] = {}
    if work.bundle is not None and any(h.scope == "per_line" for h in work.mue):
        per_line = {
            _mue_finding(work.bundle, h): h.units for h in work.mue if h.scope == "per_line"
        }
    findings[:], total = amounts_at_risk(findings, pricing, per_line)
    return pricing, total


def _contract_at_risk(
    work: _Work, findings: list[Finding], lines: Sequence[ClaimLine]
) -> Decimal | None:
    """A non-Medicare policy with contracted rates: price ``lines`` from them
    and set the findings' amounts at risk; ``None`` otherwise."""
    if not _audit_payer.prices_from_contract(work.visit.payer):
        # The fee-schedule modules stay unloaded, and no import look-up per visit.
        return None
    from ._audit_pricing import amounts_at_risk, contract_price

    contract = contract_price(work.visit, lines)
    if contract is None:
        return None
    work.contract = contract
    per_line: dict[Finding, int] = {}
    if work.bundle is not None and any(h.scope == "per_line" for h in work.mue):
        per_line = {
            _mue_finding(work.bundle, h): h.units for h in work.mue if h.scope == "per_line"
        }
    caps = _audit_payer.cap_excess(work.visit.payer, lines, work.entries)
    findings[:], total = amounts_at_risk(findings, contract, per_line, caps)
    return total


def _plan(work: _Work) -> None:
    v = work.visit
    if not v.payer.plan_of_care_timing:
        return
    if v.plan_of_care is None:
        work.findings.append(POC_NOT_CHECKED)
        return
    work.findings.extend(check_plan_of_care(v.plan_of_care, v.date_of_service))


def _payer_rules(work: _Work, lines: Sequence[ClaimLine]) -> None:
    terms = work.visit.payer.terms
    if terms is not None:
        work.findings.extend(_audit_payer.payer_findings(work.visit, terms, lines, work.entries))


def _fit(line: ClaimLine) -> ClaimLine:
    """The line as the claim can carry it: the first four modifiers of the billing order."""
    if len(line.modifiers) <= MAX_MODIFIERS:
        return line
    return build(ClaimLine, line.code, line.units, line.modifiers[:MAX_MODIFIERS], line.minutes)


def _fit_all(work: _Work, lines: Sequence[ClaimLine]) -> list[ClaimLine]:
    out: list[ClaimLine] = []
    for line in lines:
        fitted = _fit(line)
        dropped = line.modifiers[MAX_MODIFIERS:]
        if dropped:
            kept = ", ".join(fitted.modifiers)
            left = ", ".join(dropped)
            verb = "is" if len(dropped) == 1 else "are"
            work.findings.append(
                Finding(
                    "modifier.too_many",
                    Severity.ERROR,
                    (line.code,),
                    f"{line.code} ({line.units} unit(s)) needs {len(line.modifiers)} modifiers "
                    f"but a claim line holds {MAX_MODIFIERS}: it keeps {kept}; {left} {verb} "
                    "left off.",
                    suggestion=f"Choose which {MAX_MODIFIERS} modifiers the line needs: {left} "
                    f"{verb} not on the claim as it stands.",
                    source=cite("cms_claim_line_modifiers"),
                )
            )
        out.append(fitted)
    return out


def _bundle_of(work: _Work, lines: Sequence[ClaimLine]) -> Bundle:
    v = work.visit
    work.tables = edit_tables(v.payer.edits)
    return _prepare_items(
        # Checked as billed: a modifier past the fourth is not on the claim.
        _service_lines(lines, MAX_MODIFIERS),
        v.date_of_service,
        v.setting,
        v.payer.edits,
        # A payer without therapy modifiers must not be told to add GO/GP/GN.
        work.discipline,
        work.options.bypass or "either",
    )


def _rebypassed(bundle: Bundle, ptp: tuple[PTPHit, ...]) -> tuple[PTPHit, ...]:
    return rebypass(ptp, bundle.by_code, on=bundle.day, placement=bundle.placement)


def _with_bypass(lines: Sequence[ClaimLine], codes: set[str], mod: str) -> list[ClaimLine]:
    # build, not evolve: the line may hold more than four modifiers until _fit_all.
    return [
        build(ClaimLine, ln.code, ln.units, order_modifiers([*ln.modifiers, mod]), ln.minutes)
        if ln.code in codes
        else ln
        for ln in lines
    ]


def _bundle(work: _Work, lines: list[ClaimLine]) -> list[ClaimLine]:
    """NCCI and structural edits; the bypass modifier placed from the PTP hits.

    The edit data is asked once (:func:`~ot_billing_rules.bundling.hits`):
    adding a modifier changes only whether an edit is bypassed, which
    :func:`~ot_billing_rules.ncci.rebypass` re-reads from the same hits.
    """
    v = work.visit
    policy: PayerPolicy = v.payer
    bundle = _bundle_of(work, lines)
    if not policy.ncci_edits or _audit_payer.edits_program_mismatch(policy) is not None:
        # No NCCI findings also means no bypass modifier is tried or added;
        # the other program's rows are never checked in place of the payer's.
        work.findings.extend(findings(bundle, (), (), ncci=False))
        return lines
    ptp, mue = hits(bundle)
    work.bundle, work.mue = bundle, mue
    separate = {s.code for s in v.services if s.separate_interval}
    # Column 2 is the line the engines deny, and where CMS advises the bypass.
    tried: dict[tuple[str, ...], str] = {}
    for hit in ptp:
        if not hit.bypassed and separate & set(hit.codes):
            column2 = hit.column_2
            billed = (m for ln in lines if ln.code == column2 for m in _fit(ln).modifiers)
            if not any(m in BYPASS_MODIFIERS for m in billed):
                tried[hit.codes] = column2
    if not tried:
        work.findings.extend(findings(bundle, ptp, mue))
        return lines
    modifier = work.options.bypass_modifier or policy.bypass_modifier
    targets = set(tried.values())
    trial_lines = _with_bypass(lines, targets, modifier)
    trial_bundle = _bundle_of(work, trial_lines)
    trial = _rebypassed(trial_bundle, ptp)
    # Keep the modifier only where it removed the edit (indicator 1); an
    # indicator-0 edit cannot be bypassed and keeps its finding.
    still = {h.codes for h in trial if not h.bypassed}
    keep = {code for codes, code in tried.items() if codes not in still}
    if keep:
        if keep == targets:  # the usual case: the trial is the final claim
            final_lines, final, final_ptp = trial_lines, trial_bundle, trial
        else:
            final_lines = _with_bypass(lines, keep, modifier)
            final = _bundle_of(work, final_lines)
            final_ptp = _rebypassed(final, ptp)
        work.bundle = final
        work.findings.extend(findings(final, final_ptp, mue))
    else:
        final_lines = lines
        work.findings.extend(findings(bundle, ptp, mue))
    for codes, code in sorted(tried.items()):
        if code in keep:
            work.findings.append(
                Finding(
                    "audit.bypass_added",
                    Severity.INFO,
                    codes,
                    f"{modifier} was added to {code} to bypass the "
                    f"{' / '.join(codes)} PTP edit, because the documentation says the services "
                    "were furnished in separate time intervals.",
                    suggestion="The record must show the separate intervals (never the same "
                    "15-minute block).",
                    source=cite("ncci_bypass_added"),
                )
            )
    return final_lines


def _outcomes(
    work: _Work, lines: Sequence[ClaimLine], allocation: UnitAllocation | None
) -> tuple[ServiceOutcome, ...]:
    out: list[ServiceOutcome] = []
    billed: dict[str, int] = {}
    for ln in lines:
        billed[ln.code] = billed.get(ln.code, 0) + ln.units
    # A code family (97129 + 97130) may bill one service's units under the
    # other code (97130's first unit is labelled 97129): credit the units to
    # the service that furnished the minutes, not to the line's label.
    credited: dict[str, int] = {}
    if allocation is not None:
        for row in allocation.services:
            if len(row.codes) == 1:
                credited[row.codes[0]] = row.units
    skipped = work.not_billed
    make = _make_outcome  # positional: code and minutes come from a checked Service
    for s in work.visit.services:
        code = s.code
        if code in skipped:
            out.append(make(code, s.minutes, False, 0, skipped[code]))
            continue
        units = credited.get(code, billed.get(code, 0))
        if units == 0:
            finding, reason = _not_billed(code, s.minutes, work.method)
            work.findings.append(finding)
            out.append(make(code, s.minutes, False, 0, reason))
            continue
        out.append(make(code, s.minutes, True, units, ""))
    return tuple(out)


#: ``audit.not_billed`` worded once per (code, minutes, method): findings are frozen,
#: so one instance serves every visit that leaves the same minutes unbilled.
_NOT_BILLED: dict[tuple[str, int | None, UnitMethod], tuple[Finding, str]] = {}
_MAX_NOT_BILLED = 4096


def _not_billed(code: str, minutes: int | None, method: UnitMethod) -> tuple[Finding, str]:
    """The finding and the outcome's reason for a service whose minutes bill no unit."""
    key = (code, minutes, method)
    hit = _NOT_BILLED.get(key)
    if hit is not None:
        return hit
    name = method.value.upper()
    reason = f"{minutes} minutes give no billable unit under the {name} method"
    made = Finding(
        "audit.not_billed",
        Severity.INFO,
        (code,),
        f"{code} is not billed: {reason}.",
        suggestion="Nothing to bill; keep the minutes in the record (they count "
        "toward total treatment time).",
        source=cite("cms_timed_codes") if name == "CMS" else cite("cpt_time_rule_short"),
    )
    return keep(_NOT_BILLED, key, (made, reason), _MAX_NOT_BILLED)
