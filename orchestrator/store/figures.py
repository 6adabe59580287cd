"""The dashboard's figures, each one SQL aggregate (fast on a store with 100k runs).

Windows are in UTC: "today" starts at midnight UTC; throughput and resolution figures
cover the last ``days`` days.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from dataclasses import dataclass, field

from sqlalchemy import case, func
from sqlmodel import col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.models import ExceptionCase, RobotRecord, RunRecord, WorkItem
from orchestrator.store.states import ItemState
from orchestrator.store.types import utcnow

__all__ = ["AGE_BUCKETS", "BotItems", "DayRuns", "FiguresMixin", "ReasonAges", "SlaFigures"]

#: Open-case age buckets: (label, lower bound in days).
AGE_BUCKETS: tuple[tuple[str, int], ...] = (("< 1 d", 0), ("1–3 d", 1), ("3–7 d", 3),
                                            ("> 7 d", 7))
_OPEN = ("open", "in_progress")


@dataclass(frozen=True, slots=True)
class BotItems:
    """Work items a bot's runs finished in the window."""

    bot: str
    successful: int = 0
    failed: int = 0
    abandoned: int = 0

    @property
    def processed(self) -> int:
        return self.successful + self.failed + self.abandoned

    @property
    def success_rate(self) -> float | None:
        return self.successful / self.processed if self.processed else None


@dataclass(frozen=True, slots=True)
class DayRuns:
    day: dt.date
    total: int
    failed: int


@dataclass(frozen=True, slots=True)
class ReasonAges:
    """Open cases of one reason, per age bucket (labels of :data:`AGE_BUCKETS`)."""

    reason: str
    buckets: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.buckets.values())


@dataclass(frozen=True, slots=True)
class SlaFigures:
    open_overdue: int  # open cases past their SLA now
    resolved_late: int  # resolved in the window after their SLA
    resolved: int  # resolved in the window
    median_resolve_seconds: float | None


def midnight(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class FiguresMixin(StoreBase):
    def runs_by_status(self, since: dt.datetime) -> dict[str, int]:
        """Runs started since ``since``, per status."""
        query = (select(RunRecord.status, func.count())
                 .where(col(RunRecord.started_at) >= since).group_by(col(RunRecord.status)))
        with self._tx() as s:
            return {status: int(n) for status, n in s.exec(query)}

    def runs_per_day(self, days: int = 14, now: dt.datetime | None = None) -> list[DayRuns]:
        """Runs started per UTC day, the last ``days`` days (oldest first, empty days too)."""
        first = midnight(now or utcnow()) - dt.timedelta(days=days - 1)
        day = func.date(RunRecord.started_at)
        failed = func.sum(case((col(RunRecord.status).in_(["failed", "killed", "abandoned"]), 1),
                               else_=0))
        query = (select(day, func.count(), failed).where(col(RunRecord.started_at) >= first)
                 .group_by(day))
        with self._tx() as s:
            found = {str(d)[:10]: (int(n), int(f or 0)) for d, n, f in s.exec(query)}
        out = []
        for i in range(days):
            date = (first + dt.timedelta(days=i)).date()
            total, nfailed = found.get(date.isoformat(), (0, 0))
            out.append(DayRuns(date, total, nfailed))
        return out

    def items_by_bot(self, since: dt.datetime) -> list[BotItems]:
        """Items finished since ``since`` per bot of the run that worked them."""
        wanted = [ItemState.SUCCESSFUL, ItemState.FAILED, ItemState.ABANDONED, ItemState.RETRIED]
        query = (
            select(RunRecord.bot, WorkItem.state, func.count())
            .join(RunRecord, col(WorkItem.run_id) == col(RunRecord.id))
            .where(col(WorkItem.finished_at) >= since, col(WorkItem.state).in_(wanted))
            .group_by(col(RunRecord.bot), col(WorkItem.state))
        )
        per_bot: dict[str, dict[str, int]] = {}
        with self._tx() as s:
            for bot, state, n in s.exec(query):
                per_bot.setdefault(bot, {})[state] = int(n)
        # A retried item failed (or was abandoned) before its clone took over.
        return [
            BotItems(bot, c.get("successful", 0), c.get("failed", 0) + c.get("retried", 0),
                     c.get("abandoned", 0))
            for bot, c in sorted(per_bot.items())
        ]

    def open_cases_by_age(self, now: dt.datetime | None = None) -> list[ReasonAges]:
        """Open cases per reason and age bucket, most cases first."""
        now = now or utcnow()
        # Buckets are checked youngest first: created after now-1d -> "< 1 d", and so on.
        bucket = case(
            *[(col(ExceptionCase.created_at) > now - dt.timedelta(days=upper), label)
              for (label, _low), (_next, upper) in itertools.pairwise(AGE_BUCKETS)],
            else_=AGE_BUCKETS[-1][0],
        )
        aged = (select(col(ExceptionCase.reason_code).label("reason"), bucket.label("bucket"))
                .where(col(ExceptionCase.status).in_(_OPEN)).subquery())
        query = select(aged.c.reason, aged.c.bucket, func.count()).group_by(
            aged.c.reason, aged.c.bucket)
        per_reason: dict[str, dict[str, int]] = {}
        with self._tx() as s:
            for reason, label, n in s.exec(query):
                per_reason.setdefault(reason, {})[label] = int(n)
        rows = [ReasonAges(r, {label: b.get(label, 0) for label, _ in AGE_BUCKETS})
                for r, b in per_reason.items()]
        return sorted(rows, key=lambda r: (-r.total, r.reason))

    def sla_figures(self, since: dt.datetime, now: dt.datetime | None = None) -> SlaFigures:
        """SLA breaches and the median time from a case's creation to its resolution."""
        now = now or utcnow()
        with self._tx() as s:
            overdue = s.exec(select(func.count()).where(
                col(ExceptionCase.status).in_(_OPEN), col(ExceptionCase.sla_due_at) < now)).one()
            resolved = s.exec(select(ExceptionCase.created_at, ExceptionCase.resolved_at,
                                     ExceptionCase.sla_due_at)
                              .where(col(ExceptionCase.resolved_at) >= since)).all()
        spans = [(r - c).total_seconds() for c, r, _ in resolved if r is not None]
        late = sum(1 for _, r, due in resolved if r is not None and r > due)
        median = statistics.median(spans) if spans else None
        return SlaFigures(int(overdue), late, len(spans), median)

    def robot_states(self) -> dict[str, int]:
        """Robots per state (idle, busy, unresponsive, stopped)."""
        query = select(RobotRecord.status, func.count()).group_by(col(RobotRecord.status))
        with self._tx() as s:
            return {status: int(n) for status, n in s.exec(query)}
