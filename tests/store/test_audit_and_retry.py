"""Audit trail and a person's retry, on every backend."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.runtime.errors import IllegalTransitionError, NotFoundError
from orchestrator.store import ItemState, Store, WorkItem, current_actor


def test_audit_round_trip_newest_first(store: Store) -> None:
    first = store.record_audit("alice", "item.add", "payments/P01:1", {"amount": "10.00"})
    store.record_audit("bob", "item.retry", "payments/P02:2", {"clone_id": 3})
    store.record_audit("alice", "item.delete", "payments/P03:4")
    records = store.list_audit()
    assert [r.action for r in records] == ["item.delete", "item.retry", "item.add"]
    last = records[-1]
    assert (last.id, last.actor, last.target) == (first.id, "alice", "payments/P01:1")
    assert last.details == {"amount": "10.00"} and records[0].details == {}
    assert last.at.tzinfo is not None and last.at.utcoffset() == dt.timedelta(0)
    assert [r.target for r in store.list_audit(action="item.retry")] == ["payments/P02:2"]
    assert len(store.list_audit(limit=2)) == 2


def test_actor_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINBOTS_ACTOR", "controller.jane")
    assert current_actor() == "controller.jane"
    monkeypatch.delenv("FINBOTS_ACTOR")
    assert current_actor()


def _failed(store: Store, queue: str, ref: str, kind: str) -> WorkItem:
    store.ensure_queue(queue, max_retries=0)  # no automatic retry: the item stays failed
    item = store.add_item(queue, ref, {"amount": "5.00"}, priority=3)
    assert item is not None
    claimed = store.claim_item(queue, "robot")
    assert claimed is not None and claimed.id == item.id
    assert store.fail_item(item.id, kind, "ERP_DOWN", owner="robot") is None
    return store.get_item(item.id)


@pytest.mark.parametrize("kind", ["application", "business"])
def test_retry_failed_item_clones_it(store: Store, kind: str) -> None:
    original = _failed(store, "manual", "P01", kind)
    assert original.state == ItemState.FAILED and original.failure_kind == kind
    clone = store.retry_item(original.id)
    assert clone.id != original.id and clone.state == ItemState.NEW
    assert (clone.reference, clone.payload, clone.priority) == ("P01", {"amount": "5.00"}, 3)
    assert clone.retry_count == original.retry_count + 1 and clone.parent_id == original.id
    assert clone.not_before is None
    assert store.get_item(original.id).state == ItemState.RETRIED
    assert store.find_item("manual", "P01").id == clone.id
    assert store.claim_item("manual", "robot").id == clone.id


def test_retry_abandoned_item(store: Store) -> None:
    store.ensure_queue("q", max_retries=0, lease_seconds=1)
    item = store.add_item("q", "A1")
    assert item is not None and store.claim_item("q", "robot", lease_seconds=1) is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    store.recover_expired_leases(now=later)
    assert store.get_item(item.id).state == ItemState.ABANDONED
    clone = store.retry_item(item.id)
    assert clone.parent_id == item.id and clone.state == ItemState.NEW
    assert store.get_item(item.id).state == ItemState.RETRIED


def test_retry_refused_from_other_states(store: Store) -> None:
    store.ensure_queue("q")
    new = store.add_item("q", "N1")
    done = store.add_item("q", "S1")
    assert new is not None and done is not None
    claimed = store.claim_item("q", "robot")
    assert claimed is not None and claimed.id == new.id
    store.complete_item(new.id, {}, owner="robot")
    for item_id in (new.id, done.id):  # successful, then new
        with pytest.raises(IllegalTransitionError):
            store.retry_item(item_id)
    retried = _failed(store, "other", "R1", "business")
    store.retry_item(retried.id)
    with pytest.raises(IllegalTransitionError):  # already retried
        store.retry_item(retried.id)
    with pytest.raises(NotFoundError):
        store.retry_item(4711)
    assert store.get_item(done.id).state == ItemState.NEW


def test_queue_counts(store: Store) -> None:
    store.ensure_queue("a")
    store.ensure_queue("b")
    for ref in ("1", "2", "3"):
        store.add_item("a", ref)
    store.claim_item("a", "robot")
    assert [q.name for q in store.list_queues()] == ["a", "b"]
    assert store.queue_counts() == {"a": {"new": 2, "in_progress": 1}}
