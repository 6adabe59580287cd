"""The finance figures of operations, each one SQL aggregate over an indexed window.

Money is summed in whole cents in SQL (exact on SQLite, whose numbers are binary floats, and
on PostgreSQL) and handed back as ``Decimal``. Finance events (records of kind
``finance_event``) are found through the ``(kind, updated_at)`` index: an event is recorded
after it happened, so one that occurred in the window was written in it too.

Who counts as a person in a case's history: any actor that is not a bot (``bot`` or
``bot:<name>``) and not the orchestrator itself (``system``, ``scheduler``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric, and_, case, cast, exists, func
from sqlmodel import col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.figures import AGE_BUCKETS
from orchestrator.store.models import (
    Approval,
    BotWrittenRecord,
    CaseEvent,
    ExceptionCase,
    RunRecord,
    WorkItem,
)
from orchestrator.store.states import ItemState

__all__ = ["WAITING_CASE", "CaseEventCount", "EventSums", "FinanceFiguresMixin",
           "ItemsDone", "MoneyCount", "WaitingCases", "cents_sum"]

FINANCE_EVENT = "finance_event"
LEAKAGE_RUN = "revenue_leakage_run"
#: case statuses in which a case still waits for someone (a person, an approver, a bot)
WAITING_CASE = ("open", "in_progress", "awaiting_approval", "awaiting_posting")
_MACHINE_ACTORS = ("bot", "system", "scheduler")
_FINISHED = (ItemState.SUCCESSFUL, ItemState.FAILED, ItemState.ABANDONED)


def cents_sum(amount: Any) -> Any:
    """``SUM`` of an amount column or JSON text, in whole cents (an integer)."""
    return func.sum(cast(func.round(cast(amount, Numeric(18, 2)) * 100), BigInteger))


def _money(cents: Any) -> Decimal:
    return (Decimal(int(cents or 0)) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class MoneyCount:
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class EventSums:
    """Finance events of one type per UTC day and currency: (day, currency) -> sums."""

    by_day: dict[tuple[str, str], MoneyCount]

    def total(self, since_day: str = "") -> dict[str, MoneyCount]:
        """Per currency, the days from ``since_day`` (ISO date) on."""
        out: dict[str, MoneyCount] = {}
        for (day, currency), mc in self.by_day.items():
            if day >= since_day:
                old = out.get(currency, MoneyCount(0, Decimal("0.00")))
                out[currency] = MoneyCount(old.count + mc.count, old.amount + mc.amount)
        return out


@dataclass(frozen=True, slots=True)
class ItemsDone:
    """Work items a process finished on one UTC day: all and straight through (no case)."""

    process: str
    day: str
    finished: int
    straight_through: int


@dataclass(frozen=True, slots=True)
class WaitingCases:
    """Cases still waiting, of one process and reason, in one age bucket."""

    process: str
    reason: str
    bucket: str
    count: int
    amount: Decimal
    past_sla: int
    past_sla_amount: Decimal


@dataclass(frozen=True, slots=True)
class CaseEventCount:
    process: str
    cases: int
    events: int


class FinanceFiguresMixin(StoreBase):
    def finance_event_sums(self, event_type: str, since: dt.datetime) -> EventSums:
        """Count and amount of finance events of ``event_type`` that occurred since
        ``since``, per UTC day and currency."""
        data = BotWrittenRecord.data
        occurred = data["occurred_at"].as_string()
        day = func.substr(occurred, 1, 10)
        currency = func.coalesce(data["currency"].as_string(), "")
        query = (select(day, currency, func.count(), cents_sum(data["amount"].as_string()))
                 .where(col(BotWrittenRecord.kind) == FINANCE_EVENT,
                        col(BotWrittenRecord.updated_at) >= since,
                        data["type"].as_string() == event_type,
                        occurred >= since.astimezone(dt.UTC).isoformat())
                 .group_by(day, currency))
        with self._tx() as s:
            return EventSums({(str(d), str(c)): MoneyCount(int(n), _money(cents))
                              for d, c, n, cents in s.exec(query)})

    def items_done(self, since: dt.datetime) -> list[ItemsDone]:
        """Items finished since ``since`` per process (the bot of the run that worked
        them) and UTC day; straight through = successful with no exception case."""
        has_case = exists().where(col(ExceptionCase.work_item_id) == col(WorkItem.id))
        stp = func.sum(case((and_(col(WorkItem.state) == ItemState.SUCCESSFUL, ~has_case), 1),
                            else_=0))
        day = func.date(WorkItem.finished_at)
        query = (select(RunRecord.bot, day, func.count(), stp)
                 .join(RunRecord, col(WorkItem.run_id) == col(RunRecord.id))
                 .where(col(WorkItem.finished_at) >= since, col(WorkItem.state).in_(_FINISHED))
                 .group_by(col(RunRecord.bot), day))
        with self._tx() as s:
            return [ItemsDone(str(bot), str(d)[:10], int(n), int(ok or 0))
                    for bot, d, n, ok in s.exec(query)]

    def waiting_cases(self, now: dt.datetime) -> list[WaitingCases]:
        """Cases still waiting per process, reason and age bucket, with their money and
        how many of them are past their SLA."""
        c = ExceptionCase
        bucket = case(
            *[(col(c.created_at) > now - dt.timedelta(days=upper), label)
              for (label, _low), (_next, upper) in itertools.pairwise(AGE_BUCKETS)],
            else_=AGE_BUCKETS[-1][0],
        )
        late = col(c.sla_due_at) < now
        aged = (select(func.coalesce(col(c.bot), "").label("process"),
                       col(c.reason_code).label("reason"), bucket.label("bucket"),
                       col(c.amount).label("amount"), case((late, 1), else_=0).label("late"),
                       case((late, col(c.amount)), else_=None).label("late_amount"))
                .where(col(c.status).in_(WAITING_CASE)).subquery())
        query = (select(aged.c.process, aged.c.reason, aged.c.bucket, func.count(),
                        cents_sum(aged.c.amount), func.sum(aged.c.late),
                        cents_sum(aged.c.late_amount))
                 .group_by(aged.c.process, aged.c.reason, aged.c.bucket))
        with self._tx() as s:
            return [WaitingCases(str(p), str(r), str(b), int(n), _money(cents), int(nl or 0),
                                 _money(late_cents))
                    for p, r, b, n, cents, nl, late_cents in s.exec(query)]

    def approval_spans(self, since: dt.datetime) -> list[float]:
        """Seconds from request to decision of the approvals decided since ``since``."""
        query = (select(Approval.requested_at, Approval.decided_at)
                 .where(col(Approval.decided_at) >= since))
        with self._tx() as s:
            return sorted((d - r).total_seconds() for r, d in s.exec(query) if d is not None)

    def pending_approvals(self) -> tuple[int, Decimal, dt.datetime | None]:
        """Approvals waiting: how many, their money, and when the oldest was asked."""
        query = (select(func.count(), cents_sum(Approval.amount), func.min(Approval.requested_at))
                 .where(col(Approval.status) == "pending"))
        with self._tx() as s:
            n, cents, oldest = s.exec(query).one()
        if isinstance(oldest, str):  # SQLite hands an aggregate's time back as text
            oldest = dt.datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        return int(n), _money(cents), oldest

    def manual_touches(self, since: dt.datetime) -> list[CaseEventCount]:
        """Per process: cases resolved since ``since`` and the actions people took on them
        (every history entry whose actor is a person)."""
        c, e = ExceptionCase, CaseEvent
        person = and_(~col(e.actor).like("bot:%"), col(e.actor).not_in(_MACHINE_ACTORS))
        touches = (select(func.count()).where(col(e.case_id) == col(c.id), person)
                   .scalar_subquery())
        resolved = (select(func.coalesce(col(c.bot), "").label("process"),
                           touches.label("touches"))
                    .where(col(c.resolved_at) >= since).subquery())
        query = (select(resolved.c.process, func.count(), func.sum(resolved.c.touches))
                 .group_by(resolved.c.process))
        with self._tx() as s:
            return [CaseEventCount(str(p), int(n), int(t or 0)) for p, n, t in s.exec(query)]

    def case_events_by_process(self, kind: str, since: dt.datetime) -> list[CaseEventCount]:
        """Per process: history entries of ``kind`` (e.g. ``reopened``) since ``since`` and
        the distinct cases they are on."""
        c, e = ExceptionCase, CaseEvent
        process = func.coalesce(col(c.bot), "")
        query = (select(process, func.count(func.distinct(col(e.case_id))), func.count())
                 .join(c, col(c.id) == col(e.case_id))
                 .where(col(e.kind) == kind, col(e.at) >= since).group_by(process))
        with self._tx() as s:
            return [CaseEventCount(str(p), int(n), int(k)) for p, n, k in s.exec(query)]

    def cases_per_day(self, since: dt.datetime) -> dict[str, tuple[int, int]]:
        """Per UTC day since ``since``: cases opened, cases resolved."""
        c = ExceptionCase
        opened_day, resolved_day = func.date(c.created_at), func.date(c.resolved_at)
        with self._tx() as s:
            opened = {str(d)[:10]: int(n) for d, n in s.exec(
                select(opened_day, func.count()).where(col(c.created_at) >= since)
                .group_by(opened_day))}
            resolved = {str(d)[:10]: int(n) for d, n in s.exec(
                select(resolved_day, func.count()).where(col(c.resolved_at) >= since)
                .group_by(resolved_day))}
        return {d: (opened.get(d, 0), resolved.get(d, 0)) for d in {*opened, *resolved}}

    def resolved_late(self, since: dt.datetime) -> dict[str, tuple[int, int]]:
        """Per process: cases resolved since ``since``, and how many after their SLA."""
        c = ExceptionCase
        process = func.coalesce(col(c.bot), "")
        late = func.sum(case((col(c.resolved_at) > col(c.sla_due_at), 1), else_=0))
        query = (select(process, func.count(), late).where(col(c.resolved_at) >= since)
                 .group_by(process))
        with self._tx() as s:
            return {str(p): (int(n), int(k or 0)) for p, n, k in s.exec(query)}

    def latest_leakage_run(self) -> dict[str, Any] | None:
        """The data of the newest revenue-leakage run record (the billing checks')."""
        query = (select(BotWrittenRecord.data, BotWrittenRecord.updated_at)
                 .where(col(BotWrittenRecord.kind) == LEAKAGE_RUN)
                 .order_by(col(BotWrittenRecord.updated_at).desc(),
                           col(BotWrittenRecord.id).desc()).limit(1))
        with self._tx() as s:
            row = s.exec(query).first()
        if row is None:
            return None
        data, written = row
        return {**dict(data or {}), "_written_at": written}

    def waiting_money_of(self, processes: Iterable[str]) -> MoneyCount:
        """Cases still waiting of the given processes: how many and their money."""
        c = ExceptionCase
        wanted = list(processes)
        query = (select(func.count(), cents_sum(c.amount))
                 .where(col(c.status).in_(WAITING_CASE), col(c.bot).in_(wanted)))
        with self._tx() as s:
            n, cents = s.exec(query).one()
        return MoneyCount(int(n), _money(cents))
