"""What a person does to the fleet from a page or the API: one store call and its audit record.

Both the pages and the API call these, so the rules and the audit trail are the same for
both. Store errors become HTTP errors: unknown → 404, not allowed in this state → 409,
bad input → 422.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from fastapi import HTTPException

from bots.runtime.errors import (
    ConfigError,
    DuplicateError,
    IllegalTransitionError,
    NotFoundError,
    ScheduleError,
)
from orchestrator.auth.principal import Principal
from orchestrator.scheduler import schedules as scheduling
from orchestrator.services import jobs
from orchestrator.services.fleet_models import MAX_TIME_LIMIT_SECONDS
from orchestrator.store import RunRecord, Store, WorkItem
from orchestrator.store.models import Schedule

__all__ = ["add_item", "delete_item", "retry_item", "set_schedule", "start_job", "stop_job",
           "store_errors"]

T = TypeVar("T")


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn the store's refusals into HTTP errors with a message a person can act on."""
    try:
        yield
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except IllegalTransitionError as exc:
        raise HTTPException(409, f"not allowed now: {exc}") from None
    except DuplicateError as exc:
        raise HTTPException(409, str(exc)) from None
    except (ConfigError, ScheduleError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from None


def _call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with store_errors():
        return fn(*args, **kwargs)


def start_job(store: Store, who: Principal, bot: str, args: Mapping[str, Any],
              time_limit_seconds: int | None = None) -> RunRecord:
    """A job of a registered bot (never a module a caller names), its arguments checked."""
    if time_limit_seconds is not None and not 1 <= time_limit_seconds <= MAX_TIME_LIMIT_SECONDS:
        raise HTTPException(422, f"time limit: 1 to {MAX_TIME_LIMIT_SECONDS} seconds (a week)")
    return _call(jobs.start_job, store, bot, args, requested_by=who.name, trigger="manual",
                 time_limit_seconds=time_limit_seconds)


def stop_job(store: Store, who: Principal, run_id: int, *, kill: bool = False) -> RunRecord:
    action = "kill" if kill else "stop"
    ask = store.request_kill if kill else store.request_stop
    job = _call(ask, run_id, who.name)
    store.record_audit(who.name, f"job.{action}", f"job:{run_id}", {"status": job.status})
    return job


def _target(item: WorkItem) -> str:
    return f"{item.queue}/{item.reference}:{item.id}"


def add_item(store: Store, who: Principal, queue: str, reference: str,
             payload: Mapping[str, Any], priority: int = 0,
             deadline: dt.datetime | None = None) -> WorkItem:
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=dt.UTC)
    item = _call(store.add_item, queue, reference, dict(payload), priority=priority,
                 deadline=deadline)
    if item is None:
        raise HTTPException(409, f"queue {queue!r} already has a live item {reference!r}")
    store.record_audit(who.name, "item.add", _target(item),
                       {"payload": dict(payload), "priority": priority, "deadline": deadline})
    return item


def retry_item(store: Store, who: Principal, item_id: int) -> WorkItem:
    item = _call(store.get_item, item_id)
    clone = _call(store.retry_item, item_id)
    store.record_audit(who.name, "item.retry", _target(item), {
        "from_state": item.state, "failure_kind": item.failure_kind,
        "failure_code": item.failure_code, "clone_id": clone.id,
        "retry_count": clone.retry_count,
    })
    return clone


def delete_item(store: Store, who: Principal, item_id: int) -> WorkItem:
    item = _call(store.get_item, item_id)
    deleted = _call(store.delete_item, item_id)
    store.record_audit(who.name, "item.delete", _target(item), {"payload": item.payload})
    return deleted


def set_schedule(store: Store, who: Principal, name_or_id: str | int,
                 enabled: bool) -> Schedule:
    before = _call(store.get_schedule, name_or_id)
    schedule = _call(scheduling.set_schedule_enabled, store, before.name, enabled)
    if before.enabled != enabled:
        store.record_audit(who.name, "schedule.resume" if enabled else "schedule.pause",
                           schedule.name, {"next_fire_at": schedule.next_fire_at})
    return schedule
