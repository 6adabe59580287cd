"""An APScheduler trigger that keeps another trigger's fire times on allowed days only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from orchestrator.scheduler.calendars import BusinessDays
from orchestrator.scheduler.triggers import fire_after

__all__ = ["BusinessDayTrigger"]

_TICK = dt.timedelta(microseconds=1)
_HORIZON = dt.timedelta(days=366 * 10)


class BusinessDayTrigger(BaseTrigger):
    """Fires at ``inner``'s times, but only on the days ``rule`` allows in ``days``.

    The day is the fire time's date in ``timezone`` (the schedule's). A fire time on a day
    the rule refuses is skipped, and the search jumps to the next allowed day instead of
    walking through every refused fire time (an every-minute trigger with
    ``first_business_day`` costs one step per month, not 40,000).
    """

    __slots__ = ("days", "inner", "rule", "timezone")

    def __init__(self, inner: BaseTrigger, days: BusinessDays, rule: str,
                 timezone: ZoneInfo) -> None:
        self.inner, self.days, self.rule, self.timezone = inner, days, rule, timezone

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        return self.fire_after(previous_fire_time or now - _TICK)

    def fire_after(self, after: dt.datetime) -> dt.datetime | None:
        """The first allowed fire time strictly after ``after`` (aware UTC), or ``None``."""
        found = fire_after(self.inner, after)
        while found is not None and found - after < _HORIZON:
            day = found.astimezone(self.timezone).date()
            if self.days.allows(self.rule, day):
                return found
            allowed = self.days.next_allowed(self.rule, day)
            if allowed is None:
                return None
            midnight = dt.datetime.combine(allowed, dt.time(), tzinfo=self.timezone)
            found = fire_after(self.inner, midnight.astimezone(dt.UTC) - _TICK)
        return None

    def __str__(self) -> str:
        return f"{self.inner} on {self.rule}"

    def __repr__(self) -> str:
        return f"<BusinessDayTrigger ({self.inner!r}, rule={self.rule!r})>"
