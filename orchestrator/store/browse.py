"""Filtered, paged reads of runs and work items for the web UI and the API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import func
from sqlmodel import col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.models import RunRecord, WorkItem

__all__ = ["BrowseMixin", "Page"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of records and how many match in all."""

    records: list[T]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.records) < self.total


class BrowseMixin(StoreBase):
    def find_runs(
        self,
        *,
        bot: str | None = None,
        status: str | None = None,
        robot: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[RunRecord]:
        """Runs newest first; ``since <= started_at < until``."""
        query = select(RunRecord)
        for column, value in ((RunRecord.bot, bot), (RunRecord.status, status),
                              (RunRecord.robot, robot)):
            if value:
                query = query.where(column == value)
        if since is not None:
            query = query.where(col(RunRecord.started_at) >= since)
        if until is not None:
            query = query.where(col(RunRecord.started_at) < until)
        with self._tx() as s:
            total = s.exec(select(func.count()).select_from(query.subquery())).one()
            rows = s.exec(query.order_by(col(RunRecord.id).desc()).offset(offset).limit(limit))
            return Page(list(rows), int(total), offset, limit)

    def run_facets(self) -> dict[str, list[str]]:
        """The bots and robots that have runs (for filter choices)."""
        with self._tx() as s:
            bots = s.exec(select(RunRecord.bot).distinct().order_by(col(RunRecord.bot)))
            robots = s.exec(
                select(RunRecord.robot).where(col(RunRecord.robot).is_not(None))
                .distinct().order_by(col(RunRecord.robot))
            )
            return {"bots": list(bots), "robots": [r for r in robots if r]}

    def find_items(
        self,
        *,
        queue: str | None = None,
        state: str | None = None,
        reference: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[WorkItem]:
        """Work items newest first; ``reference`` matches a part of it (case-insensitive)."""
        query = select(WorkItem)
        if queue:
            query = query.where(WorkItem.queue == queue)
        if state:
            query = query.where(WorkItem.state == state)
        if reference:
            query = query.where(col(WorkItem.reference).icontains(reference, autoescape=True))
        with self._tx() as s:
            total = s.exec(select(func.count()).select_from(query.subquery())).one()
            rows = s.exec(query.order_by(col(WorkItem.id).desc()).offset(offset).limit(limit))
            return Page(list(rows), int(total), offset, limit)
