"""A reproducible synthetic claim year for tests, docs and the benchmark.

Nothing here is real claim data: ``patients`` patients, each with an OT
evaluation, a certified plan of care and two or three visits a week, some
days split into two sessions, progress reports written every 8 to 12
treatment days, and ``visit_allowed`` amounts that take some patients above
the KX threshold.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

_CODES = ("97530", "97535", "97110", "97112", "97140")


def synthetic_year(
    patients: int = 1000, *, year: int = 2024, seed: int = 14
) -> list[dict[str, Any]]:
    """Visits (``Visit.from_dict`` mappings) of ``patients`` patients over ``year``."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for p in range(patients):
        pid = f"P{p:05d}"
        start = date(year, 1, 2) + timedelta(days=rng.randrange(0, 200))
        plan = {"first_treatment": start.isoformat(), "certified_on": start.isoformat()}
        day, n, since = start, 0, 0
        every = rng.randrange(8, 13)
        stop = start + timedelta(days=rng.randrange(60, 160))
        while day <= stop and day.year == year:
            n += 1
            since += 1
            sessions = 2 if rng.random() < 0.1 else 1
            for s in range(sessions):
                services = [
                    {
                        "code": c,
                        "minutes": rng.randrange(5, 30) if sessions == 2 else rng.randrange(8, 40),
                    }
                    for c in rng.sample(_CODES, rng.randrange(1, 3))
                ]
                visit: dict[str, Any] = {
                    "patient_id": pid,
                    "visit_id": f"{pid}-{n:03d}{'ab'[s]}",
                    "date_of_service": day.isoformat(),
                    "billing_provider": "1234567893",
                    "visit_allowed": f"{rng.randrange(60, 140)}.00",
                    "services": services,
                }
                if n == 1 and s == 0:
                    visit["services"] = [{"code": "97166"}]
                    visit["plan_of_care"] = plan
                if since >= every and s == 0:
                    visit["progress_report"] = True
                out.append(visit)
            if since >= every:
                since = 0
            day += timedelta(days=rng.choice((2, 2, 3, 4)))
    rng.shuffle(out)
    return out
