"""Firing schedules: exactly one job per fire, even with two schedulers on one database.

A time fire is a conditional ``UPDATE schedule SET next_fire_at = <new> WHERE id = ? AND
next_fire_at = <the due time the plan was made from>``; only the caller whose update
matched creates the jobs, in the same transaction (``_tx(join=True)``: ``create_job`` runs
inside it), so a crash can neither lose the fire nor leave it half done.

A queue fire locks the schedule's row (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
SQLite), counts claimable items and the bot's active jobs, and creates jobs up to
``max_concurrent`` in that transaction.
After the bot's last run stopped for application failures in a row on the trigger's queue
(its target was down: the run's summary says ``stopped_after_failures``), a queue trigger
starts nothing for its ``hold_off_minutes`` (:data:`QUEUE_HOLD_OFF` for a trigger stored
without one): the items that run left wait for a later run,
rather than each new run failing a few more of them at once.

The fire plan and the day rule are the scheduler's (:mod:`.schedule_timing`): the store
applies them.

A job's ``credentials`` (the vault entries it uses) come from the caller, which reads
them from the bot's declaration: the store knows no bots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, or_, select

from bots.runtime.errors import StoreError
from orchestrator.store.base import StoreBase
from orchestrator.store.models import BusinessCalendar, RunRecord, Schedule, WorkItem
from orchestrator.store.schedule_timing import FireUpdate, ScheduleTiming
from orchestrator.store.states import ItemState, RunStatus

__all__ = ["ACTIVE_JOB_STATES", "MAX_HOLD_OFF", "QUEUE_HOLD_OFF", "ScheduleFiresMixin",
           "hold_off"]

#: Jobs that count against a queue trigger's ``max_concurrent``.
ACTIVE_JOB_STATES = (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.STOPPING)

#: How long a queue trigger waits after a run of its bot stopped for application failures
#: in a row on its queue (a time schedule's runs still come as planned).
QUEUE_HOLD_OFF = dt.timedelta(minutes=10)
#: The longest wait a queue trigger may set.
MAX_HOLD_OFF = dt.timedelta(weeks=1)


def hold_off(spec: dict[str, Any]) -> dt.timedelta:
    """A queue trigger's wait after a stop on failures: its ``hold_off_minutes`` when that
    is whole minutes up to :data:`MAX_HOLD_OFF`, else :data:`QUEUE_HOLD_OFF` (a trigger
    stored without one, or a row written behind the application's back)."""
    minutes = spec.get("hold_off_minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) \
            or not 0 <= minutes <= MAX_HOLD_OFF // dt.timedelta(minutes=1):
        return QUEUE_HOLD_OFF
    return dt.timedelta(minutes=minutes)


class ScheduleFiresMixin(StoreBase):
    def fire_schedule(self, schedule_id: int, plan: FireUpdate, *,
                      credentials: Sequence[str] = ()) -> list[RunRecord] | None:
        """Apply ``plan`` (from :func:`orchestrator.scheduler.timing.plan_fires`).

        Returns the jobs created (maybe none: all fires dropped as missed), or ``None`` when
        the schedule moved on meanwhile (another scheduler fired it, it was paused, removed
        or changed): then nothing was done.
        """
        with self._tx(write=True, join=True) as s:
            moved = s.execute(
                update(Schedule)
                .where(col(Schedule.id) == schedule_id,
                       col(Schedule.next_fire_at) == plan.expected,
                       col(Schedule.enabled).is_(True))
                .values(next_fire_at=plan.next_fire_at, last_fire_at=plan.last_fire_at)
                .execution_options(synchronize_session=False)
            )
            if getattr(moved, "rowcount", 0) != 1:
                return None
            schedule = s.get(Schedule, schedule_id)
            assert schedule is not None
            return [self._schedule_job(schedule, "schedule", credentials)
                    for _ in range(plan.jobs)]

    def fire_queue_schedule(self, schedule_id: int, now: dt.datetime, *,
                            timing: ScheduleTiming,
                            credentials: Sequence[str] = ()) -> list[RunRecord]:
        """Start jobs for a queue trigger if its queue has work and the bot has room (and
        ``timing`` says its day rule allows today)."""
        with self._tx(write=True, join=True) as s:
            schedule = s.exec(
                select(Schedule).where(Schedule.id == schedule_id).with_for_update()
            ).first()
            if schedule is None or not schedule.enabled or schedule.kind != "queue":
                return []
            if not self._queue_day_allowed(s, schedule, now, timing):
                return []
            spec: dict[str, Any] = schedule.spec
            if self._stopped_lately(s, schedule.bot, spec["queue"], now - hold_off(spec)):
                return []
            items = self._count(s, select(func.count()).select_from(WorkItem).where(
                WorkItem.queue == spec["queue"], WorkItem.state == ItemState.NEW,
                or_(col(WorkItem.not_before).is_(None), col(WorkItem.not_before) <= now),
            ))
            active = self._count(s, select(func.count()).select_from(RunRecord).where(
                RunRecord.bot == schedule.bot,
                col(RunRecord.status).in_([str(x) for x in ACTIVE_JOB_STATES]),
            ))
            wanted = min(spec["max_concurrent"] - active, items // spec["min_items"])
            if wanted <= 0:
                return []
            schedule.last_fire_at = now
            s.add(schedule)
            return [self._schedule_job(schedule, "queue", credentials) for _ in range(wanted)]

    @staticmethod
    def _stopped_lately(s: Session, bot: str, queue: str, since: dt.datetime) -> bool:
        """Whether the bot's last finished run stopped for application failures in a row
        on ``queue`` after ``since`` (now less the trigger's hold-off)."""
        last = s.exec(select(RunRecord).where(
            RunRecord.bot == bot, col(RunRecord.finished_at).is_not(None),
        ).order_by(col(RunRecord.finished_at).desc()).limit(1)).first()
        if last is None or last.finished_at is None or last.finished_at <= since:
            return False
        stopped = (last.summary or {}).get("stopped_after_failures")
        return isinstance(stopped, dict) and stopped.get("queue") == queue

    @staticmethod
    def _count(s: Session, query: Any) -> int:
        return int(s.exec(query).one())

    @staticmethod
    def _queue_day_allowed(s: Session, schedule: Schedule, now: dt.datetime,
                           timing: ScheduleTiming) -> bool:
        if schedule.day_rule == "any":  # no calendar to read
            return True
        calendar = s.get(BusinessCalendar, schedule.calendar) if schedule.calendar else None
        return timing.day_allowed(schedule, calendar, now)

    def _schedule_job(self, schedule: Schedule, trigger: str,
                      credentials: Sequence[str]) -> RunRecord:
        create = getattr(self, "create_job", None)
        if create is None:
            raise StoreError("this store cannot create jobs (Store.create_job is missing)")
        job: RunRecord = create(
            schedule.bot, dict(schedule.args), trigger=trigger, schedule_id=schedule.id,
            requested_by=f"schedule:{schedule.name}", credentials=credentials,
        )
        return job
