"""Audit a claims DataFrame in one call: :func:`audit_frame`.

Needs pandas (``pip install "ot-billing-rules[pandas]"``); the core package
never imports it. The frame is a billing export as pandas reads it, one row
per service line, with the columns of :data:`~ot_billing_rules.readers.ROW_COLUMNS`
(``visit_id``, ``date_of_service`` and ``code`` required). What a plain
``pd.read_csv`` gives is accepted as it comes:

- other columns (``claim_id``, ``icd10`` …) are left out (``extra="error"``
  makes them an error of each row instead);
- minutes read as floats (``41.0``), ``Int64`` columns, ``pd.NA``/``NaN``/``NaT``
  as empty cells, dates as ``Timestamp`` or ``datetime64`` columns (the
  date part is the date of service); a float with a fraction (``41.5``) is an
  error naming the value, never rounded;
- ``payers={"Aetna": policy, "BCBS": "commercial"}`` maps the export's payer
  names (case-insensitive) to a :class:`~ot_billing_rules.PayerPolicy` or a
  built-in policy id;
- rows of one visit with the same code (``97110`` ``GO`` and ``97110``
  ``GO,CO``, as billed claims split a code between therapist and assistant)
  are combined into one service: minutes summed, the minutes of CO/CQ rows
  as assistant minutes (the audit puts CO/CQ back where they apply), with an
  ``audit.rows_combined`` info finding on the visit.

The result is a :class:`FrameAudit`: ``visits`` (one row per visit, errors
included, with ``visit_id`` on every row that had one), ``lines`` and
``findings`` DataFrames with real dtypes, and summary helpers.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from ot_billing_rules._coerce import require_int
from ot_billing_rules._display import Findings
from ot_billing_rules._progress import Progress, check_progress, track
from ot_billing_rules._units_frame import UNITS_FRAME_COLUMNS, units_frame
from ot_billing_rules.audit import AuditReport
from ot_billing_rules.batch import (
    FINDING_SCHEMA,
    LINE_SCHEMA,
    RESULT_SCHEMA,
    AuditResult,
    _audit_one,
    _finding_records,
    _line_records,
    _visit_id,
    _visit_record,
    audit_many,
    to_records,
)
from ot_billing_rules.errors import InvalidInputError, InvalidOptionError, InvalidTypeError
from ot_billing_rules.findings import Finding, Severity
from ot_billing_rules.payers import PayerPolicy, payer_policy
from ot_billing_rules.readers import ROW_COLUMNS, group_rows
from ot_billing_rules.records import _Made, _made_in_workers, _with_findings, _WithFindings
from ot_billing_rules.sources import cite, data_version
from ot_billing_rules.visit import Visit

__all__ = ["UNITS_FRAME_COLUMNS", "FrameAudit", "audit_frame", "sample_export", "units_frame"]

_EXTRA = ("ignore", "error")
_MONEY = ("decimal", "float")
_ASSISTANT = frozenset({"CO", "CQ"})
_VISIT_COLUMNS = tuple(
    c
    for c in ROW_COLUMNS
    if c not in {"code", "minutes", "assistant_minutes", "modifiers", "separate_interval"}
)
_MONEY_COLUMNS = ("allowed", "amount_at_risk")
_REQUIRED = ("visit_id", "date_of_service", "code")


def _choice(value: object, field: str, valid: tuple[str, ...]) -> str:
    if isinstance(value, str) and value in valid:
        return value
    raise InvalidOptionError(
        f"{field}={value!r} is not one of {', '.join(map(repr, valid))}",
        value=value,
        field=field,
        valid=valid,
    )


# -- cells ---------------------------------------------------------------------------


def _date_text(value: Any) -> Any:
    if isinstance(value, _dt.datetime):  # a Timestamp is one
        return None if value != value else value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def _float_text(value: Any) -> Any:
    # 41.0 is how pandas reads a whole-number column with an empty cell; 41.5 stays
    # text the reader refuses by name (a minute is never rounded here).
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    return value


def _column(series: Any) -> list[Any]:
    """A column's cells as the row reader takes them (text, ``None``, or as given)."""
    kind = series.dtype.kind
    if kind == "M":  # datetime64
        return [None if pd.isna(v) else v.date().isoformat() for v in series]
    if kind == "f":
        return [_float_text(v) for v in series.tolist()]
    if kind in "iub":  # Int64 and boolean columns hold pd.NA for an empty cell
        return [None if v is pd.NA or v is None else str(v) for v in series.tolist()]
    return [_float_text(_date_text(v)) for v in series.tolist()]


def _cells(frame: Any, extra: str) -> tuple[list[str], list[list[Any]]]:
    names = [c for c in frame.columns if extra == "error" or c in _ROW_SET]
    return [str(c) if isinstance(c, str) else c for c in names], [_column(frame[c]) for c in names]


_ROW_SET = frozenset(ROW_COLUMNS)


# -- payers ----------------------------------------------------------------------------


def _payers(payers: object) -> tuple[dict[str, str], list[PayerPolicy]]:
    """Export payer name (lower case) -> the cell to put there; the policies to look up."""
    if payers is None:
        return {}, []
    if not isinstance(payers, Mapping):
        raise InvalidTypeError(
            f"payers must map the export's payer names to a PayerPolicy or a policy id, "
            f"not {type(payers).__name__} {payers!r}",
            value=payers,
            field="payers",
        )
    cells: dict[str, str] = {}
    policies: list[PayerPolicy] = []
    for name, target in payers.items():
        if not isinstance(name, str) or not name.strip():
            raise InvalidTypeError(
                f"payers: a key must be a payer name as the export spells it, not {name!r}",
                value=name,
                field="payers",
            )
        policy = payer_policy(target)  # a typed error naming a bad id or value
        if isinstance(target, str):
            cells[name.strip().lower()] = target.strip()  # a built-in: its version by date
        else:
            cells[name.strip().lower()] = policy.id
            policies.append(policy)
    return cells, policies


# -- combining rows of one code ----------------------------------------------------------


def _int_or_none(cell: Any) -> int | bool | None:
    """``None`` for empty, the int, or ``False`` when the cell is not a whole number."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    text = str(cell).strip()
    return int(text) if text.isascii() and text.isdigit() else False


def _modifiers(cell: Any) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [m.strip().upper() for m in cell.replace(" ", ",").split(",") if m.strip()]


def _merge(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One row for a code's rows, or ``None`` when they cannot be combined safely
    (then the reader sees every row and names what is wrong)."""
    minutes = assistant = 0
    timed = False
    mods: list[str] = []
    for row in rows:
        m = _int_or_none(row.get("minutes"))
        a = _int_or_none(row.get("assistant_minutes"))
        if m is False or a is False:
            return None
        row_mods = _modifiers(row.get("modifiers"))
        if m is not None:
            timed = True
            minutes += m
            if a is not None:
                assistant += a
            elif _ASSISTANT & set(row_mods):
                assistant += m
        mods.extend(x for x in row_mods if x not in _ASSISTANT and x not in mods)
    merged = dict(rows[0])
    for row in rows[1:]:
        for col in _VISIT_COLUMNS:
            cell = row.get(col)
            if _blank(merged.get(col)) and not _blank(cell):
                merged[col] = cell
            elif not _blank(cell) and str(cell).strip() != str(merged.get(col)).strip():
                return None  # disagreeing visit cells: the reader names them
    merged["minutes"] = str(minutes) if timed else None
    merged["assistant_minutes"] = str(assistant) if timed and assistant else None
    merged["modifiers"] = ",".join(mods)
    if any(
        str(r.get("separate_interval") or "").strip().lower() in {"true", "yes", "1", "y"}
        for r in rows
    ):
        merged["separate_interval"] = "true"
    return merged


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _combined_finding(code: str, count: int, minutes: Any, assistant: Any) -> Finding:
    total = f"{minutes} minutes" if minutes else "no minutes"
    extra = f", {assistant} of them by an assistant (the CO/CQ rows)" if assistant else ""
    return Finding(
        "audit.rows_combined",
        Severity.INFO,
        (code,),
        f"{code} was on {count} rows of this visit: combined into one service ({total}{extra}) "
        "before minutes became units, as the day's total timed minutes decide them.",
        suggestion="Check the combined minutes against the treatment notes.",
        source=cite("cms_timed_codes_day"),
    )


def _combine(
    header: list[str], columns: list[list[Any]]
) -> tuple[Iterator[tuple[int, dict[str, Any]]], dict[str, list[Finding]]]:
    """Numbered rows with each visit's repeated codes combined, and the findings saying so."""
    rows = [dict(zip(header, cells, strict=True)) for cells in zip(*columns, strict=True)]
    by_code: dict[tuple[str, str], list[int]] = {}
    for n, row in enumerate(rows):
        vid, code = row.get("visit_id"), row.get("code")
        if isinstance(vid, str) and isinstance(code, str) and vid.strip() and code.strip():
            by_code.setdefault((vid.strip(), code.strip().upper()), []).append(n)
    findings: dict[str, list[Finding]] = {}
    dropped: set[int] = set()
    for (vid, code), where in by_code.items():
        if len(where) < 2:
            continue
        merged = _merge([rows[n] for n in where])
        if merged is None:
            continue
        rows[where[0]] = merged
        dropped.update(where[1:])
        findings.setdefault(vid, []).append(
            _combined_finding(code, len(where), merged["minutes"], merged["assistant_minutes"])
        )
    numbered = ((n, row) for n, row in enumerate(rows) if n not in dropped)
    return numbered, findings


# -- frames ------------------------------------------------------------------------------


def _money(value: Any, money: str) -> Any:
    if value is None:
        return None
    return float(value) if money == "float" else Decimal(value)


def _frame(records: Iterable[Any], schema: Mapping[str, type], money: str) -> Any:
    # ``records``: dicts, or tuples in the schema's column order (from the workers).
    frame = pd.DataFrame.from_records(list(records), columns=list(schema))
    for col, kind in schema.items():
        if col == "date_of_service":
            frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d")
        elif col in _MONEY_COLUMNS:
            frame[col] = pd.Series(
                [_money(v, money) for v in frame[col]],
                index=frame.index,
                dtype="float64" if money == "float" else object,
            )
        elif kind is bool:
            frame[col] = frame[col].astype(bool)
        elif kind is int:
            frame[col] = frame[col].astype("Int64")
    return frame


@attrs.frozen(eq=False)
class FrameAudit:
    """What :func:`audit_frame` returns.

    - ``visits``: one row per visit (:data:`~ot_billing_rules.RESULT_SCHEMA`),
      errors included: ``ok`` false, ``error_type``/``error_message`` set and
      ``visit_id`` kept whenever the rows named one.
    - ``lines``: one row per claim line (:data:`~ot_billing_rules.LINE_SCHEMA`).
    - ``findings``: one row per finding (:data:`~ot_billing_rules.FINDING_SCHEMA`).
    - ``results``: the :class:`~ot_billing_rules.AuditResult` values behind them.
      With ``workers > 1`` the workers built the three frames and sent back
      no reports: ``results`` (and :meth:`all_findings`) then audit the
      frame's visits again, once, on first use (in ``workers`` processes), and
      :meth:`report` audits only the asked visit again, here. An audit is
      deterministic, so these are the reports the frames were built from.

    Counts are ``Int64``, ``ok`` is ``bool``, ``date_of_service`` is
    ``datetime64``; money (``allowed``, ``amount_at_risk``) is
    :class:`~decimal.Decimal` (``float`` with ``money="float"``).
    """

    visits: Any
    lines: Any
    findings: Any
    _results: tuple[AuditResult, ...] | None = attrs.field(repr=False, alias="results")
    _again: _Again | None = attrs.field(default=None, repr=False, alias="again")

    @property
    def results(self) -> tuple[AuditResult, ...]:
        """The :class:`~ot_billing_rules.AuditResult` of every visit, in frame order."""
        if self._results is not None:
            return self._results
        assert self._again is not None
        return self._again.results()

    def report(self, visit_id: str) -> AuditReport:
        """The :class:`~ot_billing_rules.AuditReport` of ``visit_id`` (it renders in Jupyter)."""
        if self._results is None and self._again is not None and self._again.done is None:
            found = self._again.report(visit_id)
        else:
            found = next(
                (r.report for r in self.results if r.visit_id == visit_id and r.report is not None),
                None,
            )
        if found is not None:
            return found
        raise InvalidOptionError(
            f"visit_id={visit_id!r} has no audit report here (not in the frame, or not audited: "
            "see the visits frame's error_message)",
            value=visit_id,
            field="visit_id",
        )

    def all_findings(self) -> Findings:
        """Every finding of every audited visit, as one :class:`~ot_billing_rules.Findings`."""
        return Findings(f for r in self.results if r.report is not None for f in r.report.findings)

    def findings_by_rule(self) -> Any:
        """Findings counted by rule (rows) and severity (columns), most frequent first."""
        counts = pd.crosstab(self.findings["rule"], self.findings["severity"])
        order = [s.value for s in Severity if s.value in counts.columns]
        counts = counts.reindex(columns=order)
        counts["total"] = counts.sum(axis=1)
        return counts.sort_values(["total"], ascending=False, kind="stable")

    def lines_by_code(self) -> Any:
        """Claim lines by code: lines, units and visits, most units first."""
        grouped = self.lines.groupby("code").agg(
            lines=("code", "size"), units=("units", "sum"), visits=("visit_id", "nunique")
        )
        return grouped.sort_values("units", ascending=False, kind="stable")

    def at_risk_by_rule(self) -> Any:
        """Dollars at risk by rule: the findings that deny a priced line (visits with
        a ``locality``), their count and summed ``amount_at_risk``. Empty when no
        visit was priced."""
        priced = self.findings[self.findings["amount_at_risk"].notna()]
        if priced.empty:
            return pd.DataFrame({"findings": [], "amount_at_risk": []}).rename_axis("rule")
        grouped = priced.groupby("rule")["amount_at_risk"]
        out = pd.DataFrame({"findings": grouped.size(), "amount_at_risk": grouped.sum()})
        return out.sort_values("amount_at_risk", ascending=False, kind="stable")

    def plot(self) -> Any:
        """A matplotlib figure: findings by rule, and by month and severity.

        Needs matplotlib (``pip install "ot-billing-rules[plot]"``).
        """
        try:
            import matplotlib.pyplot as plt  # type: ignore[import-not-found, import-untyped, unused-ignore]
        except ImportError:
            from ot_billing_rules.export._validate import MissingExtraError

            raise MissingExtraError(
                'FrameAudit.plot needs matplotlib: pip install "ot-billing-rules[plot]"',
                extra="plot",
            ) from None
        fig, (by_rule, by_month) = plt.subplots(1, 2, figsize=(12, 4))
        if len(self.findings):
            self.findings_by_rule()["total"].sort_values().plot.barh(ax=by_rule)
            month = self.findings["date_of_service"].dt.to_period("M")
            pd.crosstab(month, self.findings["severity"]).plot.bar(ax=by_month, stacked=True)
        else:  # an empty bar chart would fail: say so instead
            for ax in (by_rule, by_month):
                ax.text(0.5, 0.5, "no findings", ha="center", va="center")
        by_rule.set_title("Findings by rule")
        by_month.set_title("Findings by month")
        fig.tight_layout()
        return fig

    def _repr_html_(self) -> str:
        from ot_billing_rules._html import html_table

        ok = int(self.visits["ok"].sum())
        return html_table(
            "Audit of a claims frame",
            [
                ("visits", len(self.visits)),
                ("audited", ok),
                ("not audited (errors)", len(self.visits) - ok),
                ("claim lines", len(self.lines)),
                ("findings", len(self.findings)),
            ],
        )


def audit_frame(
    frame: Any,
    *,
    extra: str = "ignore",
    payers: Mapping[str, PayerPolicy | str] | None = None,
    history: bool = False,
    progress: Progress = False,
    workers: int = 1,
    money: str = "decimal",
) -> FrameAudit:
    """Audit every visit of a claims DataFrame (one row per service line).

    Rows are grouped into visits by ``visit_id`` (see the module docs for the
    cells accepted and the rows combined); each visit is audited with
    :func:`~ot_billing_rules.audit_many` (``errors="collect"``: no visit is
    ever dropped) or, with ``history=True``, with
    :func:`~ot_billing_rules.audit_history` (the frame then needs
    ``patient_id``). ``progress`` (``True`` or a ``callback(done, total)``)
    and ``workers`` are passed on. Error messages name the row by its
    position in the frame (``frame.iloc[line]``).

    With ``workers > 1`` (and ``history=False``) each worker process audits
    its visits once and builds their rows of all three frames, sending back
    plain tuples; the frames equal those of ``workers=1``. No report comes
    back, so :attr:`FrameAudit.results` and :meth:`FrameAudit.all_findings`
    audit the visits again on first use, and :meth:`FrameAudit.report` audits
    only the asked visit again.
    """
    if not (hasattr(frame, "columns") and hasattr(frame, "iloc")):
        raise InvalidTypeError(
            f"audit_frame takes a pandas DataFrame, not {type(frame).__name__}",
            value=type(frame).__name__,
            field="frame",
        )
    mode = _choice(extra, "extra", _EXTRA)
    money_kind = _choice(money, "money", _MONEY)
    shown = check_progress(progress)
    if not isinstance(history, bool):
        raise InvalidTypeError(
            f"history must be true or false, not {history!r}", value=history, field="history"
        )
    _check_columns(frame)
    cells, policies = _payers(payers)
    header, columns = _cells(frame, mode)
    if cells and "payer" in header:
        at = header.index("payer")
        columns[at] = [_payer_cell(v, cells) for v in columns[at]]
    numbered, combined = _combine(header, columns)
    visits = list(group_rows(numbered, "frame", policies=policies))
    n_workers = require_int(workers, field="workers", minimum=1, maximum=1024)
    if n_workers > 1 and not history:
        # The workers build the three frames' rows: the parent only collects tuples.
        v_rows, l_rows, f_rows = _rows_in_workers(visits, combined, shown, n_workers)
        return FrameAudit(
            visits=_frame(v_rows, RESULT_SCHEMA, money_kind),
            lines=_frame(l_rows, LINE_SCHEMA, money_kind),
            findings=_frame(f_rows, FINDING_SCHEMA, money_kind),
            results=None,
            again=_Again(visits, combined, n_workers),
        )
    results = _audit(visits, history, shown, n_workers)
    if combined:
        results = [
            _with_findings(r, combined[r.visit_id]) if r.visit_id in combined else r
            for r in results
        ]
    return FrameAudit(
        visits=_frame(to_records(results), RESULT_SCHEMA, money_kind),
        lines=_frame(to_records(results, level="line"), LINE_SCHEMA, money_kind),
        findings=_frame(to_records(results, level="finding"), FINDING_SCHEMA, money_kind),
        results=tuple(results),
    )


def _check_columns(frame: Any) -> None:
    names = list(frame.columns)
    twice = sorted({str(c) for c in names if names.count(c) > 1})
    if twice:
        raise InvalidInputError(
            f"the frame has column(s) {', '.join(map(repr, twice))} more than once; "
            "each column must be named once",
            value=twice,
            field="frame",
        )
    missing = [c for c in _REQUIRED if c not in names]
    if missing and len(frame):
        raise InvalidInputError(
            f"the frame has no {', '.join(map(repr, missing))} column; required: "
            f"{', '.join(_REQUIRED)} (its columns: {', '.join(map(str, names[:20]))})",
            value=missing,
            field="frame",
        )


def _payer_cell(value: Any, cells: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return cells.get(value.strip().lower(), value)
    return value


def _audit(
    visits: Sequence[object], history: bool, progress: Progress, workers: int
) -> list[AuditResult]:
    if history:
        from ot_billing_rules.history import audit_history

        return list(audit_history(visits, errors="collect", workers=workers, progress=progress))  # type: ignore[arg-type]
    return list(audit_many(visits, errors="collect", workers=workers, progress=progress))  # type: ignore[arg-type]


def _rows(result: AuditResult, report: AuditReport, version: str) -> Any:
    # Runs in a worker: the visit's row and its line and finding rows, as plain tuples.
    return (
        tuple(_visit_record(result, version).values()),
        [tuple(r.values()) for r in _line_records(result, report, version)],
        [tuple(r.values()) for r in _finding_records(result, report, version)],
    )


def _rows_in_workers(
    visits: list[Any], combined: Mapping[str, list[Finding]], progress: Progress, workers: int
) -> tuple[list[Any], list[Any], list[Any]]:
    # A visit's combined-rows findings travel with it: the worker adds them
    # before it builds the rows, as the one-process path does after the audit.
    items = (
        _WithFindings(v, tuple(combined[v.visit_id]))
        if isinstance(v, Visit) and v.visit_id is not None and v.visit_id in combined
        else v
        for v in visits
    )
    v_rows: list[Any] = []
    l_rows: list[Any] = []
    f_rows: list[Any] = []
    version = data_version().version
    made = _made_in_workers(items, _rows, workers=workers)
    for item in track(made, progress, len(visits)):
        if isinstance(item, _Made):
            visit_row, lines, findings = item.value
            v_rows.append(visit_row)
            l_rows.extend(lines)
            f_rows.extend(findings)
        else:  # not audited: the error row, built here as to_records builds it
            if item.visit_id is None:  # a worker's death names the wrapper, not the visit
                item = attrs.evolve(item, visit_id=_visit_id(visits[item.index]))
            v_rows.append(tuple(_visit_record(item, version).values()))
    return v_rows, l_rows, f_rows


class _Again:
    """The visits behind a workers-built :class:`FrameAudit`, to audit again on demand."""

    def __init__(
        self, visits: list[Any], combined: Mapping[str, list[Finding]], workers: int
    ) -> None:
        self.visits = visits
        self.combined = combined
        self.workers = workers
        self.done: tuple[AuditResult, ...] | None = None

    def _combined(self, results: Iterable[AuditResult]) -> Iterator[AuditResult]:
        for r in results:
            extra = self.combined.get(r.visit_id) if r.visit_id is not None else None
            yield _with_findings(r, extra) if extra else r

    def results(self) -> tuple[AuditResult, ...]:
        if self.done is None:
            self.done = tuple(self._combined(_audit(self.visits, False, False, self.workers)))
        return self.done

    def report(self, visit_id: str) -> AuditReport | None:
        # Only this visit's rows, audited here: no pool for one report.
        for n, visit in enumerate(self.visits):
            if _visit_id(visit) != visit_id:
                continue
            (result,) = self._combined([_audit_one(n, visit, True)])
            if result.report is not None:
                return result.report
        return None


def sample_export(rows: int = 10_000, *, seed: int = 16) -> Any:
    """A synthetic billing export of ``rows`` rows as a DataFrame of text cells, to try
    :func:`audit_frame` on (nothing in it is real claim data).

    Like a practice-management export: ``claim_id``, ``visit_id``,
    ``patient_id``, ``date_of_service``, ``payer`` (``"MEDICARE PART B"``,
    ``"Aetna Commercial"``), ``locality``, ``code``, ``modifiers``, ``minutes``
    (empty for the evaluation), ``icd10``; 97110 split over a GO and a GO,CO row.
    """
    from ot_billing_rules._frame_synthetic import EXPORT_COLUMNS, export_rows

    count = require_int(rows, field="rows", minimum=1, maximum=10_000_000)
    return pd.DataFrame(export_rows(count, seed=seed), columns=list(EXPORT_COLUMNS))
