"""Schedules and business calendars (the scheduler reads them from here).

A schedule's ``next_fire_at`` is its next due fire time (aware UTC); ``None`` while it is
paused, once a one-off date has fired, and always for a queue trigger. Firing lives in
:mod:`.schedule_fires`; the trigger arithmetic in :mod:`orchestrator.scheduler`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bots.runtime.errors import DuplicateError, ScheduleError
from orchestrator.scheduler.calendars import validate_holidays, validate_weekend
from orchestrator.scheduler.definition import check_schedule
from orchestrator.scheduler.timing import schedule_trigger
from orchestrator.scheduler.triggers import fire_after
from orchestrator.store.models import BusinessCalendar, Schedule
from orchestrator.store.schedule_fires import ScheduleFiresMixin
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["SchedulesMixin"]

_TICK = dt.timedelta(microseconds=1)


def _first_fire(
    s: Session, schedule: Schedule, after: dt.datetime
) -> dt.datetime | None:
    """The schedule's first fire time strictly after ``after`` (its calendar as stored)."""
    calendar = s.get(BusinessCalendar, schedule.calendar) if schedule.calendar else None
    trigger = schedule_trigger(schedule, calendar)
    return None if trigger is None else fire_after(trigger, after)


class SchedulesMixin(ScheduleFiresMixin):
    def add_schedule(
        self, name: str, bot: str, kind: str, spec: Mapping[str, Any], *,
        args: Mapping[str, Any] | None = None, timezone: str = "UTC",
        calendar: str | None = None, day_rule: str = "any", misfire: str = "run_once",
        misfire_grace_seconds: int = 300, coalesce: bool = True, enabled: bool = True,
        created_by: str | None = None,
    ) -> Schedule:
        """Check and store a schedule with its first ``next_fire_at``.

        Raises ScheduleError (naming the field) for anything that cannot work, DuplicateError
        when the name is taken.
        """
        now = utcnow()
        fields = check_schedule(
            name, bot, kind, spec, args=args, timezone=timezone, calendar=calendar,
            day_rule=day_rule, misfire=misfire, misfire_grace_seconds=misfire_grace_seconds,
            coalesce=coalesce, now=now,
        )
        fields["args"] = to_jsonable(fields["args"])
        schedule = Schedule(**fields, enabled=enabled, created_by=created_by)
        try:
            with self._tx(write=True) as s:
                if calendar is not None and s.get(BusinessCalendar, calendar) is None:
                    raise ScheduleError(f"calendar: no business calendar {calendar!r} (add it "
                                        "with `finbots schedules calendar set`)")
                if s.exec(select(Schedule.id).where(Schedule.name == name)).first():
                    raise DuplicateError(f"a schedule named {name!r} already exists")
                first = _first_fire(s, schedule, now)
                if first is None and kind != "queue":
                    raise ScheduleError("spec: this trigger never fires (on an allowed day) "
                                        "within ten years")
                schedule.next_fire_at = first if enabled else None
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

    def set_schedule_enabled(self, name_or_id: str | int, enabled: bool) -> Schedule:
        """Pause (no fire, ``next_fire_at`` cleared) or resume (from now: fires missed while
        paused do not run). Setting the state it already has changes nothing."""
        with self._tx(write=True) as s:
            schedule = self._schedule(s, name_or_id)
            if schedule.enabled != enabled:
                schedule.enabled = enabled
                schedule.next_fire_at = _first_fire(s, schedule, utcnow()) if enabled else None
                s.add(schedule)
            return schedule

    def remove_schedule(self, name_or_id: str | int) -> None:
        """Delete the schedule (its jobs keep their ``schedule_id``)."""
        with self._tx(write=True) as s:
            s.delete(self._schedule(s, name_or_id))

    def set_calendar(
        self, name: str, weekend: Iterable[int] = (5, 6),
        holidays: Mapping[str, str] | None = None,
    ) -> BusinessCalendar:
        """Create or replace a business calendar (weekend days, Monday = 0; ISO holidays).

        Enabled schedules using it get their ``next_fire_at`` recomputed (a due fire stays
        due unless its day is now a holiday).
        """
        if not (name or "").strip() or len(name) > 100:
            raise ScheduleError(f"name: {name!r} must be a calendar name of 1-100 characters")
        days, off = validate_weekend(weekend), validate_holidays(holidays or {})
        with self._tx(write=True) as s:
            record = s.get(BusinessCalendar, name) or BusinessCalendar(name=name)
            record.weekend, record.holidays = days, off
            s.add(record)
            s.flush()
            for schedule in list(s.exec(select(Schedule).where(
                Schedule.calendar == name, Schedule.enabled == True,  # noqa: E712
                col(Schedule.next_fire_at).is_not(None),
            ))):
                assert schedule.next_fire_at is not None
                schedule.next_fire_at = _first_fire(s, schedule, schedule.next_fire_at - _TICK)
                s.add(schedule)
            return record

    def get_calendar(self, name: str) -> BusinessCalendar:
        with self._tx() as s:
            return self._need(s.get(BusinessCalendar, name), "business calendar", name)

    def list_calendars(self) -> list[BusinessCalendar]:
        """By name."""
        with self._tx() as s:
            return list(s.exec(select(BusinessCalendar).order_by(col(BusinessCalendar.name))))
