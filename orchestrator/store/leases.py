"""Claiming work items under a lease and releasing each exactly once.

A claim is one atomic statement on both backends (:mod:`.queue_sql`): PostgreSQL locks the
chosen row with ``FOR UPDATE SKIP LOCKED`` (concurrent claimers skip it); SQLite runs it
inside ``BEGIN IMMEDIATE`` (one writer at a time). A completion is one statement too unless
it must do more (settle a case) or be refused; refusals go through the state guard, so a
second ``complete_item`` / ``fail_item`` on the same item raises ``IllegalTransitionError``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from bots.runtime.errors import LeaseLostError
from orchestrator.store.base import StoreBase
from orchestrator.store.case_hooks import item_released
from orchestrator.store.models import WorkItem, WorkQueue
from orchestrator.store.queue_sql import claim_next, complete_fast
from orchestrator.store.states import FailureKind, ItemState, guard
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["LeasesMixin", "retry_as_clone"]


def retry_as_clone(
    s: Session, item: WorkItem, now: dt.datetime, *, manual: bool = False
) -> WorkItem | None:
    """Retire a failed/abandoned ``item`` as ``retried`` and queue its clone, if retries remain.

    The clone keeps reference, payload, priority and deadline; it waits
    ``backoff * 2**retry_count`` seconds (the queue's base backoff) before it can be claimed.
    ``manual=True`` is a person's retry: no retry limit and no backoff (the clone is
    claimable at once); the state guard still applies.
    """
    queue = s.get(WorkQueue, item.queue)
    assert queue is not None
    if not manual and item.retry_count >= queue.max_retries:
        return None
    item.state = guard(ItemState, item.state, ItemState.RETRIED)
    s.add(item)
    s.flush()  # free the reference before the clone takes it (partial unique index)
    backoff = 0.0 if manual else queue.retry_backoff_seconds
    delay = dt.timedelta(seconds=backoff * 2**item.retry_count)
    clone = WorkItem(
        queue=item.queue, reference=item.reference, payload=item.payload,
        priority=item.priority, deadline=item.deadline, not_before=now + delay if delay else None,
        retry_count=item.retry_count + 1, parent_id=item.id,
    )
    s.add(clone)
    s.flush()
    return clone


class LeasesMixin(StoreBase):
    def claim_item(
        self,
        queue: str,
        owner: str,
        lease_seconds: int | None = None,
        run_id: int | None = None,
    ) -> WorkItem | None:
        """Lease the next claimable item to ``owner``, or ``None`` if there is none.

        Order: earliest deadline first (no deadline last), then highest priority, then
        oldest; items whose ``not_before`` is in the future are skipped.
        """
        if lease_seconds is not None and lease_seconds <= 0:
            raise ValueError("lease_seconds must be > 0")
        item = claim_next(self, queue, owner, lease_seconds, run_id, utcnow())
        if item is None:
            self.get_queue(queue)  # nothing to claim, or no such queue: say which
        return item

    def renew_lease(
        self, item_id: int, owner: str, lease_seconds: int | None = None
    ) -> dt.datetime:
        """Extend the lease (a heartbeat); returns the new expiry."""
        now = utcnow()
        with self._tx(write=True) as s:
            item = self._held(s, item_id, owner)
            q = s.get(WorkQueue, item.queue)
            assert q is not None
            expires = now + dt.timedelta(seconds=lease_seconds or q.lease_seconds)
            item.lease_expires_at = expires
            s.add(item)
            return expires

    def complete_item(
        self, item_id: int, output: Mapping[str, Any] | None = None, owner: str | None = None
    ) -> WorkItem:
        """Release the item as ``successful`` with ``output``; with ``owner``, only while it
        holds the lease (else ``LeaseLostError``)."""
        done = complete_fast(self, item_id, output, owner, utcnow())
        if done is not None:
            return done
        # the long way: the item carries a person's decision, or the release is refused
        with self._tx(write=True) as s:
            item = self._held(s, item_id, owner)
            item.state = guard(ItemState, item.state, ItemState.SUCCESSFUL)
            item.output = to_jsonable(dict(output or {}))
            item.finished_at, item.lease_expires_at = utcnow(), None
            s.add(item)
            item_released(s, item)  # a case waiting for this posting is resolved
            return item

    def fail_item(
        self,
        item_id: int,
        kind: str,
        code: str,
        message: str = "",
        owner: str | None = None,
    ) -> WorkItem | None:
        """Fail the item; an application failure with retries left returns the retry clone."""
        failure = FailureKind(kind)
        now = utcnow()
        with self._tx(write=True) as s:
            item = self._held(s, item_id, owner)
            item.state = guard(ItemState, item.state, ItemState.FAILED)
            item.failure_kind, item.failure_code = failure.value, code
            item.failure_message = message or code
            item.finished_at, item.lease_expires_at = now, None
            s.add(item)
            clone = None if failure is FailureKind.BUSINESS else retry_as_clone(s, item, now)
            item_released(s, item, clone)  # a case waiting for this posting is reopened
            return clone

    def _held(self, s: Session, item_id: int, owner: str | None) -> WorkItem:
        """The item, locked for update; with ``owner``, it must still hold the lease."""
        item = s.exec(
            select(WorkItem).where(WorkItem.id == item_id).with_for_update()
        ).first()
        item = self._need(item, "work item", item_id)
        if owner is not None and (
            item.state != ItemState.IN_PROGRESS or item.lease_owner != owner
        ):
            raise LeaseLostError(f"work item {item_id} is not leased to {owner!r}")
        return item
