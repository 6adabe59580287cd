"""Helpers shared by the scheduler tests (imported by name: conftest puts this folder on
sys.path)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select

from orchestrator.store import RunRecord, Store
from orchestrator.store.models import Schedule

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    """An aware UTC time from ISO text without offset."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def set_due(store: Store, name: str, next_fire_at: dt.datetime | None, **fields: Any) -> None:
    """Put a schedule's ``next_fire_at`` (and other columns) where a test needs it."""
    with store._tx(write=True) as s:
        schedule = s.exec(select(Schedule).where(Schedule.name == name)).one()
        schedule.next_fire_at = next_fire_at
        for key, value in fields.items():
            setattr(schedule, key, value)
        s.add(schedule)


def jobs_of(store: Store, schedule_id: int | None = None) -> list[RunRecord]:
    """Jobs (oldest first), only those of one schedule when given."""
    query = select(RunRecord).order_by(RunRecord.id)
    if schedule_id is not None:
        query = query.where(RunRecord.schedule_id == schedule_id)
    with store._tx() as s:
        return list(s.exec(query))
