"""Telehealth data and API (ot_billing_rules.telehealth): each window and list
row against the public source it was read in."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ot_billing_rules import on_telehealth_list, telehealth_window
from ot_billing_rules.telehealth import (
    ListStatus,
    WindowStatus,
    list_entry,
    pos_facility_rate,
    telehealth_windows,
)


@pytest.mark.parametrize(
    ("day", "status", "act", "enacted"),
    [
        # SSA §1834(m)(4)(E): therapists are not distant-site practitioners (APTA 2020-03-31).
        ("2020-02-29", "not_eligible", "1834(m)(4)(E)", None),
        # CMS 2020-04-30 (WebPT 2020-04-30): PHE waiver retroactive to 2020-03-01.
        ("2020-03-01", "eligible", "CMS-5531-IFC", "2020-04-30"),
        ("2023-05-11", "eligible", "CMS-5531-IFC", "2020-04-30"),
        # CAA 2023 Div. FF §4113: through 2024-12-31 (McKnight's).
        ("2024-12-31", "eligible", "Consolidated Appropriations Act, 2023", "2022-12-29"),
        # American Relief Act, 2025: signed 2024-12-21, through 2025-03-31.
        ("2025-03-31", "eligible", "American Relief Act, 2025", "2024-12-21"),
        # H.R. 1968: through 2025-09-30.
        ("2025-09-30", "eligible", "H.R. 1968", "2025-03-15"),
        # Lapse from 2025-10-01 reversed by Pub. L. 119-37 of 2025-11-12 (APMA 2025-11-19).
        ("2025-10-01", "eligible", "Pub. L. 119-37", "2025-11-12"),
        ("2026-01-30", "eligible", "Pub. L. 119-37", "2025-11-12"),
        # Lapse from 2026-01-31; CAA 2026 signed 2026-02-03, through 2027-12-31 (McGuireWoods).
        ("2026-01-31", "eligible", "H.R. 7148", "2026-02-03"),
        ("2027-12-31", "eligible", "H.R. 7148", "2026-02-03"),
        # McGuireWoods 2026-02: not after 2027 unless Congress acts again.
        ("2028-01-01", "not_eligible", "Consolidated Appropriations Act, 2026", None),
    ],
)
def test_each_window_matches_its_source(
    day: str, status: str, act: str, enacted: str | None
) -> None:
    w = telehealth_window(day)
    assert w is not None
    assert w.status.value == status
    assert act in w.authority
    assert (w.enacted_on.isoformat() if w.enacted_on else None) == enacted
    assert w.source
    assert w.grade in "ABCD"


def test_the_windows_tile_time() -> None:
    windows = telehealth_windows()
    assert windows[0].start is None
    assert windows[-1].end is None
    for a, b in itertools.pairwise(windows):
        assert a.end is not None
        assert b.start == a.end + timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "retro"),
    [
        ("2020-03-15", True),  # before the 2020-04-30 announcement
        ("2021-06-01", False),
        ("2025-10-15", True),  # in the lapse, reversed on 2025-11-12
        ("2025-11-12", False),
        ("2026-02-02", True),  # in the lapse, reversed on 2026-02-03
        ("2026-02-03", False),
    ],
)
def test_retroactive_only_before_enactment(day: str, retro: bool) -> None:
    w = telehealth_window(day)
    assert w is not None
    assert w.retroactive_for(day) is retro


@given(st.dates(min_value=date(2020, 3, 1), max_value=date(2027, 12, 31)))
def test_every_date_from_2020_03_01_through_2027_is_eligible(day: date) -> None:
    w = telehealth_window(day)
    assert w is not None
    assert w.status is WindowStatus.ELIGIBLE


@pytest.mark.parametrize(
    ("code", "day", "listed", "status"),
    [
        # CMS-1744-IFC additions (WebPT 2020-04-30), through 2023 (pt-management.com).
        ("97110", "2020-03-01", True, "temporary"),
        ("97165", "2023-12-31", True, "temporary"),
        ("97535", "2024-06-01", True, "provisional"),
        # CY 2026 PFS: the provisional/permanent distinction removed (WEDI 2025-11-03).
        ("97112", "2026-06-01", True, "permanent"),
        # 97530: through the end of the PHE (pt-management.com), later status unknown.
        ("97530", "2023-05-11", True, "temporary"),
        ("97530", "2023-05-12", None, "unknown"),
        # Caregiver training: provisional from 2025 (Manatt CY 2025 PFS summary).
        ("97550", "2024-06-01", False, "not_listed"),
        ("97550", "2025-06-01", True, "provisional"),
    ],
)
def test_list_rows_match_their_sources(
    code: str, day: str, listed: bool | None, status: str
) -> None:
    assert on_telehealth_list(code, day) is listed
    entry = list_entry(code, day)
    assert entry is not None
    assert entry.status is ListStatus(status)


def test_a_code_the_data_does_not_hold_is_unknown() -> None:
    assert list_entry("97140", "2024-06-01") is None
    assert on_telehealth_list(" 97140 ", "2024-06-01") is None


@pytest.mark.parametrize(
    ("pos", "day", "facility"),
    [
        ("02", "2024-01-01", True),  # CY 2024 PFS: facility rate
        ("10", "2024-01-01", False),  # CY 2024 PFS: non-facility rate (home)
        ("02", "2023-12-31", None),  # not confirmed from a source read
        ("10", "2022-06-01", None),
    ],
)
def test_pos_rate_by_date(pos: str, day: str, facility: bool | None) -> None:
    assert pos_facility_rate(pos, day) is facility


def test_the_docs_windows_table_matches_the_data() -> None:
    page = (Path(__file__).parents[2] / "docs" / "telehealth.md").read_text("utf-8")
    for w in telehealth_windows():
        start = w.start.isoformat() if w.start else "—"
        end = w.end.isoformat() if w.end else "—"
        enacted = w.enacted_on.isoformat() if w.enacted_on else "—"
        status = w.status.value.replace("_", " ")
        assert f"| {start} | {end} | {status} | {enacted} |" in page, (start, end)
