"""When a schedule fires: its next fire times, and what to do with fires that are due.

Misfires (fires found due later than their time, e.g. the orchestrator was down):

* a fire picked up within :data:`ON_TIME` of its time is on time and always runs (the
  service's own loop and database latency);
* a later fire is *missed*. ``misfire="skip"``: it never runs. ``misfire="run_once"``: it
  runs late if it is at most ``misfire_grace_seconds`` late, else it is dropped;
* ``coalesce=True``: all fires that run in one pass start one job; ``coalesce=False``:
  one job per fire, at most :data:`MAX_LATE_JOBS` (the earliest ones).

Whatever ran or was dropped, ``next_fire_at`` moves to the first fire time after now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from apscheduler.triggers.base import BaseTrigger

from orchestrator.scheduler.business import BusinessDayTrigger
from orchestrator.scheduler.calendars import BusinessDays
from orchestrator.scheduler.triggers import build_trigger, fire_after, zone

if TYPE_CHECKING:
    from orchestrator.store.models import BusinessCalendar, Schedule

__all__ = ["MAX_LATE_JOBS", "ON_TIME", "TIMING", "FirePlan", "TriggerTiming",
           "next_fire_times", "plan_fires", "schedule_trigger"]

ON_TIME = dt.timedelta(seconds=30)
MAX_LATE_JOBS = 100
_TICK = dt.timedelta(microseconds=1)


def schedule_trigger(
    schedule: Schedule, calendar: BusinessCalendar | None
) -> BaseTrigger | None:
    """The schedule's trigger, wrapped by its day rule; ``None`` for a queue trigger."""
    tz = zone(schedule.timezone)
    inner = build_trigger(schedule.kind, schedule.spec, tz)
    if inner is None or schedule.day_rule == "any":
        return inner
    return BusinessDayTrigger(inner, BusinessDays.of(calendar), schedule.day_rule, tz)


class TriggerTiming:
    """The store's ``ScheduleTiming``: what it computes inside its transactions."""

    def first_fire(self, schedule: Schedule, calendar: BusinessCalendar | None,
                   after: dt.datetime) -> dt.datetime | None:
        """The first fire time strictly after ``after``; ``None`` for a queue trigger."""
        trigger = schedule_trigger(schedule, calendar)
        return None if trigger is None else fire_after(trigger, after)

    def day_allowed(self, schedule: Schedule, calendar: BusinessCalendar | None,
                    now: dt.datetime) -> bool:
        """Whether the day rule allows ``now``'s date in the schedule's time zone."""
        if schedule.day_rule == "any":
            return True
        today = now.astimezone(zone(schedule.timezone)).date()
        return BusinessDays.of(calendar).allows(schedule.day_rule, today)


TIMING = TriggerTiming()


def next_fire_times(
    schedule: Schedule, calendar: BusinessCalendar | None, n: int = 5,
    now: dt.datetime | None = None,
) -> list[dt.datetime]:
    """The next ``n`` fire times after ``now`` (aware UTC); ``[]`` for a queue trigger."""
    trigger = schedule_trigger(schedule, calendar)
    times: list[dt.datetime] = []
    at: dt.datetime | None = now or dt.datetime.now(dt.UTC)
    while trigger is not None and at is not None and len(times) < n:
        at = fire_after(trigger, at)
        if at is not None:
            times.append(at)
    return times


@dataclass(frozen=True)
class FirePlan:
    """What one pass does with a due schedule; ``expected`` guards the conditional update."""

    expected: dt.datetime  # the next_fire_at the plan was made from
    fire_times: tuple[dt.datetime, ...]  # the due fires that run
    jobs: int  # jobs to create (1 when coalesced)
    next_fire_at: dt.datetime | None
    last_fire_at: dt.datetime | None


def plan_fires(
    schedule: Schedule, calendar: BusinessCalendar | None, now: dt.datetime
) -> FirePlan | None:
    """The plan for a schedule whose ``next_fire_at`` has come; ``None`` if nothing is due."""
    due = schedule.next_fire_at
    trigger = schedule_trigger(schedule, calendar)
    if due is None or due > now or trigger is None:
        return None
    grace = dt.timedelta(seconds=max(schedule.misfire_grace_seconds, 0))
    window = ON_TIME if schedule.misfire == "skip" else max(ON_TIME, grace)
    at: dt.datetime | None = due
    if due < now - window:  # fires older than the window are dropped unseen
        at = fire_after(trigger, now - window - _TICK)
    runs: list[dt.datetime] = []
    while at is not None and at <= now and len(runs) < MAX_LATE_JOBS:
        runs.append(at)
        at = fire_after(trigger, at)
    jobs = min(len(runs), 1) if schedule.coalesce else len(runs)
    return FirePlan(
        expected=due, fire_times=tuple(runs), jobs=jobs, next_fire_at=fire_after(trigger, now),
        last_fire_at=runs[-1] if runs else schedule.last_fire_at,
    )
