"""Adding, pausing and resuming schedules, and setting business calendars.

The scheduler's side of the store's schedules: everything is checked here
(:mod:`.definition`, :mod:`.calendars`) and the store is handed the checked values and
:data:`~.timing.TIMING` for the fire times it keeps (computed inside its transactions, so a
calendar changed meanwhile cannot leave a stale ``next_fire_at``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from bots.runtime.errors import ScheduleError
from orchestrator.scheduler.calendars import validate_holidays, validate_weekend
from orchestrator.scheduler.definition import check_schedule
from orchestrator.scheduler.timing import TIMING
from orchestrator.store.models import BusinessCalendar, Schedule

if TYPE_CHECKING:
    from orchestrator.store import Store

__all__ = ["add_schedule", "set_calendar", "set_schedule_enabled"]


def add_schedule(
    store: Store, name: str, bot: str, kind: str, spec: Mapping[str, Any], *,
    args: Mapping[str, Any] | None = None, timezone: str = "UTC",
    calendar: str | None = None, day_rule: str = "any", misfire: str = "run_once",
    misfire_grace_seconds: int = 300, coalesce: bool = True, enabled: bool = True,
    created_by: str | None = None,
) -> Schedule:
    """Check and store a schedule with its first ``next_fire_at``.

    Raises ScheduleError (naming the field) for anything that cannot work, DuplicateError
    when the name is taken.
    """
    now = dt.datetime.now(dt.UTC)
    fields = check_schedule(
        name, bot, kind, spec, args=args, timezone=timezone, calendar=calendar,
        day_rule=day_rule, misfire=misfire, misfire_grace_seconds=misfire_grace_seconds,
        coalesce=coalesce, now=now,
    )
    schedule = Schedule(**fields, enabled=enabled, created_by=created_by)
    return store.add_schedule(schedule, timing=TIMING, now=now)


def set_schedule_enabled(store: Store, name_or_id: str | int, enabled: bool) -> Schedule:
    """Pause (no fire, ``next_fire_at`` cleared) or resume (from now: fires missed while
    paused do not run). Setting the state it already has changes nothing."""
    return store.set_schedule_enabled(name_or_id, enabled, timing=TIMING)


def set_calendar(
    store: Store, name: str, weekend: Iterable[int] = (5, 6),
    holidays: Mapping[str, str] | None = None,
) -> BusinessCalendar:
    """Create or replace a business calendar (weekend days, Monday = 0; ISO holidays).

    Enabled schedules using it get their ``next_fire_at`` recomputed (a due fire stays
    due unless its day is now a holiday).
    """
    if not (name or "").strip() or len(name) > 100:
        raise ScheduleError(f"name: {name!r} must be a calendar name of 1-100 characters")
    days, off = validate_weekend(weekend), validate_holidays(holidays or {})
    return store.set_calendar(name, days, off, timing=TIMING)
