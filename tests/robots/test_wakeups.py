"""A robot is woken the moment a job is created (PostgreSQL LISTEN/NOTIFY, SQLite's wake-up
file): with a poll of a minute, jobs still start at once, each in a spare process."""

from __future__ import annotations

import time
from pathlib import Path

from robothelp import robot_env, start_robot, stop_process, wait_for

from orchestrator.store import Store


def test_jobs_start_at_once_though_the_robot_polls_every_minute(
        store: Store, db_url: str, tmp_path: Path) -> None:
    robot = start_robot(robot_env(db_url, tmp_path), "listener", "--poll", "60")
    try:
        wait_for(lambda: store.list_robots(), 150, "the robot to register")
        time.sleep(1.0)  # its first poll is behind it: only a wake-up can start a job now
        took, pids = [], set()
        for n in range(3):
            created = time.monotonic()
            run_id = store.create_job("robot_testbots:QUICK", {"name": f"job {n}"}).id
            job = wait_for(lambda: (j := store.get_run(run_id)).status == "successful" and j,
                           50, f"job {n} to run")
            took.append(time.monotonic() - created)
            pids.add(job.pid)
    finally:
        # a clean exit; the robot may first wait for a spare process still starting, which
        # on a loaded machine takes longer than the helper's default 20 s
        assert stop_process(robot, timeout=60) == 0
    assert max(took) < 30, took  # far sooner than the robot's next poll
    assert len(pids) == 3  # every job had a process of its own
