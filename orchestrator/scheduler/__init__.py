"""Schedules: when the orchestrator starts a bot on its own.

* :mod:`.triggers` — trigger specs (cron, interval, date, queue), checked and turned into
  APScheduler 3 triggers; "the first fire time after t";
* :mod:`.calendars` — business days: weekend, holidays, the day rules;
* :mod:`.business` — :class:`BusinessDayTrigger`, an APScheduler trigger keeping another
  trigger's fire times on allowed days only;
* :mod:`.definition` — checking a schedule before it is stored;
* :mod:`.timing` — next fire times, and the plan for due and missed fires;
* :mod:`.schedules` — adding, pausing and resuming schedules, setting calendars;
* :mod:`.service` — :class:`SchedulerService`, the loop that fires them;
* :mod:`.leadership` — :class:`Leadership`: of several nodes on one store, one fires
  (a PostgreSQL advisory lock, :mod:`.leader_pg`; a file lock on SQLite, :mod:`.leader_file`).

The store (:mod:`orchestrator.store.schedules`) only persists what is decided here: it
takes checked schedules and calendars, fire plans, and :data:`TIMING` for the fire times it
computes inside its transactions. The store never imports this package.
"""

from orchestrator.scheduler.business import BusinessDayTrigger
from orchestrator.scheduler.calendars import DAY_RULES, BusinessDays
from orchestrator.scheduler.definition import MISFIRE_POLICIES
from orchestrator.scheduler.leadership import (
    Leadership,
    SchedulerNode,
    leader_lock,
    node_name,
    scheduler_nodes,
)
from orchestrator.scheduler.schedules import add_schedule, set_calendar, set_schedule_enabled
from orchestrator.scheduler.service import SchedulerService
from orchestrator.scheduler.timing import (
    MAX_LATE_JOBS,
    ON_TIME,
    TIMING,
    FirePlan,
    TriggerTiming,
    next_fire_times,
    plan_fires,
    schedule_trigger,
)
from orchestrator.scheduler.triggers import KINDS, fire_after, parse_every

__all__ = [
    "DAY_RULES",
    "KINDS",
    "MAX_LATE_JOBS",
    "MISFIRE_POLICIES",
    "ON_TIME",
    "TIMING",
    "BusinessDayTrigger",
    "BusinessDays",
    "FirePlan",
    "Leadership",
    "SchedulerNode",
    "SchedulerService",
    "TriggerTiming",
    "add_schedule",
    "fire_after",
    "leader_lock",
    "next_fire_times",
    "node_name",
    "parse_every",
    "plan_fires",
    "schedule_trigger",
    "scheduler_nodes",
    "set_calendar",
    "set_schedule_enabled",
]
