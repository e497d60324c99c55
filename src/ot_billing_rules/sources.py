"""Where the rules come from: citations, rule ids and the provenance of the data.

Three declared tables, so a citation or a rule id is written once:

- :data:`CITATIONS`: every public source the library cites, by id, with its
  :class:`Evidence` grade; :func:`cite` gives the text ``Finding.source``
  shows.
- :data:`RULES`: every rule id a :class:`~ot_billing_rules.Finding` can carry,
  with its family, default severity, citations and meaning.
- :func:`data_version`: every package-data file with its public source, its
  release and its sha256, and a short digest over all of them: two results
  computed with the same ``version`` used the same rule data.

>>> cite("cms_8_minute_rule")
'CMS Pub. 100-04 Ch. 5 §20.2 (8-minute rule, Examples 1-5)'
>>> r = rule("ncci.ptp")
>>> (r.family, r.severity.value, r.citation)
('ncci', 'error', 'ncci_edits')

**One evidence scale.** :class:`Evidence` grades every citation. The letter
grades some data rows and docstrings use map onto it with
:meth:`Evidence.from_grade`: A (CMS data or text) and B (CMS or contractor
text) are ``source``, C (trade or association text) is ``weak_source``,
D is ``inferred``; anything else (a caller-supplied amount) is ``unverified``.

>>> Evidence.from_grade("B"), Evidence.from_grade("C")
(<Evidence.SOURCE: 'source'>, <Evidence.WEAK_SOURCE: 'weak_source'>)
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from ._data import once, read_json
from .errors import InvalidOptionError
from .findings import Severity

__all__ = [
    "CITATIONS",
    "RULES",
    "Citation",
    "DataFile",
    "DataVersion",
    "Evidence",
    "Rule",
    "check_rule_prefix",
    "cite",
    "data_version",
    "rule",
]


class Evidence(str, enum.Enum):
    """How well a fact is sourced: the library's one evidence scale.

    ``source``: CMS, contractor or statute text (letter grades A and B);
    ``weak_source``: trade or association text (grade C); ``inferred``: the
    library's reading where no text settles it (grade D); ``unverified``:
    not checked against any source (a caller-supplied amount).
    """

    SOURCE = "source"
    WEAK_SOURCE = "weak_source"
    INFERRED = "inferred"
    UNVERIFIED = "unverified"

    @classmethod
    def from_grade(cls, grade: str) -> Evidence:
        """Map a letter grade (``"A"``-``"D"``, as in the KX data) onto this scale.

        ``"A + B"`` and ``"B via C"`` take their first letter. Anything that is
        not a letter grade (``"user"``) is :attr:`UNVERIFIED`.
        """
        letter = grade.strip()[:1].upper() if isinstance(grade, str) else ""
        return _GRADES.get(letter, cls.UNVERIFIED)


_GRADES = {
    "A": Evidence.SOURCE,
    "B": Evidence.SOURCE,
    "C": Evidence.WEAK_SOURCE,
    "D": Evidence.INFERRED,
    # The payer research grades the project's own inference "I".
    "I": Evidence.INFERRED,
}


@attrs.frozen
class Citation:
    """One public source, exactly as ``Finding.source`` shows it.

    A finding's source is the citation text, or the text followed by what
    the case adds (``"; 2024 amount: ..."``, a release). ``data`` names the
    package-data file whose rows carry their own per-code source instead (the
    finding then cites the row).
    """

    id: str
    text: str
    evidence: Evidence
    url: str | None = None
    data: str | None = None


@attrs.frozen
class Rule:
    """One rule id a finding can carry.

    ``severity`` is the default: the severity the finding carries unless
    ``severities`` lists the other cases (``modifier.therapy_missing`` is a
    warning for a sometimes-therapy code). ``citations`` are citation ids;
    the first is the rule's main one, and every finding cites one of them.
    """

    id: str
    family: str
    severity: Severity
    citations: tuple[str, ...]
    meaning: str
    also: tuple[Severity, ...] = ()

    @property
    def citation(self) -> str:
        """The main citation id."""
        return self.citations[0]

    @property
    def evidence(self) -> Evidence:
        """The evidence grade of the main citation."""
        return CITATIONS[self.citations[0]].evidence

    @property
    def severities(self) -> frozenset[Severity]:
        """Every severity a finding of this rule may carry."""
        return frozenset((self.severity, *self.also))


_S, _W, _I, _U = Evidence.SOURCE, Evidence.WEAK_SOURCE, Evidence.INFERRED, Evidence.UNVERIFIED
_PUB_100_02 = "CMS Pub. 100-02 Ch. 15"

_CITATIONS = (
    # units: minutes to units
    Citation(
        "cms_8_minute_rule",
        "CMS Pub. 100-04 Ch. 5 §20.2 (8-minute rule, Examples 1-5)",
        _S,
        "https://www.cms.gov/Regulations-and-Guidance/Guidance/Manuals/Downloads/clm104c05.pdf",
    ),
    Citation("cms_timed_codes", "CMS Pub. 100-04 Ch. 5 §20.2", _S),
    Citation(
        "cms_timed_codes_day",
        "CMS Pub. 100-04 Ch. 5 §20.2 (total timed minutes per day and discipline)",
        _S,
    ),
    Citation("cpt_time_rule_short", "CPT time rule (per code)", _W),
    Citation(
        "cms_assistant_modifiers",
        "SSA §1834(v); CMS Pub. 100-04 Ch. 5 §20.1; CY 2020 PFS 84 FR 62702-62707; "
        "CY 2022 PFS 86 FR 64996 (as summarised by AOTA/APTA)",
        _S,
    ),
    Citation(
        "cpt_monthly_time", "CPT/HCPCS code descriptors (time counted per calendar month)", _S
    ),
    Citation(
        "cpt_code_family",
        "CPT code descriptors (first unit / each additional); one service under CMS "
        "Pub. 100-04 Ch. 5 §20.2 (inferred by ot-billing-rules)",
        _I,
    ),
    # codes
    Citation("catalog", "ot_billing_rules code catalog", _S),
    Citation("catalog_history", "CPT/HCPCS code history (ot_billing_rules code catalog)", _S),
    # evaluation and re-evaluation
    Citation(
        "eval_descriptors",
        "CPT code descriptors, per code, as published",
        _W,
        data="evaluation_levels.json",
    ),
    Citation(
        "eval_deficit_boundary",
        "CPT descriptors 97165-97167 (overlapping deficit ranges); boundary policy inferred "
        "by ot-billing-rules (no AMA or AOTA text settles it)",
        _I,
    ),
    Citation(
        "eval_all_components",
        "all-components rule: MMP (2017-04-04), Ensora Health, Clinicient (OT); APTA Pelvic "
        "Health, Theraplatform (PT); athletic training by analogy, inferred by ot-billing-rules",
        _I,
    ),
    Citation("cms_reevaluation", f"{_PUB_100_02} §220.3.C", _S),
    Citation(
        "cms_reevaluation_at",
        f"{_PUB_100_02} §220.3.C by analogy; inferred by ot-billing-rules (no public source "
        "addresses athletic-trainer re-evaluations)",
        _I,
    ),
    Citation("cms_assessment", f"{_PUB_100_02} §220 A (definition of assessment)", _S),
    Citation("cms_episode", f"{_PUB_100_02} §220 A (definition of episode)", _S),
    Citation("cms_progress_report", f"{_PUB_100_02} §220.3.D", _S),
    Citation(
        "mac_a53309",
        "MAC article A53309 (outpatient PT/OT billing), as quoted by learnmedicarebilling.com",
        _W,
    ),
    # plan of care
    Citation("cms_poc", f"{_PUB_100_02} §220", _S),
    Citation(
        "cms_poc_progress",
        f"{_PUB_100_02} §220.3.D (progress report timing)",
        _S,
    ),
    Citation("cms_poc_certification", f"{_PUB_100_02} §220.1.3.B; 42 CFR 424.24(c)", _S),
    Citation(
        "cms_poc_recertification",
        f"{_PUB_100_02} §220.1.3 and §220.1.3.C; 42 CFR 424.24(c), 410.61(e)",
        _S,
    ),
    Citation(
        "cms_poc_order_exception",
        "CY2025 Medicare PFS final rule (42 CFR 424.24(c): a signed order/referral and the "
        "plan of care sent within 30 days satisfy initial certification, from 2025-01-01)",
        _W,
    ),
    # KX threshold
    Citation(
        "kx_threshold",
        "SSA §1833(g)(7) (BBA 2018 §50202); CMS Therapy Services page; MAC KX pages "
        "(Noridian JE, NGS)",
        _S,
    ),
    Citation(
        "kx_targeted_review",
        "SSA §1833(g)(7)(B) (BBA 2018 §50202); CMS MLN MM11055; Noridian JE and NGS KX pages",
        _S,
    ),
    Citation("kx_therapy_services", "CMS Therapy Services page (KX threshold)", _S),
    Citation(
        "kx_therapy_cap",
        "SSA §1833(g) (BBA 1997 §4541; exceptions process DRA 2005 §5107, extended through "
        "2017-12-31 by MACRA 2015 §202; manual review at $3,700 from 2012-10-01, MCTRJCA 2012 "
        "§3005); CMS Pub. 100-04 Ch. 5 §10.2",
        _S,
    ),
    Citation("caller", "amount supplied by the caller", _U),
    # dated coverage and code recognition
    Citation(
        "cms_97127_g0515",
        "CY2018 Medicare PFS final rule (97127 not recognised; G0515 paid 2018-2019; "
        "97129/97130 from 2020); AOTA 2017-12-22; ASHA 2019-02-06",
        _S,
    ),
    Citation(
        "ncd_acupuncture",
        "CMS NCD 30.3 (acupuncture, non-covered) and NCD 30.3.3 (Pub. 100-03, acupuncture for "
        "chronic low back pain, effective 2020-01-21: physicians, PAs, NPs/CNSs, auxiliary "
        "personnel only)",
        _S,
    ),
    Citation("payer_policy", "payer policy", _U),
    # The payer records' own public sources (each record names its URLs and grade).
    Citation("payer_record", "the payer's published policy", _S, data="payers.json"),
    Citation("epsdt", "42 U.S.C. 1396d(r)(5) (EPSDT); CMS, EPSDT - A Guide for States (2014)", _S),
    Citation(
        "medicaid_ncci",
        "SSA §1903(r) (ACA §6507); CMS SMD #10-017 (Medicaid NCCI edit files)",
        _S,
    ),
    # NCCI edits and fee-schedule status
    Citation("ncci_edits", "CMS NCCI", _S),
    Citation(
        "ncci_ptp_history",
        "CMS NCCI PTP edit history (edits changed retroactively, as CMS published them)",
        _S,
    ),
    Citation(
        "pfs_status",
        "CMS National Physician Fee Schedule Relative Value File, status indicator "
        "(RVU file documentation)",
        _S,
    ),
    Citation("pfs_rvu_file", "CMS PFS Relative Value File", _S),
    Citation("pfs_formula", "payment formula per the RVU file documentation (SSA §1848(b))", _S),
    Citation("cms_therapy_mppr", "Pub. 100-04 Ch. 5 §10.7", _S),
    # add-on codes and modifiers
    Citation("cpt_addon", "CPT add-on code convention; code catalog add-on links", _S),
    Citation(
        "cpt_once_per_day",
        "CPT descriptor structure (initial block + add-on); CMS NCCI MUE 1 for 97129 and 97545",
        _S,
    ),
    Citation(
        "hcpcs_modifiers", "HCPCS/CPT modifier descriptors; MAC therapy-modifier guidance", _S
    ),
    Citation(
        "hcpcs_therapy_modifiers",
        "HCPCS GO/GP/GN descriptors; MAC therapy-modifier guidance",
        _S,
    ),
    Citation(
        "ncci_modifier_59",
        "NCCI Policy Manual Ch. I (59 only when no more specific modifier fits); "
        "CMS CR 8863 (X{EPSU})",
        _S,
    ),
    Citation(
        "cms_x_modifiers",
        "CMS CR 8863 (MLN Matters MM8863: X{EPSU} modifiers, subsets of modifier 59); "
        "CMS MLN fact sheet MLN1783722, Proper Use of Modifiers 59, XE, XP, XS & XU",
        _S,
    ),
    Citation(
        "cms_claim_line_modifiers",
        "CMS Pub. 100-04 Ch. 26 §10.4 (item 24D, up to four modifiers); "
        "X12 837P SV101-3 to SV101-6",
        _S,
    ),
    Citation(
        "ncci_modifier_placement",
        "NCCI Policy Manual Ch. I (25 on E/M lines only; 59 and X{EPSU} never on E/M)",
        _S,
    ),
    Citation(
        "ncci_bypass_added", "NCCI Policy Manual Ch. I and XI; CMS modifier 59 fact sheet", _S
    ),
    # claim export
    Citation(
        "x12_837p_sv1",
        "ASC X12 005010X222A1 (837P) loop 2400: LX, SV1 (SV101-SV111), DTP*472, REF*6R",
        _S,
    ),
    Citation(
        "x12_837i_sv2",
        "ASC X12 005010X223A2 (837I) loop 2400: LX, SV2 (SV201-SV207), DTP*472, REF*6R",
        _S,
    ),
    Citation(
        "cms_1500_item_24",
        "NUCC 1500 Claim Form Reference Instruction Manual, items 24A-24J; "
        "CMS Pub. 100-04 Ch. 26 §10.4",
        _S,
    ),
    Citation(
        "nubc_ub04",
        "NUBC UB-04 Data Specifications, FL 42-47; CMS Pub. 100-04 Ch. 25 §75",
        _S,
    ),
    Citation(
        "cms_therapy_revenue_codes",
        "CMS Pub. 100-04 Ch. 5 §40.3 (revenue codes 042x PT, 043x OT, 044x SLP; NUBC)",
        _S,
    ),
    Citation(
        "cms_therapy_institutional_edits",
        "CMS Pub. 100-04 Ch. 5 §20.1 (one of GN/GO/GP a line, matching 044x/043x/042x); "
        "CMS Transmittal 2091 (MM7170)",
        _S,
    ),
    Citation(
        "cms_line_item_dates",
        "CMS Pub. 100-04 Ch. 5 §40.5 (line-item date of service); X12 DTP*472 D8 CCYYMMDD",
        _S,
    ),
    Citation(
        "mac_one_line_per_code",
        "First Coast Service Options: a timed therapy code on one line per date of service "
        "(claims received from 2021-04-19); CMS Pub. 100-04 Ch. 5 §20.2",
        _S,
    ),
    Citation("fhir_r4_claim", "HL7 FHIR R4 (4.0.1) Claim and OperationOutcome", _S),
    # Medicare telehealth for therapists (each telehealth.json row names its own source)
    Citation(
        "telehealth_practitioners",
        "SSA §1834(m)(4)(E): PT/OT/SLP as telehealth practitioners only under the PHE waiver "
        "(SSA §1135(b)(8), CARES Act §3703; CMS 2020-04-30) and its extensions (CAA 2023 Div. FF "
        "§4113; American Relief Act, 2025; H.R. 1968 (2025); Pub. L. 119-37; CAA 2026, H.R. 7148)",
        _W,
    ),
    Citation(
        "telehealth_list",
        "CMS Medicare Telehealth Services List (CMS-1744-IFC; CY 2021-2026 PFS final rules)",
        _W,
    ),
    Citation(
        "telehealth_billing",
        "CMS CR 12427 (POS 02/10); NGS, Telehealth Changes for 2024 (CY 2024 PFS final rule: "
        "in-person POS with modifier 95 through 2023-12-31, then POS 02/10); First Coast and "
        "Novitas telehealth modifier pages (GT, FQ)",
        _S,
    ),
    Citation(
        "telehealth_rate",
        "CY 2024 PFS final rule: POS 02 at the facility rate, POS 10 at the non-facility rate "
        "from 2024-01-01 (as summarised by Manatt and NGS)",
        _W,
    ),
)

#: Every citation by id.
CITATIONS: Mapping[str, Citation] = MappingProxyType({c.id: c for c in _CITATIONS})


def cite(id: str) -> str:
    """Return the text of citation ``id``, as ``Finding.source`` shows it.

    >>> cite("cms_poc")
    'CMS Pub. 100-02 Ch. 15 §220'
    """
    try:
        return CITATIONS[id].text
    except (KeyError, TypeError):
        raise _unknown("citation", id, CITATIONS) from None


_E, _WN, _IN = Severity.ERROR, Severity.WARNING, Severity.INFO

_RULES = (
    # units
    Rule(
        "units.cms.tie",
        "units",
        _IN,
        ("cms_8_minute_rule",),
        "Leftover minutes tie for the last unit(s); the provider chooses, and every other "
        "choice is listed.",
    ),
    Rule(
        "units.assistant.open_case",
        "units",
        _WN,
        ("cms_assistant_modifiers",),
        "No public source settles how this assistant case is counted; the library's choice "
        "is stated.",
    ),
    Rule(
        "units.assistant.no_modifier",
        "units",
        _IN,
        ("cms_assistant_modifiers",),
        "Assistant minutes were given, but no CQ/CO modifier applies; they counted with the rest.",
    ),
    Rule(
        "units.not_daily_minutes",
        "units",
        _WN,
        ("cpt_monthly_time",),
        "The code counts minutes per calendar month, so no units are computed per date.",
    ),
    Rule(
        "units.family.relabelled",
        "units",
        _IN,
        ("cpt_code_family",),
        "A code family's minutes are one service, billed as first unit + additional units.",
    ),
    Rule(
        "units.minutes_missing",
        "units",
        _E,
        ("cms_timed_codes",),
        "A timed code was given without minutes, so its units cannot be computed.",
    ),
    # codes
    Rule("code.unknown", "code", _E, ("catalog",), "The code is not in the OT code catalog."),
    Rule(
        "code.not_effective",
        "code",
        _E,
        ("catalog_history",),
        "The code is not valid on the date of service.",
    ),
    # evaluation
    Rule(
        "eval.below_range",
        "eval",
        _WN,
        ("eval_descriptors",),
        "A component count is below the lowest tier's range; rated low.",
    ),
    Rule(
        "eval.deficit_boundary",
        "eval",
        _WN,
        ("eval_deficit_boundary",),
        "A count lies in two tiers' overlapping ranges; the boundary policy decided.",
    ),
    Rule(
        "eval.presentation_not_given",
        "eval",
        _WN,
        ("eval_descriptors",),
        "Every other component meets the high tier, but no unstable presentation was given.",
    ),
    Rule(
        "eval.rule_inferred",
        "eval",
        _IN,
        ("eval_all_components", "cms_reevaluation_at"),
        "A Medicare or OT/PT rule is applied to athletic training by analogy.",
    ),
    Rule(
        "eval.reeval_before_discharge",
        "eval",
        _WN,
        ("cms_reevaluation",),
        "A re-evaluation before planned discharge 'may be appropriate'; payment is contested.",
    ),
    Rule(
        "eval.unverified",
        "eval",
        _WN,
        ("eval_descriptors",),
        "The re-evaluation code's details could not be verified against a public source.",
    ),
    # plan of care
    Rule(
        "poc.certification_pending",
        "poc",
        _IN,
        ("cms_poc_certification",),
        "The plan of care is not certified yet, still within the 30 days.",
    ),
    Rule(
        "poc.certification_missing",
        "poc",
        _E,
        ("cms_poc_certification",),
        "The plan of care is not certified and the 30 days are over.",
    ),
    Rule(
        "poc.certified_by_order",
        "poc",
        _IN,
        ("cms_poc_order_exception",),
        "From 2025: a signed order and the plan sent within 30 days satisfy the initial "
        "certification.",
    ),
    Rule(
        "poc.certification_late",
        "poc",
        _WN,
        ("cms_poc_certification",),
        "The plan of care was certified after the 30 days (the delay needs its reason, "
        "§220.1.3.D).",
    ),
    Rule(
        "poc.recertification_due",
        "poc",
        _E,
        ("cms_poc_recertification",),
        "The date of service is after the certified interval.",
    ),
    Rule(
        "poc.progress_report_due",
        "poc",
        _WN,
        ("cms_poc_progress",),
        "This visit is treatment day 10 of the progress-report period.",
    ),
    Rule(
        "poc.progress_report_overdue",
        "poc",
        _E,
        ("cms_poc_progress",),
        "Past treatment day 10 without a progress report.",
    ),
    Rule(
        "poc.before_episode",
        "poc",
        _E,
        ("cms_poc_certification",),
        "The date of service is before the first treatment.",
    ),
    Rule(
        "poc.new_evaluation_in_episode",
        "poc",
        _WN,
        ("cms_episode",),
        "An initial evaluation inside an open, certified episode (history mode).",
    ),
    Rule(
        "history.no_patient_id",
        "history",
        _WN,
        ("cms_timed_codes_day",),
        "A visit without patient_id was audited alone, without its patient's history.",
    ),
    Rule(
        "history.same_day_merged",
        "history",
        _IN,
        ("cms_timed_codes_day",),
        "Same-day visits of one discipline and provider were pooled before the 8-minute rule.",
    ),
    Rule(
        "poc.not_checked",
        "poc",
        _IN,
        ("cms_poc",),
        "No plan of care was given, so its timing was not checked.",
    ),
    # KX threshold
    Rule(
        "kx.threshold_reached",
        "kx",
        _WN,
        ("kx_threshold", "kx_therapy_cap"),
        "Allowed therapy is above the year's KX threshold (2006-2017: the therapy cap, KX "
        "claiming an exception): the lines need KX.",
    ),
    Rule(
        "kx.below_threshold",
        "kx",
        _IN,
        ("kx_threshold", "kx_therapy_cap"),
        "Allowed therapy is within the year's KX threshold or therapy cap (with the amount "
        "remaining).",
    ),
    Rule(
        "kx.targeted_review",
        "kx",
        _WN,
        ("kx_targeted_review", "kx_therapy_cap"),
        "Allowed therapy is above the targeted medical review threshold ($3,000 from 2018; "
        "$3,700 manual review in the cap years 2012-2017).",
    ),
    Rule(
        "kx.year_unknown",
        "kx",
        _WN,
        ("kx_threshold",),
        "No KX threshold is on record for the year.",
    ),
    Rule(
        "kx.not_checked",
        "kx",
        _IN,
        ("kx_therapy_services",),
        "No year-to-date allowed amount was given, so the KX threshold was not checked.",
    ),
    # payer
    Rule(
        "payer.assistant_minutes_unused",
        "payer",
        _IN,
        ("payer_policy",),
        "The payer does not use CO/CQ; assistant minutes counted with the rest.",
    ),
    # payer records (issue 18)
    Rule(
        "payer.daily_cap",
        "payer",
        _E,
        ("payer_record", "payer_policy"),
        "More units than the payer's daily or per-visit cap: which lines it pays and which not.",
        also=(_WN,),
    ),
    Rule(
        "payer.visit_limit",
        "payer",
        _E,
        ("payer_record", "payer_policy"),
        "The visit is past the payer's visit limit for the period (denied, or prior "
        "authorization needed).",
        also=(_WN,),
    ),
    Rule(
        "payer.prior_auth",
        "payer",
        _IN,
        ("payer_record", "payer_policy"),
        "The payer wants prior authorization for this therapy.",
    ),
    Rule(
        "payer.age",
        "payer",
        _IN,
        ("epsdt", "payer_record", "payer_policy"),
        "An age rule applies (EPSDT under 21), or the birth date needed to apply one is missing.",
    ),
    Rule(
        "payer.modifier_required",
        "payer",
        _WN,
        ("payer_record", "payer_policy"),
        "A modifier the payer requires is on no line.",
    ),
    Rule(
        "payer.edits_not_loaded",
        "payer",
        _WN,
        ("medicaid_ncci",),
        "A Medicaid policy without the Medicaid NCCI edit set: no PTP or MUE edit was checked.",
    ),
    Rule(
        "payer.edits_wrong_program",
        "payer",
        _WN,
        ("medicaid_ncci",),
        "The policy's edit set is the other NCCI program's (Medicare for Medicaid, or the "
        "reverse): no PTP or MUE edit was checked.",
    ),
    Rule(
        "payer.unit_method_unknown",
        "payer",
        _IN,
        ("payer_record", "payer_policy"),
        "The payer does not publish its unit method: both were computed and the lower billed.",
    ),
    Rule(
        "payer.unknown",
        "payer",
        _IN,
        ("payer_record", "payer_policy"),
        "Fields of the payer's record that no source settles; nothing is assumed for them.",
    ),
    # NCCI
    Rule(
        "ncci.ptp",
        "ncci",
        _E,
        ("ncci_edits",),
        "A PTP edit denies the column-2 code; the message names the edit, its rationale, "
        "indicator and dates, and whether a modifier can bypass it. On a priced visit, "
        "amount_at_risk is the allowed amount of the column-2 line(s).",
    ),
    Rule(
        "ncci.bypass",
        "ncci",
        _IN,
        ("ncci_edits",),
        "An indicator-1 edit is bypassed by a modifier; the record must support it.",
    ),
    Rule(
        "ncci.mue",
        "ncci",
        _E,
        ("ncci_edits",),
        "Units above the MUE (MAI 1 per line, 2/3 per date). On a priced visit, amount_at_risk "
        "is the allowed amount of the denied lines: each line above the MUE (MAI 1), every "
        "line of the code (MAI 2/3, MUE 0).",
    ),
    Rule(
        "ncci.stale",
        "ncci",
        _IN,
        ("ncci_edits",),
        "The date of service is a quarter or more past the release of the PTP or MUE table.",
    ),
    Rule(
        "ncci.uncovered",
        "ncci",
        _IN,
        ("ncci_edits",),
        "The date of service precedes the oldest MUE table held.",
    ),
    Rule(
        "ncci.retroactive",
        "ncci",
        _IN,
        ("ncci_ptp_history",),
        "A PTP edit between two billed codes was in CMS's files for the date of service and "
        "later deleted retroactively; the audit follows the edits as known now.",
    ),
    # dated coverage
    Rule(
        "coverage.noncovered",
        "coverage",
        _E,
        ("ncd_acupuncture",),
        "A service Medicare does not cover when a therapist furnishes it (dry needling).",
    ),
    # fee-schedule status
    Rule(
        "status.bundled",
        "status",
        _E,
        ("pfs_status",),
        "Fee-schedule status B/P: never paid separately (97010). Its line has no fee, so "
        "amount_at_risk stays empty.",
    ),
    Rule(
        "status.invalid",
        "status",
        _E,
        ("pfs_status", "cms_97127_g0515"),
        "Status I: not valid for Medicare (bill the replacement, e.g. G0283 for 97014; "
        "97127 in 2018-2019: G0515). Its line has no fee, so amount_at_risk stays empty.",
    ),
    Rule(
        "status.noncovered",
        "status",
        _WN,
        ("pfs_status",),
        "Status N/X/E: not covered by Medicare. amount_at_risk is the line's allowed amount "
        "where the fee schedule has one.",
    ),
    Rule(
        "status.restricted",
        "status",
        _WN,
        ("pfs_status",),
        "Status R: restricted coverage (97026, 97545). On a priced visit, amount_at_risk is "
        "the line's allowed amount.",
    ),
    Rule(
        "status.carrier_priced",
        "status",
        _IN,
        ("pfs_status",),
        "Status C: the contractor prices it (unlisted 97039, 97139, 97799).",
    ),
    # the fee schedule (the audit's pricing)
    Rule(
        "fee.unknown",
        "fee",
        _IN,
        ("pfs_rvu_file",),
        "The visit names a payment locality, but the fee schedule held has no amount for a "
        "line (no row for the code, or MAC-priced status C) or no release for the date; the "
        "rest is priced, and KX uses no computed amount for the bucket.",
    ),
    # add-on codes
    Rule(
        "addon.without_primary",
        "addon",
        _E,
        ("cpt_addon",),
        "An add-on code is billed without its primary code (97130 without 97129). On a "
        "priced visit, amount_at_risk is the add-on line's allowed amount.",
    ),
    Rule(
        "addon.once_per_day",
        "addon",
        _E,
        ("cpt_once_per_day",),
        "An initial-block code (97129, 97545, 97550, G0541) is billed twice or with units > 1.",
    ),
    # modifiers
    Rule(
        "modifier.therapy_missing",
        "modifier",
        _E,
        ("hcpcs_modifiers",),
        "An always-therapy code lacks GO/GP/GN (a warning for a sometimes-therapy code).",
        also=(_WN,),
    ),
    Rule(
        "modifier.discipline_mismatch",
        "modifier",
        _E,
        ("hcpcs_modifiers", "hcpcs_therapy_modifiers", "cms_assistant_modifiers"),
        "GP/GN where the plan of care calls for GO (or the other way round); CQ on an OT "
        "assistant's units (CO on a PT one).",
    ),
    Rule(
        "modifier.59_with_x",
        "modifier",
        _WN,
        ("ncci_modifier_59",),
        "59 and an X modifier on one line.",
    ),
    Rule(
        "modifier.bypass_multiple",
        "modifier",
        _WN,
        ("cms_x_modifiers",),
        "Two or more of XE/XS/XP/XU on one line.",
    ),
    Rule(
        "modifier.too_many",
        "modifier",
        _E,
        ("cms_claim_line_modifiers",),
        "More than four modifiers on one line.",
    ),
    Rule(
        "modifier.misplaced",
        "modifier",
        _WN,
        ("ncci_modifier_placement",),
        "25 on a non-E/M line, or 59/X on an E/M line.",
    ),
    Rule(
        "modifier.unknown",
        "modifier",
        _WN,
        ("hcpcs_modifiers",),
        "A modifier outside the documented known set.",
    ),
    # audit
    Rule(
        "audit.bypass_added",
        "audit",
        _IN,
        ("ncci_bypass_added",),
        "A bypass modifier was added because the services were in separate intervals.",
    ),
    Rule(
        "audit.rows_combined",
        "audit",
        _IN,
        ("cms_timed_codes_day", "cms_assistant_modifiers"),
        "A code on several rows of one visit was combined before the 8-minute rule: minutes "
        "summed, CO/CQ rows' minutes as assistant minutes.",
    ),
    Rule(
        "audit.not_billed",
        "audit",
        _IN,
        ("cms_timed_codes", "cpt_time_rule_short"),
        "A service's minutes give no billable unit under the payer's method.",
    ),
    # claim export pre-checks (export.precheck)
    Rule(
        "export.modifier_format",
        "export",
        _E,
        ("x12_837p_sv1",),
        "A modifier is not two letters or digits (a warning when it is only lowercase: "
        "the exporters write it uppercase).",
        also=(_WN,),
    ),
    Rule(
        "export.modifier_duplicate",
        "export",
        _E,
        ("cms_claim_line_modifiers",),
        "The same modifier twice on one line.",
    ),
    Rule(
        "export.discipline_multiple",
        "export",
        _E,
        ("cms_therapy_institutional_edits",),
        "More than one of GO/GP/GN on one line.",
    ),
    Rule(
        "export.discipline_position",
        "export",
        _E,
        ("hcpcs_therapy_modifiers",),
        "GO/GP/GN is not in modifier position 1 or 2.",
    ),
    Rule(
        "export.assistant_unpaired",
        "export",
        _E,
        ("cms_assistant_modifiers",),
        "CO without GO, CQ without GP, or CO and CQ on one line.",
    ),
    Rule(
        "export.revenue_code",
        "export",
        _E,
        ("cms_therapy_revenue_codes", "cms_therapy_institutional_edits"),
        "An institutional line's revenue code is missing, malformed, or does not match its "
        "therapy modifier (042x GP, 043x GO, 044x GN).",
    ),
    Rule("export.units_nonpositive", "export", _E, ("cms_timed_codes",), "Units of zero or less."),
    Rule(
        "export.units_fractional",
        "export",
        _E,
        ("cms_timed_codes",),
        "Units that are not a whole number.",
    ),
    Rule(
        "export.units_capacity", "export", _E, ("x12_837p_sv1",), "Units beyond 9999 on one line."
    ),
    Rule(
        "export.duplicate_code_date",
        "export",
        _E,
        ("mac_one_line_per_code",),
        "One code on several lines for one date, other than the therapist/assistant split.",
    ),
    Rule(
        "export.date_format",
        "export",
        _E,
        ("cms_line_item_dates",),
        "A line's date of service is not one YYYY-MM-DD date.",
    ),
    Rule(
        "export.date_range",
        "export",
        _E,
        ("cms_line_item_dates",),
        "A line's date is outside the claim's statement period.",
    ),
    Rule(
        "export.pointer_missing",
        "export",
        _E,
        ("x12_837p_sv1",),
        "A professional line without a diagnosis pointer (SV107-01 is required).",
    ),
    Rule(
        "export.pointer_range",
        "export",
        _E,
        ("x12_837p_sv1",),
        "A diagnosis pointer outside 1-12 or beyond the claim's diagnoses.",
    ),
    Rule(
        "export.pointer_count",
        "export",
        _E,
        ("x12_837p_sv1", "cms_1500_item_24"),
        "More than four pointers (a warning for more than one on Medicare's paper CMS-1500).",
        also=(_WN,),
    ),
    Rule(
        "export.charge_missing",
        "export",
        _E,
        ("x12_837p_sv1",),
        "A line without a charge (SV102, SV203, 24F and FL 47 are required).",
    ),
    Rule(
        "export.charge_negative",
        "export",
        _E,
        ("cms_1500_item_24",),
        "A negative or unreadable line charge.",
    ),
    Rule(
        "export.line_limit",
        "export",
        _E,
        ("x12_837p_sv1", "x12_837i_sv2"),
        "More lines than one claim holds (837P 50, 837I 999).",
    ),
    Rule(
        "export.line_control_number",
        "export",
        _E,
        ("x12_837p_sv1",),
        "A line control number (REF*6R) over 30 characters, empty or repeated.",
    ),
    Rule(
        "export.x12_invalid",
        "export",
        _E,
        ("x12_837p_sv1",),
        "pyx12 rejects the 837 interchange (validate_837).",
    ),
    Rule(
        "export.fhir_invalid",
        "export",
        _E,
        ("fhir_r4_claim",),
        "fhir.resources rejects the FHIR resource (validate_fhir).",
    ),
    # Medicare telehealth (PT/OT/SLP as distant-site practitioners)
    Rule(
        "telehealth.therapist_not_eligible",
        "telehealth",
        _E,
        ("telehealth_practitioners",),
        "A Medicare telehealth visit on a date outside every window in which PT, OT and SLP "
        "could bill Medicare telehealth.",
    ),
    Rule(
        "telehealth.code_not_on_list",
        "telehealth",
        _E,
        ("telehealth_list",),
        "A code billed via telehealth that was not on the Medicare Telehealth Services List on "
        "the date.",
    ),
    Rule(
        "telehealth.modifier_missing",
        "telehealth",
        _WN,
        ("telehealth_billing",),
        "2020-2023: a telehealth line on POS 02/10 without modifier 95 (CMS asked for the "
        "in-person POS with 95).",
    ),
    Rule(
        "telehealth.pos_modifier_mismatch",
        "telehealth",
        _E,
        ("telehealth_billing",),
        "POS and telehealth modifier disagree with the date's convention (POS 10 before 2022, "
        "95 without POS 02/10 from 2024; a warning for GT or FQ on a therapist's claim).",
        also=(_WN,),
    ),
    Rule(
        "telehealth.retroactive",
        "telehealth",
        _IN,
        ("telehealth_practitioners",),
        "The window covering the date was enacted after it: the rule changed retroactively.",
    ),
    Rule(
        "telehealth.unknown",
        "telehealth",
        _IN,
        ("telehealth_practitioners", "telehealth_list", "telehealth_rate"),
        "The telehealth data does not settle a fact for the date (eligibility, list status, "
        "POS rate, institutional claims): not checked.",
    ),
)

#: Every rule id a finding can carry.
RULES: Mapping[str, Rule] = MappingProxyType({r.id: r for r in _RULES})


def rule(id: str) -> Rule:
    """Return the registered rule ``id``; an unknown id is refused with close matches.

    >>> rule("kx.threshold_reached").severity.value
    'warning'
    """
    try:
        return RULES[id]
    except (KeyError, TypeError):
        raise _unknown("rule id", id, RULES) from None


def check_rule_prefix(prefix: str, *, field: str = "suppress_rules") -> str:
    """Return ``prefix`` if it is a rule id or a dotted prefix of one.

    ``"status."``, ``"status"`` and ``"ncci.ptp"`` pass; a misspelt
    ``"stauts."`` is refused with :class:`~ot_billing_rules.InvalidOptionError`
    naming it and the closest registered ids.
    """
    stem = prefix.rstrip(".")
    if stem and any(r == stem or r.startswith(stem + ".") for r in RULES):
        return prefix
    raise _unknown("rule id or prefix", prefix, RULES, field=field)


def _unknown(
    what: str, value: object, table: Mapping[str, object], *, field: str | None = None
) -> InvalidOptionError:
    known = sorted(table)
    if isinstance(value, str):
        families = sorted({k.split(".")[0] + "." for k in known})
        close = difflib.get_close_matches(value, [*known, *families], n=3, cutoff=0.6)
    else:
        close = []
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return InvalidOptionError(
        f"unknown {what} {value!r}{hint} (see ot_billing_rules.RULES)"
        if what != "citation"
        else f"unknown citation {value!r}{hint}",
        value=value,
        field=field,
        valid=known,
    )


@attrs.frozen
class DataFile:
    """One package-data file: where it came from and its checksum."""

    name: str
    source: str
    release: str
    sha256: str
    notice: str | None = None


@attrs.frozen
class DataVersion:
    """The rule data this installation computes with.

    ``version`` is a short digest over every data file's sha256: two results
    computed with the same ``version`` used the same data.
    """

    version: str
    releases: tuple[str, ...]
    files: tuple[DataFile, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "version": self.version,
            "releases": list(self.releases),
            "files": [attrs.asdict(f) for f in self.files],
        }


def _load_version() -> DataVersion:
    raw = read_json("manifest.json")
    files = tuple(DataFile(name=name, **entry) for name, entry in sorted(raw["files"].items()))
    return DataVersion(version=raw["version"], releases=tuple(raw["releases"]), files=files)


def data_version() -> DataVersion:
    """Return the version and provenance of the bundled rule data.

    >>> v = data_version()
    >>> len(v.version) == 12 and any(f.name == "code_catalog.json" for f in v.files)
    True
    """
    return once("manifest", _load_version)
