"""Work queues and adding, reading, retrying and deleting their items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select

from bots.runtime.errors import IllegalTransitionError
from bots.runtime.queues import NewItem
from orchestrator.store.base import StoreBase
from orchestrator.store.leases import retry_as_clone
from orchestrator.store.models import ExceptionCase, WorkItem, WorkQueue
from orchestrator.store.queue_sql import add_batch, add_one
from orchestrator.store.states import LIVE_ITEM_STATES, CaseStatus, ItemState, guard
from orchestrator.store.types import utcnow

#: a case whose decision waits for a second person or for its bot: its item is not retried
_DECISION_IN_FLIGHT = (CaseStatus.AWAITING_APPROVAL.value, CaseStatus.AWAITING_POSTING.value)

__all__ = ["QueuesMixin"]


class QueuesMixin(StoreBase):
    def ensure_queue(
        self,
        name: str,
        max_retries: int = 3,
        lease_seconds: int = 60,
        retry_backoff_seconds: float = 0.0,
    ) -> WorkQueue:
        """Create the queue if it does not exist; an existing queue keeps its settings."""
        if max_retries < 0 or lease_seconds <= 0 or retry_backoff_seconds < 0:
            raise ValueError("max_retries >= 0, lease_seconds > 0, retry_backoff_seconds >= 0")
        try:
            with self._tx(write=True) as s:
                queue = s.get(WorkQueue, name)
                if queue is None:
                    queue = WorkQueue(
                        name=name, max_retries=max_retries, lease_seconds=lease_seconds,
                        retry_backoff_seconds=retry_backoff_seconds,
                    )
                    s.add(queue)
                return queue
        except IntegrityError:  # created concurrently by another process
            return self.get_queue(name)

    def get_queue(self, name: str) -> WorkQueue:
        with self._tx() as s:
            return self._need(s.get(WorkQueue, name), "work queue", name)

    def list_queues(self) -> list[WorkQueue]:
        """By name."""
        with self._tx() as s:
            return list(s.exec(select(WorkQueue).order_by(col(WorkQueue.name))))

    def queue_counts(self) -> dict[str, dict[str, int]]:
        """Items per queue and state: ``{queue: {state: count}}`` (states with none left out)."""
        query = select(WorkItem.queue, WorkItem.state, func.count()).group_by(
            col(WorkItem.queue), col(WorkItem.state)
        )
        counts: dict[str, dict[str, int]] = {}
        with self._tx() as s:
            for queue, state, n in s.exec(query):
                counts.setdefault(queue, {})[state] = n
        return counts

    def add_item(
        self,
        queue: str,
        reference: str,
        payload: Mapping[str, Any] | None = None,
        priority: int = 0,
        deadline: dt.datetime | None = None,
        not_before: dt.datetime | None = None,
        *,
        from_orchestrator: bool = False,
    ) -> WorkItem | None:
        """Add a ``new`` item; ``None`` when a live item of the queue has that reference.
        The payload keys :data:`~bots.runtime.queues.DECISION_KEYS` are refused (ValueError)
        unless ``from_orchestrator``: a service of the orchestrator's queues a person's
        request; the API, the CLI, the web UI's queue form and bots never say so."""
        new = NewItem(reference, dict(payload or {}), priority, deadline, not_before)
        return add_one(self, queue, new, utcnow(), from_orchestrator=from_orchestrator)

    def add_items(self, queue: str, items: Sequence[NewItem]) -> list[int | None]:
        """Add many ``new`` items in one transaction (one statement on PostgreSQL).

        Returns, per item in order, its id, or ``None`` when a live item of the queue (or
        an earlier item of the batch) holds its reference. A bad item (empty or too long a
        reference, a naive time) refuses the whole batch with a ``ValueError`` naming it.
        """
        return add_batch(self, queue, items, utcnow())

    @staticmethod
    def _live_item(s: Any, queue: str, reference: str) -> WorkItem | None:
        return s.exec(
            select(WorkItem).where(
                WorkItem.queue == queue,
                WorkItem.reference == reference,
                col(WorkItem.state).in_(list(LIVE_ITEM_STATES)),
            )
        ).first()

    def get_item(self, item_id: int) -> WorkItem:
        with self._tx() as s:
            return self._need(s.get(WorkItem, item_id), "work item", item_id)

    def find_item(self, queue: str, reference: str) -> WorkItem | None:
        """The live item holding ``reference`` in ``queue``, if any."""
        with self._tx() as s:
            return self._live_item(s, queue, reference)

    def list_items(
        self,
        queue: str | None = None,
        state: str | None = None,
        reference: str | None = None,
        run_id: int | None = None,
        limit: int | None = None,
    ) -> list[WorkItem]:
        """Oldest first."""
        query = select(WorkItem).order_by(col(WorkItem.id)).limit(limit)
        for column, value in (
            (WorkItem.queue, queue), (WorkItem.state, state),
            (WorkItem.reference, reference), (WorkItem.run_id, run_id),
        ):
            if value is not None:
                query = query.where(column == value)
        with self._tx() as s:
            return list(s.exec(query))

    def delete_item(self, item_id: int) -> WorkItem:
        """A person withdraws a ``new`` item; its reference is free again."""
        with self._tx(write=True) as s:
            item = self._need(s.get(WorkItem, item_id), "work item", item_id)
            item.state = guard(ItemState, item.state, ItemState.DELETED)
            item.finished_at = utcnow()
            s.add(item)
            return item

    def retry_item(self, item_id: int) -> WorkItem:
        """A person retries a ``failed`` (either kind) or ``abandoned`` item; returns the clone.

        The original becomes ``retried``; its ``new`` clone keeps reference and payload, with
        ``retry_count + 1`` and ``parent_id`` set, claimable at once. Unlike the automatic
        retry this ignores the queue's retry limit and also takes business failures: a
        person has fixed the data (or the target system) and vouches for another attempt.
        """
        with self._tx(write=True) as s:
            item = s.exec(
                select(WorkItem).where(WorkItem.id == item_id).with_for_update()
            ).first()
            item = self._need(item, "work item", item_id)
            if item.state not in (ItemState.FAILED, ItemState.ABANDONED):
                raise IllegalTransitionError("work item", item.state, ItemState.RETRIED)
            payload = item.payload or {}
            if "resolves_case" in payload or "resolution" in payload:
                # the case may have been decided again, or closed, since: its decision is
                # tried again from the case (Retry), or decided anew there
                decision = payload.get("resolution")
                case = payload.get("resolves_case") or (
                    decision.get("case_id") if isinstance(decision, Mapping) else None)
                raise ValueError(f"work item {item_id} carries a person's decision on case "
                                 f"{case}: it is retried from the case, not from its queue")
            # the item a case waits to decide, or whose decision a bot carries out, is not
            # tried again beside it: that would go round the approval, or do the work twice
            # (a decision's own item carries it, refused above)
            deciding = s.exec(select(ExceptionCase).where(
                col(ExceptionCase.status).in_(_DECISION_IN_FLIGHT),
                ExceptionCase.work_item_id == item_id).limit(1)).first()
            if deciding is not None:
                raise ValueError(
                    f"work item {item_id} is before people in case {deciding.id} "
                    f"({deciding.status.replace('_', ' ')}): it is decided there, not retried")
            clone = retry_as_clone(s, item, utcnow(), manual=True)
            assert clone is not None  # manual retries have no limit
            return clone
