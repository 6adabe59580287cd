"""A robot SIGKILLed in the middle of an item: its job's process dies with it, another robot
sees it stop answering, the item goes back to the queue and the other robot finishes the
work. The real payment-posting bot against the sandbox: every payment is posted once."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest
from robothelp import robot_env, start_robot, stop_process, wait_for

from bots.payment_posting.intake import QUEUE
from orchestrator.store import pid_alive
from sandbox.scenario import STATEMENT_DATE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
FINAL = {"successful", "failed", "stopped", "killed", "abandoned"}


def test_sigkill_of_a_robot_mid_item_another_robot_finishes(home: Any, sandbox: Any) -> None:
    env = robot_env(home.env["FINBOTS_DB_URL"], home.path, base=home.env)
    robots = {name: start_robot(env, name, "--unresponsive-after", "3") for name in "ab"}
    store = home.store()
    try:
        wait_for(lambda: len(store.list_robots()) == 2, 120, "both robots to register")
        first = store.create_job("payment-posting", {"date": STATEMENT_DATE.isoformat()},
                                 requested_by="test").id
        job = wait_for(lambda: (j := store.get_run(first)).status == "running" and j.pid and j,
                       60, "a robot to take the job")
        victim, survivor = job.robot, ({"a", "b"} - {job.robot}).pop()

        def mid_item() -> bool:  # the third posting is done, its portal update is not
            return len(sandbox.postings()) >= 3 and bool(
                store.list_items(QUEUE, state="in_progress", run_id=first))

        wait_for(mid_item, 180, "the third posting")
        os.kill(robots[victim].pid, signal.SIGKILL)
        robots[victim].wait(10)
        wait_for(lambda: not pid_alive(job.pid), 10, "the job's process to die with its robot")
        posted = len(sandbox.postings())
        assert 3 <= posted < 11
        # the survivor posts what is left (the statement was taken in by the first job)
        second = store.create_job("payment-posting", {"phase": "post"}, requested_by="test").id
        done = wait_for(lambda: (j := store.get_run(second)).status in FINAL and j, 240,
                        "the second job to end")
    finally:
        for proc in robots.values():
            stop_process(proc)

    assert done.status == "successful", done.error
    assert done.robot == survivor
    gone = store.get_run(first)
    # whichever notices first: the survivor (its robot stopped answering) or the next job
    # started on this host (the job's process is gone)
    assert gone.status == "abandoned"
    assert any(why in (gone.error or "") for why in ("stopped answering", "is gone")), gone.error
    assert store.get_robot(victim).status == "unresponsive"
    lost = [i for i in store.list_items(QUEUE, run_id=first) if i.failure_code == "ABANDONED"]
    assert len(lost) == 1, "the item in flight was abandoned"
    clone = [i for i in store.list_items(QUEUE) if i.parent_id == lost[0].id]
    assert [(c.state, c.run_id) for c in clone] == [("successful", second)]
    assert clone[0].output and clone[0].output["already_posted"] is True

    assert sandbox.check() == []  # every expected posting exactly once, portal up to date
    references = [p["bank_reference"] for p in sandbox.postings()]
    assert len(references) == len(set(references))
