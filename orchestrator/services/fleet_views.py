"""Reads the fleet pages and the fleet API share."""

from __future__ import annotations

from bots.runtime.errors import NotFoundError, ScheduleError
from orchestrator.services.fleet_models import NodeOut, ScheduleOut, schedule_out
from orchestrator.store import Store
from orchestrator.store.models import BusinessCalendar

__all__ = ["node_rows", "schedule_rows"]


def node_rows(store: Store) -> list[NodeOut]:
    """The orchestrator nodes, the scheduler's leader first (PostgreSQL lists the standby
    nodes too; SQLite only the leader)."""
    from orchestrator.scheduler import scheduler_nodes

    return [NodeOut(node=n.node, leads=n.leads, since=n.since, address=n.address,
                    quiet_seconds=None if n.quiet_seconds is None
                    else round(n.quiet_seconds, 1))
            for n in scheduler_nodes(store)]


def schedule_rows(store: Store, n: int = 3) -> list[ScheduleOut]:
    """Every schedule with its next ``n`` fire times (also for paused ones: once resumed)."""
    from orchestrator.scheduler import next_fire_times

    calendars: dict[str, BusinessCalendar | None] = {}
    rows = []
    for schedule in store.list_schedules():
        name = schedule.calendar
        if name and name not in calendars:
            try:
                calendars[name] = store.get_calendar(name)
            except NotFoundError:
                calendars[name] = None
        try:
            times = next_fire_times(schedule, calendars.get(name) if name else None, n=n)
        except (ScheduleError, ValueError):
            times = []
        rows.append(schedule_out(schedule, times))
    return rows
