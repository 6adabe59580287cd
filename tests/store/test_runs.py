"""Bots, runs, steps and recovery after a killed robot."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime.errors import IllegalTransitionError, NotFoundError
from orchestrator.store import Store


def test_register_bot_upserts(store: Store) -> None:
    store.register_bot("payment-posting", "1.0.0", "posts", ["sandbox_bank"])
    bot = store.register_bot("payment-posting", "1.1.0", "posts cash", ["legacy_erp"])
    assert (bot.version, bot.apps) == ("1.1.0", ["legacy_erp"])
    assert store.start_run("payment-posting", {}, "h", 1).bot_version == "1.1.0"


def test_run_round_trip(store: Store) -> None:
    run = store.start_run("payment-posting", {"date": dt.date(2024, 3, 1)}, "host-a", 4242)
    assert run.id is not None and run.status == "running"
    store.finish_run(run.id, "successful", {"posted": 12, "total": Decimal("1000.50")})
    got = store.get_run(run.id)
    assert got.status == "successful" and got.args == {"date": "2024-03-01"}
    assert got.summary == {"posted": 12, "total": "1000.50"}
    assert got.started_at.tzinfo is dt.UTC and got.finished_at is not None
    assert got.finished_at.tzinfo is dt.UTC and got.finished_at >= got.started_at
    with pytest.raises(IllegalTransitionError):
        store.finish_run(run.id, "failed", {}, "again")


def test_unknown_run(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.get_run(999)


def test_list_runs_filters_newest_first(store: Store) -> None:
    a = store.start_run("a", {}, "h", 1)
    b = store.start_run("b", {}, "h", 1)
    c = store.start_run("a", {}, "h", 1)
    store.finish_run(c.id, "failed", {}, "boom")
    assert [r.id for r in store.list_runs()] == [c.id, b.id, a.id]
    assert [r.id for r in store.list_runs(bot="a")] == [c.id, a.id]
    assert [r.id for r in store.list_runs(status="failed")] == [c.id]
    assert len(store.list_runs(limit=1)) == 1


def test_steps_round_trip_in_order(store: Store) -> None:
    run = store.start_run("bot", {}, "h", 1)
    when = dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    first = store.add_step(
        run.id, started_at=when, app="legacy_erp", selector="post.amount",
        locator="css=input[name=amount]", action="fill", data={"amount": Decimal("12.30")},
        rule=None, outcome="ok", duration_ms=41, message=None, evidence=None,
    )
    second = store.add_step(run.id, app="legacy_erp", action="click", outcome="failed",
                            message="timeout", evidence=Path("runs/1/shot.png"))
    steps = store.list_steps(run.id)
    assert [s.id for s in steps] == [first, second]
    assert [s.seq for s in steps] == [1, 2]
    assert steps[0].started_at == when and steps[0].started_at.tzinfo is dt.UTC
    assert steps[0].started_at.hour == 7
    assert steps[0].data == {"amount": "12.30"}
    assert steps[1].evidence == "runs/1/shot.png" and steps[1].outcome == "failed"
    with pytest.raises(TypeError):
        store.add_step(run.id, action="x", colour="red")


def test_dead_runs_are_abandoned_and_their_items_retried(store: Store, queue: str) -> None:
    dead = store.start_run("bot", {}, "host-a", 111)
    live = store.start_run("bot", {}, "host-a", 222)
    elsewhere = store.start_run("bot", {}, "host-b", 111)
    store.add_item(queue, "P01", {})
    store.add_item(queue, "P02", {})
    lost = store.claim_item(queue, "robot-dead", run_id=dead.id, lease_seconds=3600)
    kept = store.claim_item(queue, "robot-live", run_id=live.id)
    assert lost is not None and kept is not None

    abandoned = store.mark_dead_runs_abandoned("host-a", is_alive=lambda pid: pid == 222)
    assert abandoned == [dead.id]
    assert store.get_run(dead.id).status == "abandoned"
    assert store.get_run(live.id).status == "running"
    assert store.get_run(elsewhere.id).status == "running"
    assert store.get_item(lost.id).state == "retried"
    assert store.get_item(kept.id).state == "in_progress"
    clone = store.claim_item(queue, "robot-next")
    assert clone is not None and (clone.reference, clone.parent_id) == ("P01", lost.id)


def test_pid_alive_check_against_this_process(store: Store) -> None:
    import os

    run = store.start_run("bot", {}, "host-a", os.getpid())
    assert store.mark_dead_runs_abandoned("host-a") == []
    assert store.get_run(run.id).status == "running"


def test_run_counts(store: Store, queue: str) -> None:
    run = store.start_run("bot", {}, "h", 1)
    for ref in ("P01", "P02", "P03"):
        store.add_item(queue, ref, {})
    a = store.claim_item(queue, "r", run_id=run.id)
    b = store.claim_item(queue, "r", run_id=run.id)
    assert a is not None and b is not None
    store.complete_item(a.id, {})
    store.fail_item(b.id, "business", "UNMATCHED", "x")
    store.open_case(run.id, b.id, "BANK-1", "UNMATCHED", "no match")
    assert store.run_counts([run.id]) == {run.id: {"ok": 1, "failed": 1, "exceptions": 1}}


def test_steps_from_threads_get_distinct_seqs(store: Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    run = store.start_run("bot", {}, "h", 1)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: store.add_step(run.id, action=f"a{n}"), range(20)))
    assert sorted(s.seq for s in store.list_steps(run.id)) == list(range(1, 21))


def test_step_of_unknown_run_is_refused(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.add_step(999, action="click")
