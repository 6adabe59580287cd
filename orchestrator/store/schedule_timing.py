"""What the store needs from the scheduler, as Protocols (the store imports no scheduler).

Some trigger arithmetic has to happen inside the store's transactions: a schedule's first
fire time is computed against the calendar as stored in the same transaction, and a queue
trigger's day rule is checked while its row is locked. The scheduler passes an object that
does it (:class:`orchestrator.scheduler.timing.TriggerTiming`); the store only persists.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from orchestrator.store.models import BusinessCalendar, Schedule

__all__ = ["FireUpdate", "ScheduleTiming"]


class ScheduleTiming(Protocol):
    """Fire times and day rules of a schedule, given its business calendar."""

    def first_fire(self, schedule: Schedule, calendar: BusinessCalendar | None,
                   after: dt.datetime) -> dt.datetime | None:
        """The first fire time strictly after ``after`` (aware UTC); ``None``: never, or a
        queue trigger."""
        ...

    def day_allowed(self, schedule: Schedule, calendar: BusinessCalendar | None,
                    now: dt.datetime) -> bool:
        """Whether the schedule's day rule lets it fire on the day of ``now``."""
        ...


class FireUpdate(Protocol):
    """One planned pass of a due time schedule (the scheduler's ``FirePlan``)."""

    @property
    def expected(self) -> dt.datetime:
        """The ``next_fire_at`` the plan was made from (guards the conditional update)."""
        ...

    @property
    def jobs(self) -> int:
        """How many jobs to create."""
        ...

    @property
    def next_fire_at(self) -> dt.datetime | None: ...

    @property
    def last_fire_at(self) -> dt.datetime | None: ...
