"""The dashboard's figures and the paged listings, on every backend; fast on 100k runs."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlmodel import Session

from orchestrator.store import ExceptionCase, RunRecord, Store, utcnow
from orchestrator.store.figures import midnight


def _set(store: Store, model: type, record_id: int, **fields: object) -> None:
    with Session(store.engine) as s:
        record = s.get(model, record_id)
        for name, value in fields.items():
            setattr(record, name, value)
        s.add(record)
        s.commit()


def _run(store: Store, bot: str, status: str, started: dt.datetime, robot: str = "") -> int:
    run = store.start_run(bot, {})
    assert run.id is not None
    store.finish_run(run.id, status)
    _set(store, RunRecord, run.id, started_at=started, robot=robot or None)
    return run.id


def test_runs_today_and_per_day(store: Store) -> None:
    now = utcnow()
    today = midnight(now)
    _run(store, "a", "successful", today + dt.timedelta(minutes=1))
    _run(store, "a", "failed", today + dt.timedelta(minutes=2))
    _run(store, "b", "successful", today - dt.timedelta(days=1, hours=-1))
    _run(store, "b", "killed", today - dt.timedelta(days=20))
    assert store.runs_by_status(today) == {"successful": 1, "failed": 1}
    days = store.runs_per_day(14, now)
    assert len(days) == 14 and days[-1].day == today.date()
    assert (days[-1].total, days[-1].failed) == (2, 1)
    assert (days[-2].total, days[-2].failed) == (1, 0)
    assert sum(d.total for d in days) == 3


def test_items_per_bot_and_success_rate(store: Store) -> None:
    run_a = _run(store, "a", "successful", utcnow())
    store.ensure_queue("q", max_retries=0)
    for n in range(4):
        store.add_item("q", f"R{n}")
        item = store.claim_item("q", "w", run_id=run_a)
        assert item is not None and item.id is not None
        if n == 0:
            store.fail_item(item.id, "business", "UNMATCHED")
        else:
            store.complete_item(item.id, {})
    store.add_item("q", "waiting")
    (figures,) = store.items_by_bot(utcnow() - dt.timedelta(days=1))
    assert (figures.bot, figures.successful, figures.failed, figures.processed) == ("a", 3, 1, 4)
    assert figures.success_rate == pytest.approx(0.75)
    assert store.items_by_bot(utcnow() + dt.timedelta(minutes=1)) == []


def test_open_cases_by_age_and_sla(store: Store) -> None:
    now = utcnow()
    for n, (days, reason) in enumerate([(0.1, "UNMATCHED"), (2, "UNMATCHED"), (4, "SHORT"),
                                        (10, "UNMATCHED")]):
        case = store.open_case(None, None, f"C{n}", reason, "x", amount=Decimal("1.00"))
        created = now - dt.timedelta(days=days)
        _set(store, ExceptionCase, case.id or 0, created_at=created,
             sla_due_at=created + dt.timedelta(days=1))
    for n, hours in enumerate((1, 3, 50)):
        case = store.open_case(None, None, f"D{n}", "UNMATCHED", "done")
        created = now - dt.timedelta(days=5)
        _set(store, ExceptionCase, case.id or 0, status="resolved", created_at=created,
             sla_due_at=created + dt.timedelta(hours=48),
             resolved_at=created + dt.timedelta(hours=hours))
    rows = {r.reason: r.buckets for r in store.open_cases_by_age(now)}
    assert rows["UNMATCHED"] == {"< 1 d": 1, "1–3 d": 1, "3–7 d": 0, "> 7 d": 1}
    assert rows["SHORT"] == {"< 1 d": 0, "1–3 d": 0, "3–7 d": 1, "> 7 d": 0}
    sla = store.sla_figures(now - dt.timedelta(days=30), now)
    assert (sla.open_overdue, sla.resolved, sla.resolved_late) == (3, 3, 1)
    assert sla.median_resolve_seconds == 3 * 3600


def test_find_runs_filters_and_pages(store: Store) -> None:
    base = utcnow() - dt.timedelta(days=3)
    ids = [_run(store, "a" if n % 2 else "b", "failed" if n % 3 == 0 else "successful",
                base + dt.timedelta(days=n % 3), robot=f"r{n % 2}") for n in range(12)]
    page = store.find_runs(limit=5)
    assert page.total == 12 and [r.id for r in page.records] == ids[::-1][:5]
    assert page.has_next and not store.find_runs(limit=5, offset=10).has_next
    failed_a = store.find_runs(bot="a", status="failed")
    assert {r.id for r in failed_a.records} == {ids[3], ids[9]}
    assert store.find_runs(robot="r0").total == 6
    day_two = store.find_runs(since=base + dt.timedelta(days=1),
                              until=base + dt.timedelta(days=1, seconds=1))
    assert day_two.total == 4
    assert store.run_facets() == {"bots": ["a", "b"], "robots": ["r0", "r1"]}


def test_find_items_matches_part_of_the_reference_literally(store: Store) -> None:
    store.ensure_queue("q")
    for ref in ("INV-100", "inv-200", "X%Y", "XAY"):
        store.add_item("q", ref)
    assert {i.reference for i in store.find_items(reference="inv").records} == {
        "INV-100", "inv-200"}
    assert [i.reference for i in store.find_items(reference="%").records] == ["X%Y"]
    assert store.find_items(queue="q", state="new", limit=2).total == 4


def test_figures_are_fast_on_100k_runs(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/big.db")
    now = utcnow()
    rows = [{"bot": f"bot{n % 7}", "status": ("successful", "failed", "running")[n % 3],
             "args": {}, "host": "", "trigger": "schedule", "credentials": [],
             "summary": {}, "created_at": now - dt.timedelta(minutes=n),
             "started_at": now - dt.timedelta(minutes=n)} for n in range(100_000)]
    with store.engine.begin() as conn:
        conn.execute(insert(RunRecord), rows)
    started = time.perf_counter()
    store.runs_by_status(midnight(now))
    days = store.runs_per_day(14, now)
    page = store.find_runs(bot="bot3", status="failed", limit=50, offset=100)
    elapsed = time.perf_counter() - started
    assert sum(d.total for d in days) > 10_000 and len(page.records) == 50
    print(f"figures on 100k runs: {elapsed:.3f} s")
    assert elapsed < 3.0, f"{elapsed:.2f} s"
