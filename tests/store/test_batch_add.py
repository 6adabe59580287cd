"""Adding many items in one call: one transaction, the queue's rules for each item."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.runtime import NewItem
from bots.runtime.errors import NotFoundError
from orchestrator.store import Store, utcnow


def test_a_batch_adds_every_item_and_says_which_were_refused(store: Store, queue: str) -> None:
    store.add_item(queue, "LIVE", {})
    ids = store.add_items(queue, [NewItem("A", {"n": 1}), NewItem("LIVE", {}),
                                  NewItem("B", {"n": 2}), NewItem("A", {"n": 3})])
    assert ids[0] is not None and ids[2] is not None
    assert ids[1] is None and ids[3] is None  # live already; earlier in the same batch
    a = store.get_item(ids[0])
    assert (a.reference, a.payload, a.state, a.retry_count) == ("A", {"n": 1}, "new", 0)
    assert a.created_at.tzinfo is dt.UTC
    assert sorted(i.reference for i in store.list_items(queue)) == ["A", "B", "LIVE"]


def test_batch_items_are_claimed_in_queue_order(store: Store, queue: str) -> None:
    soon = utcnow() + dt.timedelta(hours=1)
    store.add_items(queue, [
        NewItem("LOW"), NewItem("HIGH", priority=5), NewItem("DUE", deadline=soon),
        NewItem("LATER", not_before=utcnow() + dt.timedelta(days=1)),
    ])
    claimed = []
    while (item := store.claim_item(queue, "w")) is not None:
        claimed.append(item.reference)
        store.complete_item(item.id, owner="w")
    assert claimed == ["DUE", "HIGH", "LOW"]  # LATER is postponed


def test_ten_thousand_items_in_one_call(store: Store, queue: str) -> None:
    ids = store.add_items(queue, [NewItem(f"R{n:05d}", {"n": n}) for n in range(10_000)])
    assert len(ids) == 10_000 and None not in ids and len(set(ids)) == 10_000
    assert store.queue_counts()[queue] == {"new": 10_000}
    first = store.claim_item(queue, "w")
    assert first is not None and first.reference == "R00000" and first.payload == {"n": 0}


def test_a_bad_item_refuses_the_whole_batch(store: Store, queue: str) -> None:
    for bad, says in ((NewItem(""), "item 1: the reference"),
                      (NewItem("X" * 201), "longer than 200"),
                      (NewItem("N", deadline=dt.datetime(2026, 1, 1)), "timezone-aware"),
                      (NewItem("P", priority="high"), "priority")):  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=says):
            store.add_items(queue, [NewItem("OK"), bad])
    assert store.list_items(queue) == []


def test_a_batch_for_an_unknown_queue_is_refused(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no work queue 'nope'"):
        store.add_items("nope", [NewItem("A")])
    with pytest.raises(NotFoundError):
        store.add_item("nope", "A")
    with pytest.raises(NotFoundError):
        store.claim_item("nope", "w")
