"""The store's schedules and calendars, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from schedhelp import at, jobs_of, set_due

from bots.runtime.errors import DuplicateError, NotFoundError, ScheduleError
from orchestrator.scheduler import (
    TIMING,
    add_schedule,
    plan_fires,
    set_calendar,
    set_schedule_enabled,
)
from orchestrator.store import Store

BOT = "payment-posting"


def test_add_get_list_pause_resume_remove(store: Store) -> None:
    with time_machine.travel(at("2026-03-02T10:00:00"), tick=False):
        added = add_schedule(
            store, "daily", BOT, "cron", {"cron": "0 7 * * mon-fri"}, args={"phase": "intake"},
            timezone="Europe/Berlin", misfire="skip", misfire_grace_seconds=60,
            coalesce=False, created_by="ops.anna")
        add_schedule(store, "every", BOT, "interval", {"every": "15m"})
        add_schedule(store, "paused", BOT, "date", {"at": "2026-12-01T08:00"},
                     enabled=False)
        add_schedule(store, "intake", BOT, "queue", {"queue": "payment-posting",
                                                     "max_concurrent": 2})
    assert added.id is not None and added.next_fire_at == at("2026-03-03T06:00:00")
    got = store.get_schedule("daily")
    assert got.args == {"phase": "intake"} and got.misfire == "skip" and not got.coalesce
    assert got.created_by == "ops.anna" and got.spec == {"cron": "0 7 * * mon-fri"}
    assert store.get_schedule(added.id).name == store.get_schedule(str(added.id)).name == "daily"
    assert [s.name for s in store.list_schedules()] == ["daily", "every", "intake", "paused"]
    assert [s.name for s in store.list_schedules(enabled=False)] == ["paused"]
    assert store.get_schedule("every").next_fire_at == at("2026-03-02T10:15:00")
    assert store.get_schedule("paused").next_fire_at is None
    assert store.get_schedule("intake").next_fire_at is None

    assert set_schedule_enabled(store, "daily", False).next_fire_at is None
    with time_machine.travel(at("2026-03-03T08:00:00"), tick=False):
        resumed = set_schedule_enabled(store, "daily", True)
    assert resumed.enabled and resumed.next_fire_at == at("2026-03-04T06:00:00")
    again = set_schedule_enabled(store, "daily", True)
    assert again.next_fire_at == resumed.next_fire_at

    store.remove_schedule("daily")
    with pytest.raises(NotFoundError):
        store.get_schedule("daily")
    with pytest.raises(NotFoundError):
        store.remove_schedule("daily")


def test_add_refusals_name_the_field(store: Store) -> None:
    add_schedule(store, "daily", BOT, "cron", {"cron": "0 7 * * *"})
    with pytest.raises(DuplicateError):
        add_schedule(store, "daily", BOT, "cron", {"cron": "0 8 * * *"})
    cases = [
        ({"timezone": "Europe/Berln"}, "timezone"),
        ({"calendar": "TARGET2"}, "calendar"),
        ({"day_rule": "weekdays"}, "day_rule"),
        ({"misfire": "later"}, "misfire"),
        ({"misfire_grace_seconds": -1}, "misfire_grace_seconds"),
        ({"day_rule": "first_business_day", "spec": {"cron": "0 7 1 * *"}}, "spec.cron"),
        ({"kind": "date", "spec": {"at": "2020-01-01T00:00"}}, "spec.at"),
        ({"name": "no spaces"}, "name"),
    ]
    for change, field in cases:
        kwargs = {"name": "x", "bot": BOT, "kind": "cron", "spec": {"cron": "0 7 * * *"},
                  **change}
        with pytest.raises(ScheduleError, match=rf"^{field}: "):
            add_schedule(store, **kwargs)  # type: ignore[arg-type]
    assert [s.name for s in store.list_schedules()] == ["daily"]


def test_calendars_and_recompute_on_change(store: Store) -> None:
    cal = set_calendar(store, "TARGET2", [6, 5], {"2026-01-01": "New Year"})
    assert cal.weekend == [5, 6] and cal.holidays == {"2026-01-01": "New Year"}
    with time_machine.travel(at("2025-12-31T12:00:00"), tick=False):
        s = add_schedule(store, "statements", BOT, "cron", {"cron": "0 7 * * *"},
                         timezone="Europe/Berlin", calendar="TARGET2",
                         day_rule="business_days")
    assert s.next_fire_at == at("2026-01-02T06:00:00")  # 1 January: holiday
    set_calendar(store, "TARGET2", [5, 6],
                 {"2026-01-01": "New Year", "2026-01-02": "Bridge"})
    assert store.get_schedule("statements").next_fire_at == at("2026-01-05T06:00:00")
    set_calendar(store, "Gulf", [4, 5])
    assert [c.name for c in store.list_calendars()] == ["Gulf", "TARGET2"]
    assert store.get_calendar("Gulf").holidays == {}
    with pytest.raises(NotFoundError):
        store.get_calendar("nope")
    with pytest.raises(ScheduleError, match=r"^holidays: "):
        set_calendar(store, "bad", [5, 6], {"1st of May": "Labour"})
    with pytest.raises(ScheduleError, match=r"^weekend: "):
        set_calendar(store, "bad", range(7))


def test_fire_is_conditional(store: Store) -> None:
    """Two passes planned from the same state: only the first creates a job."""
    add_schedule(store, "minutely", BOT, "cron", {"cron": "* * * * *"}, args={"a": "1"})
    set_due(store, "minutely", at("2026-03-02T10:00:00"))
    schedule = store.get_schedule("minutely")
    plan = plan_fires(schedule, None, at("2026-03-02T10:00:05"))
    assert plan is not None and schedule.id is not None
    jobs = store.fire_schedule(schedule.id, plan)
    assert jobs is not None and len(jobs) == 1
    assert store.fire_schedule(schedule.id, plan) is None
    job = jobs_of(store, schedule.id)
    assert len(job) == 1 and job[0].status == "pending" and job[0].trigger == "schedule"
    assert job[0].requested_by == "schedule:minutely" and job[0].args == {"a": "1"}
    after = store.get_schedule("minutely")
    assert after.next_fire_at == at("2026-03-02T10:01:00")
    assert after.last_fire_at == at("2026-03-02T10:00:00")
    set_schedule_enabled(store, "minutely", False)
    set_due(store, "minutely", plan.expected)  # paused: never fires, whatever next says
    assert store.fire_schedule(schedule.id, plan) is None


def test_queue_fire_respects_max_concurrent(store: Store) -> None:
    store.ensure_queue("payment-posting")
    s = add_schedule(store, "drain", BOT, "queue", {"queue": "payment-posting",
                                                    "max_concurrent": 2})
    assert s.id is not None
    now = dt.datetime.now(dt.UTC)
    assert store.fire_queue_schedule(s.id, now, timing=TIMING) == []
    for n in range(3):
        store.add_item("payment-posting", f"P{n}")
    assert len(store.fire_queue_schedule(s.id, now, timing=TIMING)) == 2
    assert store.fire_queue_schedule(s.id, now, timing=TIMING) == []
    first = jobs_of(store, s.id)[0]
    assert first.trigger == "queue" and first.requested_by == "schedule:drain"
    assert first.id is not None
    store.set_run_status(first.id, "running")
    assert store.fire_queue_schedule(s.id, now, timing=TIMING) == []  # running still counts
    store.finish_run(first.id, "successful")
    assert len(store.fire_queue_schedule(s.id, now, timing=TIMING)) == 1
    assert len(jobs_of(store, s.id)) == 3
    assert store.get_schedule("drain").last_fire_at is not None


def test_fire_and_its_jobs_commit_together(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while creating the jobs leaves the schedule due: no fire lost, none half."""
    add_schedule(store, "minutely", BOT, "cron", {"cron": "* * * * *"}, coalesce=False,
                 misfire_grace_seconds=3600)
    set_due(store, "minutely", at("2026-03-02T09:58:00"))
    schedule = store.get_schedule("minutely")
    plan = plan_fires(schedule, None, at("2026-03-02T10:00:05"))
    assert plan is not None and plan.jobs == 3 and schedule.id is not None
    real, made = store.create_job, []

    def third_fails(*args: object, **kwargs: object) -> object:
        if len(made) == 2:
            raise RuntimeError("database went away")
        made.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(store, "create_job", third_fails)
    with pytest.raises(RuntimeError):
        store.fire_schedule(schedule.id, plan)
    assert len(made) == 2 and jobs_of(store) == []
    assert store.get_schedule("minutely").next_fire_at == at("2026-03-02T09:58:00")
    monkeypatch.undo()
    assert len(store.fire_schedule(schedule.id, plan) or []) == 3
