"""The dashboard's figures: the page draws them, ``/api/v1/dashboard`` returns them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from orchestrator.services.fleet_models import RobotOut, robot_out
from orchestrator.store import Store, utcnow
from orchestrator.store.figures import AGE_BUCKETS, midnight

__all__ = ["DashboardOut", "dashboard_figures"]

WINDOW_DAYS = 7  # throughput per bot
RESOLVE_DAYS = 30  # resolution times and late resolutions


class DayRunsOut(BaseModel):
    day: dt.date
    total: int
    failed: int


class BotItemsOut(BaseModel):
    bot: str
    successful: int
    failed: int
    abandoned: int
    processed: int
    success_rate: float | None = Field(description="successful / processed; null when none")


class ReasonAgesOut(BaseModel):
    reason: str
    buckets: dict[str, int]
    total: int


class SlaOut(BaseModel):
    open_overdue: int = Field(description="open cases past their SLA now")
    resolved_late: int = Field(description=f"resolved after their SLA, last {RESOLVE_DAYS} d")
    resolved: int = Field(description=f"cases resolved in the last {RESOLVE_DAYS} days")
    median_resolve_seconds: float | None = Field(description="median created → resolved")


class DashboardOut(BaseModel):
    generated_at: dt.datetime
    runs_today: dict[str, int] = Field(description="runs started today (UTC) per status")
    runs_today_total: int
    runs_per_day: list[DayRunsOut]
    items_window_days: int
    bots: list[BotItemsOut]
    age_buckets: list[str]
    open_cases: list[ReasonAgesOut]
    open_cases_total: int
    sla: SlaOut
    robot_states: dict[str, int]
    robots: list[RobotOut]


def dashboard_figures(store: Store, now: dt.datetime | None = None) -> DashboardOut:
    now = now or utcnow()
    today = store.runs_by_status(midnight(now))
    bots = store.items_by_bot(now - dt.timedelta(days=WINDOW_DAYS))
    cases = store.open_cases_by_age(now)
    sla = store.sla_figures(now - dt.timedelta(days=RESOLVE_DAYS), now)
    return DashboardOut(
        generated_at=now, runs_today=today, runs_today_total=sum(today.values()),
        runs_per_day=[DayRunsOut(day=d.day, total=d.total, failed=d.failed)
                      for d in store.runs_per_day(14, now)],
        items_window_days=WINDOW_DAYS,
        bots=[BotItemsOut(bot=b.bot, successful=b.successful, failed=b.failed,
                          abandoned=b.abandoned, processed=b.processed,
                          success_rate=b.success_rate) for b in bots],
        age_buckets=[label for label, _ in AGE_BUCKETS],
        open_cases=[ReasonAgesOut(reason=r.reason, buckets=r.buckets, total=r.total)
                    for r in cases],
        open_cases_total=sum(r.total for r in cases),
        sla=SlaOut(open_overdue=sla.open_overdue, resolved_late=sla.resolved_late,
                   resolved=sla.resolved, median_resolve_seconds=sla.median_resolve_seconds),
        robot_states=store.robot_states(),
        robots=[robot_out(r, now) for r in store.list_robots()],
    )

