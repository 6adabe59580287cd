"""Request and response models of the fleet API: jobs, queues and items, schedules, robots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

from orchestrator.store import WorkItem, WorkQueue, utcnow
from orchestrator.store.models import RobotRecord, Schedule

__all__ = ["ItemAddIn", "ItemBatchIn", "ItemBatchOut", "ItemOut", "ItemPageOut", "ItemSkippedOut",
           "JobStartIn", "NodeOut", "QueueOut",
           "RobotOut", "ScheduleOut", "item_out", "queue_out", "robot_out", "schedule_out"]

ArgValue = str | int | float | bool | None


#: the longest time limit a job may be given: a week
MAX_TIME_LIMIT_SECONDS = 7 * 86400


class JobStartIn(BaseModel):
    bot: str = Field(min_length=1, max_length=100, examples=["payment-posting"])
    args: dict[str, ArgValue] = Field(default_factory=dict, examples=[{"format": "camt053"}])
    time_limit_seconds: int | None = Field(default=None, ge=1, le=MAX_TIME_LIMIT_SECONDS)


class QueueOut(BaseModel):
    name: str
    max_retries: int
    lease_seconds: int
    retry_backoff_seconds: float
    counts: dict[str, int] = Field(description="items per state")


class ItemOut(BaseModel):
    id: int
    queue: str
    reference: str
    state: str
    priority: int
    deadline: dt.datetime | None = None
    not_before: dt.datetime | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    output: dict[str, Any] | None = None
    retry_count: int = 0
    parent_id: int | None = None
    run_id: int | None = None
    failure_kind: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class ItemPageOut(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ItemOut]


class ItemAddIn(BaseModel):
    queue: str = Field(min_length=1, max_length=100)
    reference: str = Field(min_length=1, max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict)
    priority: int = Field(default=0, ge=-1000, le=1000)
    deadline: dt.datetime | None = Field(default=None, description="ISO 8601 with an offset")


class ItemBatchIn(BaseModel):
    """One item of a batch (``POST /api/v1/queues/{queue}/items``)."""

    reference: str = Field(min_length=1, max_length=200)
    payload: dict[str, Any] = Field(default_factory=dict)
    priority: int = Field(default=0, ge=-1000, le=1000)
    deadline: dt.datetime | None = Field(default=None, description="ISO 8601; no offset: UTC")
    not_before: dt.datetime | None = Field(default=None, description="ISO 8601; no offset: UTC")


class ItemSkippedOut(BaseModel):
    at: str = Field(description="'item N' (from 1) or 'line N'")
    reference: str


class ItemBatchOut(BaseModel):
    queue: str
    added: int
    ids: list[int]
    skipped: list[ItemSkippedOut] = Field(
        default_factory=list, description="items whose reference a live item holds")


class ScheduleOut(BaseModel):
    id: int
    name: str
    bot: str
    kind: str
    spec: dict[str, Any]
    args: dict[str, Any] = Field(default_factory=dict)
    timezone: str
    calendar: str | None = None
    day_rule: str
    enabled: bool
    next_fire_at: dt.datetime | None = None
    last_fire_at: dt.datetime | None = None
    next_fire_times: list[dt.datetime] = Field(default_factory=list)


class RobotOut(BaseModel):
    name: str
    host: str
    pid: int | None = None
    status: str
    slots: int
    current_run_ids: list[int] = Field(default_factory=list)
    started_at: dt.datetime
    heartbeat_at: dt.datetime
    heartbeat_age_seconds: float


class NodeOut(BaseModel):
    """An orchestrator node (``finbots serve``) and whether it leads the scheduler."""

    node: str
    leads: bool
    since: dt.datetime | None = Field(default=None, description="when it took the lead")
    address: str | None = Field(default=None, description="its address, as the database "
                                "sees it (PostgreSQL)")
    quiet_seconds: float | None = Field(default=None, description="since its last "
                                        "leadership beat (PostgreSQL)")


def queue_out(queue: WorkQueue, counts: dict[str, int]) -> QueueOut:
    return QueueOut(name=queue.name, max_retries=queue.max_retries,
                    lease_seconds=queue.lease_seconds,
                    retry_backoff_seconds=queue.retry_backoff_seconds, counts=counts)


def item_out(item: WorkItem) -> ItemOut:
    fields = {name: getattr(item, name) for name in ItemOut.model_fields}
    fields["id"] = item.id or 0
    fields["payload"] = item.payload or {}
    return ItemOut(**fields)


def schedule_out(schedule: Schedule, fire_times: list[dt.datetime]) -> ScheduleOut:
    return ScheduleOut(
        id=schedule.id or 0, name=schedule.name, bot=schedule.bot, kind=schedule.kind,
        spec=schedule.spec or {}, args=schedule.args or {}, timezone=schedule.timezone,
        calendar=schedule.calendar, day_rule=schedule.day_rule, enabled=schedule.enabled,
        next_fire_at=schedule.next_fire_at, last_fire_at=schedule.last_fire_at,
        next_fire_times=fire_times,
    )


def robot_out(robot: RobotRecord, now: dt.datetime | None = None) -> RobotOut:
    age = ((now or utcnow()) - robot.heartbeat_at).total_seconds()
    return RobotOut(name=robot.name, host=robot.host, pid=robot.pid, status=robot.status,
                    slots=robot.slots, current_run_ids=list(robot.current_run_ids or []),
                    started_at=robot.started_at, heartbeat_at=robot.heartbeat_at,
                    heartbeat_age_seconds=round(max(age, 0.0), 1))
