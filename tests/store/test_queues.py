"""Adding items: unique live reference per queue, claim order, postponement, deletion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bots.runtime.errors import IllegalTransitionError, NotFoundError
from orchestrator.store import Store, utcnow

RAW_INSERT = text(
    "INSERT INTO work_item (queue, reference, state, priority, payload, retry_count, created_at)"
    " VALUES (:queue, :reference, :state, 0, '{}', 0, :now)"
)


def _raw_insert(store: Store, reference: str, state: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            RAW_INSERT,
            {"queue": "payments", "reference": reference, "state": state,
             "now": utcnow().replace(tzinfo=None) if store.dialect == "sqlite" else utcnow()},
        )


def test_payload_round_trips_with_money_as_text(store: Store, queue: str) -> None:
    item = store.add_item(queue, "P01", {"amount": Decimal("1250.00"), "lines": [1, 2]})
    assert item is not None and item.state == "new" and item.retry_count == 0
    again = store.get_item(item.id)
    assert again.payload == {"amount": "1250.00", "lines": [1, 2]}
    assert again.created_at.tzinfo is dt.UTC


def test_duplicate_reference_is_refused(store: Store, queue: str) -> None:
    assert store.add_item(queue, "P01", {}) is not None
    assert store.add_item(queue, "P01", {"other": True}) is None
    assert len(store.list_items(queue)) == 1
    store.ensure_queue("other")
    assert store.add_item("other", "P01", {}) is not None  # unique per queue only


def test_unique_reference_is_enforced_by_the_database(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {})
    with pytest.raises(IntegrityError):
        _raw_insert(store, "P01", "new")
    _raw_insert(store, "P01", "retried")  # dead items do not hold the reference
    _raw_insert(store, "P01", "deleted")
    with pytest.raises(IntegrityError):
        _raw_insert(store, "P01", "failed")


def test_deleted_item_frees_its_reference(store: Store, queue: str) -> None:
    item = store.add_item(queue, "P01", {})
    assert item is not None
    assert store.delete_item(item.id).state == "deleted"
    assert store.add_item(queue, "P01", {}) is not None


def test_only_new_items_can_be_deleted(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {})
    claimed = store.claim_item(queue, "robot-1")
    assert claimed is not None
    with pytest.raises(IllegalTransitionError):
        store.delete_item(claimed.id)


def test_unknown_queue(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.add_item("nope", "P01", {})
    with pytest.raises(NotFoundError):
        store.claim_item("nope", "robot-1")


def test_claim_order_deadline_then_priority_then_fifo(store: Store, queue: str) -> None:
    now = utcnow()
    store.add_item(queue, "fifo-1", {})
    store.add_item(queue, "high", {}, priority=5)
    store.add_item(queue, "fifo-2", {})
    store.add_item(queue, "late-deadline", {}, deadline=now + dt.timedelta(hours=5))
    store.add_item(queue, "early-deadline", {}, deadline=now + dt.timedelta(hours=1))
    store.add_item(queue, "late-deadline-high", {}, priority=9,
                   deadline=now + dt.timedelta(hours=5))
    order = []
    while (item := store.claim_item(queue, "robot-1")) is not None:
        order.append(item.reference)
    assert order == [
        "early-deadline", "late-deadline-high", "late-deadline", "high", "fifo-1", "fifo-2",
    ]


def test_not_before_postpones(store: Store, queue: str) -> None:
    now = utcnow()
    store.add_item(queue, "later", {}, not_before=now + dt.timedelta(minutes=10))
    store.add_item(queue, "due", {}, not_before=now - dt.timedelta(seconds=1))
    first = store.claim_item(queue, "robot-1")
    assert first is not None and first.reference == "due"
    assert store.claim_item(queue, "robot-1") is None


def test_naive_datetimes_are_refused(store: Store, queue: str) -> None:
    with pytest.raises(Exception, match="naive"):
        store.add_item(queue, "P01", {}, deadline=dt.datetime(2030, 1, 1))


def test_ensure_queue_is_idempotent(store: Store) -> None:
    store.ensure_queue("q", max_retries=5, retry_backoff_seconds=2.5)
    again = store.ensure_queue("q", max_retries=1)
    assert (again.max_retries, again.retry_backoff_seconds) == (5, 2.5)
