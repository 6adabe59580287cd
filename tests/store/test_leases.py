"""Leases, releases exactly once, retries by clone, expiry recovery."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.runtime.errors import IllegalTransitionError, LeaseLostError
from orchestrator.store import Store, WorkItem, utcnow


def _claim(store: Store, queue: str, owner: str = "robot-1", **kw: object) -> WorkItem:
    item = store.claim_item(queue, owner, **kw)  # type: ignore[arg-type]
    assert item is not None
    return item


def test_claim_leases_the_item(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {})
    before = utcnow()
    item = _claim(store, queue, lease_seconds=120)
    assert item.state == "in_progress" and item.lease_owner == "robot-1"
    assert item.lease_expires_at is not None and item.started_at is not None
    stored = store.get_item(item.id)
    assert stored.lease_expires_at is not None
    assert stored.lease_expires_at - before >= dt.timedelta(seconds=119)
    assert stored.lease_expires_at.tzinfo is dt.UTC
    assert store.claim_item(queue, "robot-2") is None  # nothing left to claim


def test_renew_lease(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {})
    item = _claim(store, queue, lease_seconds=5)
    expires = store.renew_lease(item.id, "robot-1", lease_seconds=600)
    assert expires - utcnow() > dt.timedelta(seconds=500)
    assert store.get_item(item.id).lease_expires_at == expires
    with pytest.raises(LeaseLostError):
        store.renew_lease(item.id, "robot-2")


def test_complete_exactly_once(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {})
    item = _claim(store, queue)
    done = store.complete_item(item.id, {"confirmation": "C-1"})
    assert done.state == "successful" and done.finished_at is not None
    assert store.get_item(item.id).output == {"confirmation": "C-1"}
    with pytest.raises(IllegalTransitionError):
        store.complete_item(item.id, {})
    with pytest.raises(IllegalTransitionError):
        store.fail_item(item.id, "application", "X", "late")


def test_release_requires_a_claim(store: Store, queue: str) -> None:
    item = store.add_item(queue, "P01", {})
    assert item is not None
    with pytest.raises(IllegalTransitionError):
        store.complete_item(item.id, {})


def test_business_failure_is_never_retried(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {})
    item = _claim(store, queue)
    assert store.fail_item(item.id, "business", "UNMATCHED", "no invoice") is None
    failed = store.get_item(item.id)
    assert (failed.state, failed.failure_kind, failed.failure_code) == (
        "failed", "business", "UNMATCHED")
    assert failed.failure_message == "no invoice"
    assert store.claim_item(queue, "robot-1") is None
    with pytest.raises(IllegalTransitionError):
        store.fail_item(item.id, "business", "UNMATCHED", "again")


def test_application_failure_retries_up_to_the_limit(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {"n": 1}, priority=3)  # queue max_retries=2
    first = _claim(store, queue)
    clone = store.fail_item(first.id, "application", "ERP_TIMEOUT", "timeout")
    assert clone is not None
    assert (clone.state, clone.retry_count, clone.parent_id) == ("new", 1, first.id)
    assert (clone.reference, clone.payload, clone.priority) == ("P01", {"n": 1}, 3)
    assert store.get_item(first.id).state == "retried"

    second = _claim(store, queue)
    assert second.id == clone.id
    clone2 = store.fail_item(second.id, "application", "ERP_TIMEOUT", "timeout")
    assert clone2 is not None and clone2.retry_count == 2

    third = _claim(store, queue)
    assert store.fail_item(third.id, "application", "ERP_TIMEOUT", "timeout") is None
    assert store.get_item(third.id).state == "failed"
    states = [i.state for i in store.list_items(queue, reference="P01")]
    assert states == ["retried", "retried", "failed"]


def test_retry_backoff_is_exponential(store: Store) -> None:
    store.ensure_queue("slow", max_retries=3, retry_backoff_seconds=10)
    store.add_item("slow", "P01", {})
    item = _claim(store, "slow")
    before = utcnow()
    clone = store.fail_item(item.id, "application", "E", "e")
    assert clone is not None and clone.not_before is not None
    assert dt.timedelta(seconds=9) < clone.not_before - before < dt.timedelta(seconds=12)
    assert store.claim_item("slow", "robot-1") is None  # postponed
    # the second retry waits twice as long
    with store.engine.begin() as conn:  # make the clone due now
        conn.exec_driver_sql("UPDATE work_item SET not_before = NULL")
    again = _claim(store, "slow")
    before = utcnow()
    clone2 = store.fail_item(again.id, "application", "E", "e")
    assert clone2 is not None and clone2.not_before is not None
    assert dt.timedelta(seconds=19) < clone2.not_before - before < dt.timedelta(seconds=22)


def test_expired_lease_is_recovered_as_a_clone(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {})
    store.add_item(queue, "P02", {})
    dead = _claim(store, queue, owner="dead-robot", lease_seconds=30)
    alive = _claim(store, queue, owner="live-robot", lease_seconds=300)
    assert store.recover_expired_leases() == []
    recovered = store.recover_expired_leases(now=utcnow() + dt.timedelta(seconds=60))
    assert recovered == [dead.id]
    assert store.get_item(dead.id).state == "retried"
    assert store.get_item(alive.id).state == "in_progress"
    clone = _claim(store, queue, owner="live-robot")
    assert (clone.reference, clone.parent_id, clone.retry_count) == ("P01", dead.id, 1)
    # the dead robot's late release is refused: the item was released once already
    with pytest.raises((IllegalTransitionError, LeaseLostError)):
        store.complete_item(dead.id, {}, owner="dead-robot")
    with pytest.raises(IllegalTransitionError):
        store.complete_item(dead.id, {})


def test_recovery_respects_the_retry_limit(store: Store) -> None:
    store.ensure_queue("once", max_retries=0)
    store.add_item("once", "P01", {})
    item = _claim(store, "once", lease_seconds=1)
    store.recover_expired_leases(now=utcnow() + dt.timedelta(seconds=5))
    assert store.get_item(item.id).state == "abandoned"
    assert store.claim_item("once", "robot-1") is None


def test_release_by_owner_checks_the_lease(store: Store, queue: str) -> None:
    store.add_item(queue, "P01", {})
    item = _claim(store, queue)
    with pytest.raises(LeaseLostError):
        store.complete_item(item.id, {}, owner="someone-else")
    assert store.complete_item(item.id, {}, owner="robot-1").state == "successful"
