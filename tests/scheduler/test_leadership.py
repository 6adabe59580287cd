"""Scheduler leadership: of two nodes on one store, one fires schedules; the other takes
over when the leader steps down, dies or (PostgreSQL) stops answering."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from schedhelp import jobs_of

from orchestrator.scheduler import SchedulerService, add_schedule
from orchestrator.scheduler.leadership import Leadership, leader_lock, scheduler_nodes
from orchestrator.store import Store

BOT = "payment-posting"
LEASE = 1.5
BEAT = 0.2


@pytest.fixture
def node(db_url: str) -> Iterator[Callable[[str], Leadership]]:
    """Makes a node: a store of its own and a Leadership (not started)."""
    made: list[tuple[Store, Leadership]] = []

    def make(name: str) -> Leadership:
        own = Store(db_url, create=False)
        leadership = Leadership(leader_lock(own, name, LEASE), name, beat_seconds=BEAT,
                                lease_seconds=LEASE)
        made.append((own, leadership))
        return leadership

    yield make
    for own, leadership in made:
        leadership.stop()
        own.close()


def _wait(condition: Callable[[], bool], seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.05)
    return time.monotonic() - started


def test_one_node_leads_and_the_other_takes_over_when_it_steps_down(
        store: Store, node: Callable[[str], Leadership]) -> None:
    a, b = node("node-a"), node("node-b")
    assert a.beat() is True
    assert b.beat() is False and b.beat() is False
    assert a.leading and not b.leading
    nodes = scheduler_nodes(store)
    assert nodes[0].node == "node-a" and nodes[0].leads and nodes[0].since is not None
    assert [n.node for n in nodes if n.leads] == ["node-a"]
    if store.dialect == "postgresql":  # every node shows there, the standby too
        assert {(n.node, n.leads) for n in nodes} == {("node-a", True), ("node-b", False)}
    else:  # the lock file beside the store is its owner's only
        lock = Path(f"{store.engine.url.database}.scheduler.lock")
        assert lock.stat().st_mode & 0o777 == 0o600

    a.stop()
    assert b.beat() is True
    assert a.beat() is False and not a.leading
    assert [n.node for n in scheduler_nodes(store) if n.leads] == ["node-b"]


@pytest.mark.postgres
def test_a_silent_leader_loses_the_lock_within_the_lease(
        store: Store, node: Callable[[str], Leadership]) -> None:
    if store.dialect != "postgresql":
        pytest.skip("SQLite's lock is one host's flock: a silent holder keeps it")
    a, b = node("node-a"), node("node-b")
    assert a.beat() is True  # then a stops beating, as a frozen or cut-off node would
    silent_since = time.monotonic()  # counted from here: starting b may take a while
    b.start()
    _wait(lambda: b.leading, LEASE + 5 * BEAT + 3)
    took = time.monotonic() - silent_since
    print(f"standby took over {took:.2f} s after the leader went silent (lease {LEASE} s)")
    assert took >= LEASE - 2 * BEAT  # not before the lease ran out
    assert a.beat() is False and not a.leading  # its session was ended: it knows
    assert [n.node for n in scheduler_nodes(store) if n.leads] == ["node-b"]


def test_a_standby_scheduler_fires_nothing_until_it_leads(
        store: Store, node: Callable[[str], Leadership]) -> None:
    leader = node("node-a")
    assert leader.beat() is True
    standby = node("node-b")
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.3)
    schedule = add_schedule(store, "once", BOT, "date", {"at": soon.isoformat()})
    service = SchedulerService(store, poll_seconds=0.1, leadership=standby)
    service.start()
    try:
        time.sleep(1.2)
        assert jobs_of(store, schedule.id) == []  # due, but this node does not lead
        leader.stop()
        _wait(lambda: len(jobs_of(store, schedule.id)) == 1, 5)
        assert standby.leading
    finally:
        service.shutdown()
    assert not standby.leading  # shutdown stepped down
    assert len(jobs_of(store, schedule.id)) == 1
