"""Jobs and robots in the store, on SQLite and PostgreSQL: claim order, concurrency per bot
and per credential, stop and kill, heartbeats and unresponsive robots."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from bots.runtime.errors import IllegalTransitionError, NotFoundError
from orchestrator.store import Store, utcnow


def test_create_job_is_pending_with_the_credentials_given(store: Store) -> None:
    job = store.create_job("payment-posting", {"erp_credential": "legacy_erp/other"},
                           requested_by="alice", credentials=["legacy_erp/other"])
    assert job.status == "pending" and job.robot is None and job.requested_by == "alice"
    assert job.credentials == ["legacy_erp/other"]
    assert store.create_job("unknown-bot").credentials == []  # the store knows no bots
    assert store.create_job("x", credentials=["b", "a", "b"]).credentials == ["a", "b"]


def test_claim_oldest_first_and_never_twice(store: Store) -> None:
    first, second = store.create_job("a", credentials=[]), store.create_job("a", credentials=[])
    got = store.claim_job("r1", host="h1")
    assert got is not None and got.id == first.id
    assert (got.status, got.robot, got.host) == ("running", "r1", "h1")
    again = store.claim_job("r2")
    assert again is not None and again.id == second.id
    assert store.claim_job("r3") is None


def test_bot_concurrency_limit(store: Store) -> None:
    store.register_bot("limited", "1")
    limits = store.set_bot_limits("limited", time_limit_seconds=600, max_concurrent_jobs=1)
    assert (limits.time_limit_seconds, limits.max_concurrent_jobs) == (600, 1)
    with pytest.raises(NotFoundError):
        store.set_bot_limits("unregistered", max_concurrent_jobs=1)
    a = store.create_job("limited", credentials=[])
    b = store.create_job("limited", credentials=[])
    other = store.create_job("free", credentials=[])
    claimed = store.claim_job("r1")
    assert claimed is not None and claimed.id == a.id and claimed.time_limit_seconds == 600
    nxt = store.claim_job("r1")
    assert nxt is not None and nxt.id == other.id  # b waits for a's slot, other does not
    assert store.claim_job("r1") is None
    store.finish_run(a.id, "successful")
    last = store.claim_job("r1")
    assert last is not None and last.id == b.id


def test_two_running_jobs_never_share_a_credential(store: Store) -> None:
    a = store.create_job("x", credentials=["erp/one", "bank/one"])
    b = store.create_job("y", credentials=["erp/one"])
    c = store.create_job("z", credentials=["erp/two"])
    assert [store.claim_job("r").id for _ in range(2)] == [a.id, c.id]  # type: ignore[union-attr]
    assert store.claim_job("r") is None
    store.request_stop(a.id, "alice")  # stopping still holds the credential
    assert store.claim_job("r") is None
    store.finish_run(a.id, "stopped")
    assert store.claim_job("r").id == b.id  # type: ignore[union-attr]


def test_stop_and_kill(store: Store) -> None:
    pending, running = store.create_job("x", credentials=[]), store.create_job("x", credentials=[])
    store.claim_job("r")  # takes ``pending`` (the older one)
    pending, running = running, pending
    assert store.request_stop(pending.id, "alice").status == "stopped"
    assert not store.job_stop_requested(running.id)
    stopping = store.request_stop(running.id, "alice")
    assert stopping.status == "stopping" and stopping.stop_requested_at is not None
    assert store.request_stop(running.id, "bob").status == "stopping"  # idempotent
    assert store.job_stop_requested(running.id)
    killed = store.request_kill(running.id, "bob")
    assert killed.status == "stopping" and killed.kill_requested_at is not None
    ended = store.end_job(running.id, "killed")
    assert ended is not None and ended.error == "killed at the request of bob"
    assert store.end_job(running.id, "failed") is None  # already ended
    for fn in (store.request_stop, store.request_kill):
        with pytest.raises(IllegalTransitionError):
            fn(running.id, "carol")
    assert store.request_kill(store.create_job("x").id, "dan").status == "killed"
    with pytest.raises(NotFoundError):
        store.request_stop(9999, "eve")


def test_illegal_job_transitions_are_refused(store: Store) -> None:
    job = store.create_job("x", credentials=[])
    with pytest.raises(IllegalTransitionError):
        store.finish_run(job.id, "successful")  # pending cannot succeed without running
    store.request_kill(job.id, "alice")
    with pytest.raises(IllegalTransitionError):
        store.set_run_status(job.id, "running")


def test_end_job_puts_the_jobs_items_back(store: Store) -> None:
    store.ensure_queue("q")
    store.add_item("q", "R1")
    job = store.create_job("x", credentials=[])
    store.claim_job("r")
    item = store.claim_item("q", "child", run_id=job.id)
    assert item is not None
    store.end_job(job.id, "failed", "the bot's process ended with exit code -9")
    items = store.list_items("q")
    assert [(i.state, i.parent_id) for i in items] == [("retried", None), ("new", item.id)]


def test_list_and_active_jobs(store: Store) -> None:
    a, b, c = (store.create_job(bot, credentials=[]) for bot in ("a", "b", "a"))
    store.claim_job("r1")
    store.finish_run(a.id, "successful")
    assert [j.id for j in store.list_jobs()] == [c.id, b.id, a.id]
    assert [j.id for j in store.list_jobs(status="pending", bot="a")] == [c.id]
    assert [j.id for j in store.list_jobs(robot="r1")] == [a.id]
    assert [j.id for j in store.active_jobs()] == [b.id, c.id]
    assert [j.id for j in store.active_jobs(bot="a")] == [c.id]
    assert set(store.get_jobs([a.id, c.id, 999])) == {a.id, c.id}


def test_robots_register_heartbeat_and_go_silent(store: Store) -> None:
    store.ensure_queue("q")
    store.add_item("q", "R1")
    store.register_robot("r1", "host-a", 100, slots=2)
    store.register_robot("r2", "host-b", 200)
    job = store.create_job("x", credentials=[])
    store.claim_job("r1")
    store.claim_item("q", "child", run_id=job.id)
    beat = store.heartbeat("r1", [job.id])
    assert (beat.status, beat.current_run_ids) == ("busy", [job.id])
    assert [r.name for r in store.list_robots()] == ["r1", "r2"]
    assert store.mark_unresponsive(30) == []

    assert store.mark_unresponsive(30, now=utcnow() + dt.timedelta(seconds=29)) == []
    time.sleep(0.3)
    store.heartbeat("r2")
    assert store.mark_unresponsive(0.25) == ["r1"]
    assert store.get_robot("r1").status == "unresponsive"
    gone = store.get_run(job.id)
    assert gone.status == "abandoned" and "r1 stopped answering" in (gone.error or "")
    assert [i.state for i in store.list_items("q")] == ["retried", "new"]
    assert store.job_stop_requested(job.id)  # a child still running it should stop
    assert store.heartbeat("r1", []).status == "idle"  # it was only slow: back
    assert store.robot_stopped("r2").status == "stopped"
    with pytest.raises(NotFoundError):
        store.heartbeat("nobody")


def test_a_restarted_robot_abandons_what_it_left_running(store: Store) -> None:
    store.register_robot("r1", "h", 1)
    job = store.create_job("x", credentials=[])
    store.claim_job("r1")
    store.register_robot("r1", "h", 2)
    assert store.get_run(job.id).status == "abandoned"


def test_a_claim_records_the_process_the_robot_has_ready(store: Store) -> None:
    job = store.create_job("statement-intake", credentials=[])
    claimed = store.claim_job("r1", host="h1", pid=4242)
    assert claimed is not None and (claimed.id, claimed.host, claimed.pid) == (job.id, "h1", 4242)
    assert (store.get_run(job.id).host, store.get_run(job.id).pid) == ("h1", 4242)


def test_a_job_process_start_registers_its_bot_and_where_it_runs(store: Store) -> None:
    job = store.create_job("statement-intake", credentials=[])
    store.claim_job("r1", host="h1")
    run = store.start_job_process(job.id, "h1", 4242, bot="statement-intake", version="2.1",
                                  description="reads statements", apps=["bank_portal"])
    assert (run.host, run.pid, run.bot_version, run.status) == ("h1", 4242, "2.1", "running")
    bot = {b.name: b for b in store.list_bots()}["statement-intake"]
    assert (bot.version, bot.description, bot.apps) == ("2.1", "reads statements",
                                                        ["bank_portal"])
    store.set_bot_limits("statement-intake", max_concurrent_jobs=2)
    again = store.create_job("statement-intake", credentials=[])
    store.claim_job("r1", host="h1")
    store.start_job_process(again.id, "h1", 4343, bot="statement-intake", version="2.2")
    bot = {b.name: b for b in store.list_bots()}["statement-intake"]
    assert (bot.version, bot.max_concurrent_jobs) == ("2.2", 2)  # the limit people set stays
    with pytest.raises(NotFoundError):
        store.start_job_process(999_999, "h1", 1, bot="statement-intake", version="2.2")


def test_a_claim_told_a_job_waits_still_finds_none_when_none_does(store: Store) -> None:
    assert store.claim_job("r1", likely_pending=True) is None
    job = store.create_job("told", credentials=[])
    got = store.claim_job("r1", likely_pending=True)
    assert got is not None and got.id == job.id
    assert store.claim_job("r2", likely_pending=True) is None  # never twice
