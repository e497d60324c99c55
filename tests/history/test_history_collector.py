"""audit_history and the garbage collector: paused while a patient is audited in this
process, frozen after, and always given back as the program had it."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from ot_billing_rules import audit_history, history
from ot_billing_rules._history_synthetic import synthetic_year

YEAR = synthetic_year(40)
ORDERED = sorted(YEAR, key=lambda v: (v["patient_id"], v["date_of_service"]))


@pytest.fixture
def enabled() -> Iterator[None]:
    # The suite may run with the collector in any state: these tests need it on, unfrozen.
    was = gc.isenabled()
    gc.enable()
    assert gc.get_freeze_count() == 0
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()


def _spy(monkeypatch: pytest.MonkeyPatch, seen: list[bool], fail_at: int = -1) -> None:
    real = history.audit_visit

    def audit(v: Any, **kw: Any) -> Any:
        seen.append(gc.isenabled())
        if len(seen) == fail_at:
            raise KeyboardInterrupt  # not an Exception: the audit's own failure path skips it
        return real(v, **kw)

    monkeypatch.setattr(history, "audit_visit", audit)


@pytest.mark.usefixtures("enabled")
@pytest.mark.parametrize("presorted", [False, True])
def test_paused_during_each_patient_and_on_between(
    monkeypatch: pytest.MonkeyPatch, presorted: bool
) -> None:
    seen: list[bool] = []
    _spy(monkeypatch, seen)
    between = []
    for _ in audit_history(ORDERED if presorted else YEAR, presorted=presorted):
        between.append(gc.isenabled())  # the caller's code runs with the collector on
    assert len(seen) >= len(YEAR) // 2
    assert not any(seen)
    assert all(between)
    assert len(between) == len(YEAR)
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("enabled")
def test_no_young_collection_while_presorted_patients_are_audited() -> None:
    # Before the pause, about one per patient: each patient's held results filled the
    # youngest generation. Presorted input builds nothing else that lives.
    runs: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            runs.append(info["generation"])

    list(audit_history(ORDERED[:50], presorted=True))  # warm: first-use caches
    gc.callbacks.append(count)
    try:
        n = sum(1 for _ in audit_history(ORDERED, presorted=True))
    finally:
        gc.callbacks.remove(count)
    assert n == len(YEAR)
    assert runs == []


@pytest.mark.usefixtures("enabled")
def test_given_back_when_the_task_is_interrupted(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    _spy(monkeypatch, seen, fail_at=30)
    with pytest.raises(KeyboardInterrupt):
        list(audit_history(YEAR))
    assert len(seen) == 30
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_collector_the_program_turned_off_stays_off(monkeypatch: pytest.MonkeyPatch) -> None:
    was = gc.isenabled()
    gc.disable()
    try:
        seen: list[bool] = []
        _spy(monkeypatch, seen)
        assert sum(1 for _ in audit_history(YEAR)) == len(YEAR)
        assert not gc.isenabled()
        assert gc.get_freeze_count() == 0  # nothing frozen: the program manages its collector
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.usefixtures("enabled")
def test_a_program_freeze_means_no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    # A program that froze objects itself manages its collector: neither pause nor freeze.
    seen: list[bool] = []
    _spy(monkeypatch, seen)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        list(audit_history(YEAR))
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
    assert all(seen)


def test_an_audit_leaves_no_reference_cycle() -> None:
    # Why pausing is safe: what the paused collector would have freed is cyclic garbage,
    # and a history's audits (findings, pooled days, KX, refusals) make none.
    bad = [dict(v, ytd_allowed="10.00") for v in YEAR[:5]]
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        run = audit_history(YEAR + bad, errors="collect")
        results = list(run)
        assert sum(r.error is not None for r in results) == 5
        assert gc.collect() == 0
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.usefixtures("enabled")
def test_a_pool_workers_chunk_is_audited_paused_and_left_frozen() -> None:
    # _chunk is what a pool worker runs: paused as in this process, and on again after.
    from ot_billing_rules import _history_run

    seen: list[bool] = []

    def task(pid: str, visits: list[Any], state: Any, opening: Any) -> Any:
        seen.append(gc.isenabled())
        return [], None, []

    try:
        out = _history_run._chunk(task, [("a", [], None, None), ("b", [], None, None)])
        assert [pid for pid, _ in out] == ["a", "b"]
        assert seen == [False, False]
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0  # what the chunk built waits frozen until sent
    finally:
        gc.unfreeze()
