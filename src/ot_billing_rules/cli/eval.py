"""``ot-billing eval ot|pt|at|reeval``: evaluation complexity and re-evaluation."""

from __future__ import annotations

import argparse
from typing import Any

from .._coerce import ascii_int
from ..evaluation import (
    BoundaryPolicy,
    EvaluationSelection,
    ReevaluationDecision,
    reevaluation_billable,
    select_at_evaluation,
    select_ot_evaluation,
    select_pt_evaluation,
)
from ..findings import Finding
from ._commands import HELP
from ._output import print_json, print_table


def _count(text: str) -> int:
    # argparse's type=int would read '٣' or '1_0' as a number.
    number = ascii_int(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number (digits 0-9)")
    return number


def _int_or_word(text: str) -> int | str:
    # --comorbidities takes a count or a finding name; the library checks both.
    number = ascii_int(text)
    return text if number is None else number


def register(sub: Any) -> None:
    """Add the ``eval`` subcommand and its ``ot``, ``pt``, ``at`` and ``reeval`` forms."""
    p = sub.add_parser("eval", help=HELP["eval"])
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True

    ot = kinds.add_parser("ot", help="OT evaluation: 97165 / 97166 / 97167")
    ot.add_argument("--profile", required=True, metavar="brief|expanded|extensive")
    ot.add_argument("--deficits", required=True, type=_count, metavar="N")
    ot.add_argument("--decision", required=True, metavar="low|moderate|high")
    ot.add_argument("--comorbidities", type=_int_or_word, metavar="none|present|N")
    ot.add_argument("--task-modification", metavar="not_necessary|minimal_to_moderate|significant")
    ot.add_argument(
        "--strict-boundaries",
        action="store_true",
        help="rate 3 deficits low and 5 moderate (default: 3 moderate, 5 high)",
    )
    ot.add_argument("--json", action="store_true", help="print JSON")
    ot.set_defaults(func=_ot)

    pt = kinds.add_parser("pt", help="PT evaluation: 97161 / 97162 / 97163")
    pt.add_argument("--personal-factors", required=True, type=_count, metavar="N")
    pt.add_argument("--body-system-elements", required=True, type=_count, metavar="N")
    pt.add_argument("--presentation", required=True, metavar="stable|evolving|unstable")
    pt.add_argument("--decision", required=True, metavar="low|moderate|high")
    pt.add_argument("--json", action="store_true", help="print JSON")
    pt.set_defaults(func=_pt)

    at = kinds.add_parser("at", help="athletic-training evaluation: 97169 / 97170 / 97171")
    at.add_argument("--comorbidities", required=True, type=_count, metavar="N")
    at.add_argument("--exam-elements", required=True, type=_count, metavar="N")
    at.add_argument("--decision", required=True, metavar="low|moderate|high")
    at.add_argument("--presentation", metavar="stable|evolving|unstable")
    at.add_argument("--json", action="store_true", help="print JSON")
    at.set_defaults(func=_at)

    re = kinds.add_parser("reeval", help="is a re-evaluation (97168 / 97164 / 97172) billable?")
    re.add_argument("reason", metavar="REASON", help="e.g. new_clinical_findings, progress_report")
    re.add_argument("--discipline", default="OT", metavar="OT|PT|AT")
    re.add_argument(
        "--discharge-not-billable",
        action="store_true",
        help="treat a re-evaluation before planned discharge as not billable",
    )
    re.add_argument("--json", action="store_true", help="print JSON")
    re.set_defaults(func=_reeval)


def _print_warnings(warnings: tuple[Finding, ...]) -> None:
    for w in warnings:
        print(f"{w.severity.value}: {w.message} [{w.rule}]")


def _show_selection(sel: EvaluationSelection, as_json: bool) -> int:
    if as_json:
        print_json(sel.to_dict())
        return 0
    print(f"{sel.code}  {sel.complexity.value} complexity ({sel.discipline.value})")
    print_table(
        ("component", "value", "level", "meets", "note"),
        [
            (c.name, "" if c.value is None else c.value, c.level.value, c.meets, c.note)
            for c in sel.components
        ],
    )
    print(f"limited by: {', '.join(sel.limited_by) or 'nothing'}")
    print(f"typical minutes (descriptive only): {sel.typical_minutes}")
    _print_warnings(sel.findings)
    print(sel.explanation)
    return 0


def _ot(args: argparse.Namespace) -> int:
    sel = select_ot_evaluation(
        profile=args.profile,
        performance_deficits=args.deficits,
        decision_making=args.decision,
        comorbidities=args.comorbidities,
        task_modification=args.task_modification,
        boundaries=BoundaryPolicy.STRICT if args.strict_boundaries else BoundaryPolicy.INCLUSIVE,
    )
    return _show_selection(sel, args.json)


def _pt(args: argparse.Namespace) -> int:
    sel = select_pt_evaluation(
        personal_factors=args.personal_factors,
        body_system_elements=args.body_system_elements,
        presentation=args.presentation,
        decision_making=args.decision,
    )
    return _show_selection(sel, args.json)


def _at(args: argparse.Namespace) -> int:
    sel = select_at_evaluation(
        comorbidities=args.comorbidities,
        exam_elements=args.exam_elements,
        decision_making=args.decision,
        presentation=args.presentation,
    )
    return _show_selection(sel, args.json)


def _reeval(args: argparse.Namespace) -> int:
    decision: ReevaluationDecision = reevaluation_billable(
        args.reason,
        discipline=args.discipline,
        before_discharge_billable=not args.discharge_not_billable,
    )
    if args.json:
        print_json(decision.to_dict())
        return 0
    verdict = "billable" if decision.billable else "not billable"
    print(f"{decision.code}  {verdict}  ({decision.reason.value})")
    if decision.bill_instead:
        print(f"bill instead: {', '.join(decision.bill_instead)}")
    _print_warnings(decision.findings)
    print(decision.explanation)
    print(f"source: {decision.source}")
    return 0
