"""The scheduler service: restarts with due schedules, day rules, queue triggers, live loop."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import time_machine
from schedhelp import at, jobs_of, set_due

from orchestrator.scheduler import (
    SchedulerService,
    add_schedule,
    set_calendar,
    set_schedule_enabled,
)
from orchestrator.store import Store

BOT = "payment-posting"


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_restart_with_due_schedules_fires_per_misfire_policy(store: Store) -> None:
    """Down from 09:49:30 to 10:00:40: every schedule does what its policy says, once."""
    minutely, hourly = {"cron": "* * * * *"}, {"cron": "50 * * * *"}
    with time_machine.travel(at("2026-03-02T09:49:30"), tick=False):
        add_schedule(store, "coalesced", BOT, "cron", minutely,
                     misfire_grace_seconds=3600)
        add_schedule(store, "each", BOT, "cron", minutely, misfire_grace_seconds=3600,
                     coalesce=False)
        add_schedule(store, "skipped", BOT, "cron", minutely, misfire="skip",
                     misfire_grace_seconds=3600)
        add_schedule(store, "too-late", BOT, "cron", hourly, misfire_grace_seconds=300)
        assert SchedulerService(store).tick() == []  # the orchestrator stops here
    ids = {s.name: s.id for s in store.list_schedules()}
    with time_machine.travel(at("2026-03-02T10:00:40"), tick=False):
        restarted = SchedulerService(store)
        created = restarted.tick()
        assert restarted.tick() == [] and SchedulerService(store).tick() == []
    counts = {name: len(jobs_of(store, sid)) for name, sid in ids.items()}
    assert counts == {"coalesced": 1, "each": 11, "skipped": 0, "too-late": 0}
    assert len(created) == 12 and all(j.status == "pending" for j in created)
    after = {s.name: s for s in store.list_schedules()}
    assert {n: s.next_fire_at for n, s in after.items()} == {
        "coalesced": at("2026-03-02T10:01:00"), "each": at("2026-03-02T10:01:00"),
        "skipped": at("2026-03-02T10:01:00"), "too-late": at("2026-03-02T10:50:00")}
    assert after["each"].last_fire_at == at("2026-03-02T10:00:00")
    assert after["skipped"].last_fire_at is None and after["too-late"].last_fire_at is None


def test_no_coalesce_is_bounded(store: Store) -> None:
    with time_machine.travel(at("2026-03-02T07:00:10"), tick=False):
        s = add_schedule(store, "each", BOT, "cron", {"cron": "* * * * *"},
                         coalesce=False, misfire_grace_seconds=86400)
    set_due(store, "each", at("2026-03-01T12:00:00"))
    with time_machine.travel(at("2026-03-02T10:00:10"), tick=False):
        assert len(SchedulerService(store).tick()) == 100
    assert len(jobs_of(store, s.id)) == 100
    assert store.get_schedule("each").next_fire_at == at("2026-03-02T10:01:00")


def test_holiday_does_not_fire_first_business_day_does(store: Store) -> None:
    set_calendar(store, "TARGET2", [5, 6],
                 {"2026-01-01": "New Year", "2026-12-25": "Christmas"})
    with time_machine.travel(at("2025-12-31T12:00:00"), tick=False):
        daily = add_schedule(store, "statements", BOT, "cron", {"cron": "0 7 * * *"},
                             timezone="Europe/Berlin", calendar="TARGET2",
                             day_rule="business_days")
        monthly = add_schedule(store, "month-start", BOT, "cron", {"cron": "30 7 * * *"},
                               timezone="Europe/Berlin", calendar="TARGET2",
                               day_rule="first_business_day")
    service = SchedulerService(store)
    for moment, expected in [
        ("2026-01-01T06:00:05", {"statements": 0, "month-start": 0}),  # New Year 07:00 CET
        ("2026-01-01T06:30:05", {"statements": 0, "month-start": 0}),
        ("2026-01-02T06:00:05", {"statements": 1, "month-start": 0}),
        ("2026-01-02T06:30:05", {"statements": 1, "month-start": 1}),
        ("2026-01-05T06:00:05", {"statements": 2, "month-start": 1}),  # Saturday, Sunday off
        ("2026-01-05T06:30:05", {"statements": 2, "month-start": 1}),
    ]:
        with time_machine.travel(at(moment), tick=False):
            service.tick()
        got = {"statements": len(jobs_of(store, daily.id)),
               "month-start": len(jobs_of(store, monthly.id))}
        assert got == expected, moment
    assert store.get_schedule("month-start").next_fire_at == at("2026-02-02T06:30:00")
    with time_machine.travel(at("2026-07-31T12:00:00"), tick=False):
        set_schedule_enabled(store, "month-start", False)
        set_schedule_enabled(store, "month-start", True)
    # 1 August 2026 is a Saturday: the Monday, 07:30 CEST
    assert store.get_schedule("month-start").next_fire_at == at("2026-08-03T05:30:00")


def test_queue_trigger_starts_jobs_up_to_max_concurrent(sqlite_store: Store) -> None:
    store = sqlite_store
    store.ensure_queue("payment-posting")
    s = add_schedule(store, "drain", BOT, "queue", {"queue": "payment-posting",
                                                    "max_concurrent": 2})
    with SchedulerService(store, poll_seconds=0.05):
        time.sleep(0.2)
        assert jobs_of(store, s.id) == []  # no items, no job
        store.add_item("payment-posting", "P1")
        wait_for(lambda: len(jobs_of(store, s.id)) == 1)
        for n in range(2, 6):
            store.add_item("payment-posting", f"P{n}")
        wait_for(lambda: len(jobs_of(store, s.id)) == 2)
        time.sleep(0.3)  # several passes: still two
        assert len(jobs_of(store, s.id)) == 2
        first = jobs_of(store, s.id)[0]
        assert first.id is not None and first.trigger == "queue"
        store.set_run_status(first.id, "running")
        store.finish_run(first.id, "successful")
        wait_for(lambda: len(jobs_of(store, s.id)) == 3)
        time.sleep(0.3)
    assert len(jobs_of(store, s.id)) == 3
    active = [j for j in jobs_of(store, s.id) if j.status in ("pending", "running")]
    assert len(active) == 2


def test_live_loop_sees_new_schedules_and_stops(sqlite_store: Store) -> None:
    store = sqlite_store
    service = SchedulerService(store, poll_seconds=0.2)
    service.start()
    try:
        assert service.running
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.6)
        once = add_schedule(store, "once", BOT, "date", {"at": soon.isoformat()})
        fast = add_schedule(store, "fast", BOT, "interval", {"seconds": 1})
        wait_for(lambda: len(jobs_of(store, once.id)) == 1)
        job = jobs_of(store, once.id)[0]
        assert (job.created_at - soon).total_seconds() < 1.0  # within a poll of its time
        wait_for(lambda: len(jobs_of(store, fast.id)) >= 2, timeout=4)
    finally:
        service.shutdown()
    assert not service.running
    stopped_at = len(jobs_of(store))
    time.sleep(1.1)
    assert len(jobs_of(store)) == stopped_at
    assert store.get_schedule("once").next_fire_at is None
