"""A queue trigger waits after a run of its bot stopped for application failures in a row
on its queue (the target was down), instead of starting run after run that each fail a few
more of the items left."""

from __future__ import annotations

import datetime as dt

from orchestrator.scheduler import TIMING, add_schedule
from orchestrator.store import Store
from orchestrator.store.schedule_fires import QUEUE_HOLD_OFF, hold_off

BOT = "crm-sync"
QUEUE = "crm-updates"


def _stopped(store: Store, job_id: int, queue: str) -> None:
    store.set_run_status(job_id, "running")
    store.finish_run(job_id, "failed", {"stopped_after_failures": {"queue": queue,
                                                                   "failures": 5}},
                     "ConsecutiveFailuresError: stopped after 5 consecutive application "
                     f"failures (queue {queue}): SERVICE_DESK_UNAVAILABLE: ...")


def test_a_queue_trigger_holds_off_after_its_bot_stopped_on_its_queue(store: Store) -> None:
    store.ensure_queue(QUEUE)
    s = add_schedule(store, "desk-retries", BOT, "queue", {"queue": QUEUE, "max_concurrent": 1})
    assert s.id is not None
    for n in range(8):
        store.add_item(QUEUE, f"EV-{n}")
    [job] = store.fire_queue_schedule(s.id, dt.datetime.now(dt.UTC), timing=TIMING)
    assert job.id is not None
    _stopped(store, job.id, QUEUE)
    now = dt.datetime.now(dt.UTC)
    assert store.fire_queue_schedule(s.id, now, timing=TIMING) == []  # the items wait
    later = now + QUEUE_HOLD_OFF + dt.timedelta(seconds=1)
    [again] = store.fire_queue_schedule(s.id, later, timing=TIMING)
    assert again.id is not None

    # an ordinary failure, or a stop on another queue of the bot, holds nothing off
    store.set_run_status(again.id, "running")
    store.finish_run(again.id, "failed", {}, "RuntimeError: boom")
    [third] = store.fire_queue_schedule(s.id, dt.datetime.now(dt.UTC), timing=TIMING)
    assert third.id is not None
    _stopped(store, third.id, "another-queue")
    assert len(store.fire_queue_schedule(s.id, dt.datetime.now(dt.UTC), timing=TIMING)) == 1


def test_the_hold_off_is_the_triggers_own(store: Store) -> None:
    store.ensure_queue(QUEUE)
    for n in range(8):
        store.add_item(QUEUE, f"EV-{n}")
    quick = add_schedule(store, "desk-quick", BOT, "queue",
                         {"queue": QUEUE, "hold_off_minutes": 2})
    assert quick.id is not None and quick.spec["hold_off_minutes"] == 2
    [job] = store.fire_queue_schedule(quick.id, dt.datetime.now(dt.UTC), timing=TIMING)
    assert job.id is not None
    _stopped(store, job.id, QUEUE)
    now = dt.datetime.now(dt.UTC)
    assert store.fire_queue_schedule(quick.id, now + dt.timedelta(minutes=1),
                                     timing=TIMING) == []
    [again] = store.fire_queue_schedule(quick.id, now + dt.timedelta(minutes=2, seconds=1),
                                        timing=TIMING)
    assert again.id is not None
    _stopped(store, again.id, QUEUE)
    at_once = add_schedule(store, "desk-at-once", BOT, "queue",
                           {"queue": QUEUE, "hold_off_minutes": 0, "max_concurrent": 1})
    assert at_once.id is not None
    assert len(store.fire_queue_schedule(at_once.id, dt.datetime.now(dt.UTC),
                                         timing=TIMING)) == 1


def test_a_hold_off_written_behind_the_applications_back_falls_back_to_ten_minutes() -> None:
    for stored in (None, -5, 10**12, True, "3", 7 * 24 * 60 + 1):
        assert hold_off({"queue": QUEUE, "hold_off_minutes": stored}) == QUEUE_HOLD_OFF
    assert hold_off({"queue": QUEUE, "hold_off_minutes": 0}) == dt.timedelta(0)
