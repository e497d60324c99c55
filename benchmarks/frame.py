"""Issue 16: rows/s of ``audit_frame`` on a 100,000-row synthetic export.

``python benchmarks/frame.py [ROWS] [WORKERS]`` (defaults 100,000 and 1)
writes :func:`ot_billing_rules.pandas.sample_export` to a CSV file, reads it
back with ``pd.read_csv`` as an analyst would (float minutes, ``datetime64``
dates, extra columns), and times, in one process and interleaved:

- ``audit_frame`` end to end (cells, combining rows, grouping, auditing,
  the three DataFrames);
- the building blocks on the same rows as clean text (prepared outside the
  timing: no extra columns, repeated codes already combined):
  ``visits_from_rows`` then ``audit_many``. The difference is what the
  frame's own steps cost (reading pandas' cells, combining rows, the
  typed DataFrames).

Prints rows/s and visits/s of each and the frame's overhead. Needs pandas.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import ot_billing_rules as ob
import pandas as pd
from ot_billing_rules.pandas import audit_frame, sample_export

PAYERS = {"MEDICARE PART B": "medicare", "Aetna Commercial": "aetna"}


def _clean_rows(claims: pd.DataFrame) -> list[dict[str, object]]:
    # The rows audit_frame reads, as clean text (made with its own steps, not timed).
    from ot_billing_rules import pandas as obp

    header, columns = obp._cells(claims, "ignore")
    cells, _ = obp._payers(PAYERS)
    at = header.index("payer")
    columns[at] = [obp._payer_cell(v, cells) for v in columns[at]]
    numbered, _ = obp._combine(header, columns)
    return [row for _, row in numbered]


def main(rows: int, workers: int) -> int:
    path = os.path.join(tempfile.mkdtemp(), "claims.csv")
    sample_export(rows).to_csv(path, index=False)
    claims = pd.read_csv(path, parse_dates=["date_of_service"], dtype={"code": str})
    rows_text = _clean_rows(claims)
    frame_times: list[float] = []
    many_times: list[float] = []
    for _ in range(2):  # interleaved, so a change in load hits both alike
        t0 = time.perf_counter()
        audit = audit_frame(claims, payers=PAYERS, workers=workers)
        frame_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        visits = ob.visits_from_rows(rows_text)
        done = sum(1 for _ in ob.audit_many(visits, errors="collect", workers=workers))
        many_times.append(time.perf_counter() - t0)
    frame, many = min(frame_times), min(many_times)
    n_visits = len(audit.visits)
    assert done == n_visits, (done, n_visits)
    print(f"rows {rows:,}  visits {n_visits:,}  workers {workers}  (best of 2, interleaved)")
    rate = "{:7.2f} s  {:9,.0f} rows/s  {:8,.0f} visits/s"
    print("audit_frame:", rate.format(frame, rows / frame, n_visits / frame))
    print("blocks:     ", rate.format(many, rows / many, n_visits / many))
    print(f"audit_frame / building blocks: {frame / many:.2f}x ({frame - many:.2f} s)")
    return 0


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    sys.exit(main(*(args + [100_000, 1][len(args) :])))
