"""Schedules and business calendars (the scheduler reads them from here)."""

from __future__ import annotations

from orchestrator.store.base import StoreBase

__all__ = ["SchedulesMixin"]


class SchedulesMixin(StoreBase):
    pass
