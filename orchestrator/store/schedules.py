"""Schedules and business calendars (the scheduler reads them from here).

A schedule's ``next_fire_at`` is its next due fire time (aware UTC); ``None`` while it is
paused, once a one-off date has fired, and always for a queue trigger. Firing lives in
:mod:`.schedule_fires`. Checking a schedule or a calendar and the trigger arithmetic are the
scheduler's (:mod:`orchestrator.scheduler.schedules`): the methods here take checked values,
and a :class:`~.schedule_timing.ScheduleTiming` for the fire times they store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bots.runtime.errors import DuplicateError, ScheduleError
from orchestrator.store.models import BusinessCalendar, Schedule
from orchestrator.store.schedule_fires import ScheduleFiresMixin
from orchestrator.store.schedule_timing import ScheduleTiming
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["SchedulesMixin"]

_TICK = dt.timedelta(microseconds=1)


def _first_fire(
    s: Session, schedule: Schedule, after: dt.datetime, timing: ScheduleTiming
) -> dt.datetime | None:
    """The schedule's first fire time strictly after ``after`` (its calendar as stored)."""
    calendar = s.get(BusinessCalendar, schedule.calendar) if schedule.calendar else None
    return timing.first_fire(schedule, calendar, after)


class SchedulesMixin(ScheduleFiresMixin):
    def add_schedule(self, schedule: Schedule, *, timing: ScheduleTiming,
                     now: dt.datetime | None = None) -> Schedule:
        """Store a checked schedule (its columns from
        :func:`orchestrator.scheduler.definition.check_schedule`) with its first
        ``next_fire_at``: the first fire time after ``now`` (the time it was checked at;
        default: now).

        Raises ScheduleError for an unknown calendar or a time trigger that never fires,
        DuplicateError when the name is taken.
        """
        now = now or utcnow()
        schedule.args = to_jsonable(schedule.args)
        name, calendar = schedule.name, schedule.calendar
        try:
            with self._tx(write=True) as s:
                if calendar is not None and s.get(BusinessCalendar, calendar) is None:
                    raise ScheduleError(f"calendar: no business calendar {calendar!r} (add it "
                                        "with `finbots schedules calendar set`)")
                if s.exec(select(Schedule.id).where(Schedule.name == name)).first():
                    raise DuplicateError(f"a schedule named {name!r} already exists")
                first = _first_fire(s, schedule, now, timing)
                if first is None and schedule.kind != "queue":
                    raise ScheduleError("spec: this trigger never fires (on an allowed day) "
                                        "within ten years")
                schedule.next_fire_at = first if schedule.enabled else None
                s.add(schedule)
                s.flush()
                return schedule
        except IntegrityError:  # the same name added concurrently
            raise DuplicateError(f"a schedule named {name!r} already exists") from None

    def get_schedule(self, name_or_id: str | int) -> Schedule:
        """By name, or by id (an int, or a string of digits that is no schedule's name)."""
        with self._tx() as s:
            return self._schedule(s, name_or_id)

    def _schedule(self, s: Session, name_or_id: str | int) -> Schedule:
        found = None
        if isinstance(name_or_id, str):
            found = s.exec(select(Schedule).where(Schedule.name == name_or_id)).first()
        if found is None and str(name_or_id).isdigit():
            found = s.get(Schedule, int(name_or_id))
        return self._need(found, "schedule", name_or_id)

    def list_schedules(self, enabled: bool | None = None) -> list[Schedule]:
        """By name; ``enabled`` keeps only enabled (or only paused) schedules."""
        query = select(Schedule).order_by(col(Schedule.name))
        if enabled is not None:
            query = query.where(Schedule.enabled == enabled)
        with self._tx() as s:
            return list(s.exec(query))

    def set_schedule_enabled(self, name_or_id: str | int, enabled: bool, *,
                             timing: ScheduleTiming) -> Schedule:
        """Pause (no fire, ``next_fire_at`` cleared) or resume (from now: fires missed while
        paused do not run). Setting the state it already has changes nothing."""
        with self._tx(write=True) as s:
            schedule = self._schedule(s, name_or_id)
            if schedule.enabled != enabled:
                schedule.enabled = enabled
                schedule.next_fire_at = (_first_fire(s, schedule, utcnow(), timing) if enabled
                                          else None)
                s.add(schedule)
            return schedule

    def remove_schedule(self, name_or_id: str | int) -> None:
        """Delete the schedule (its jobs keep their ``schedule_id``)."""
        with self._tx(write=True) as s:
            s.delete(self._schedule(s, name_or_id))

    def set_calendar(
        self, name: str, weekend: Sequence[int], holidays: Mapping[str, str], *,
        timing: ScheduleTiming,
    ) -> BusinessCalendar:
        """Create or replace a business calendar (checked weekend days, Monday = 0; holidays
        by ISO date).

        Enabled schedules using it get their ``next_fire_at`` recomputed in the same
        transaction (a due fire stays due unless its day is now a holiday).
        """
        with self._tx(write=True) as s:
            record = s.get(BusinessCalendar, name) or BusinessCalendar(name=name)
            record.weekend, record.holidays = list(weekend), dict(holidays)
            s.add(record)
            s.flush()
            for schedule in list(s.exec(select(Schedule).where(
                Schedule.calendar == name, Schedule.enabled == True,  # noqa: E712
                col(Schedule.next_fire_at).is_not(None),
            ))):
                assert schedule.next_fire_at is not None
                schedule.next_fire_at = _first_fire(s, schedule, schedule.next_fire_at - _TICK,
                                                     timing)
                s.add(schedule)
            return record

    def get_calendar(self, name: str) -> BusinessCalendar:
        with self._tx() as s:
            return self._need(s.get(BusinessCalendar, name), "business calendar", name)

    def list_calendars(self) -> list[BusinessCalendar]:
        """By name."""
        with self._tx() as s:
            return list(s.exec(select(BusinessCalendar).order_by(col(BusinessCalendar.name))))
