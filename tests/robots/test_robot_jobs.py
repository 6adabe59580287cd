"""One real robot process runs jobs in child processes: success, cooperative stop, kill, time
limit, a crashing bot; the robot survives all of them and shuts down cleanly."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from robothelp import robot_env, start_robot, stop_process, wait_for

from orchestrator.store import RunRecord, Store, pid_alive

FINAL = {"successful", "failed", "stopped", "killed", "abandoned"}


class Robot:
    def __init__(self, store: Store, proc: subprocess.Popen[bytes]) -> None:
        self.store, self.proc = store, proc

    def job(self, bot: str, **kwargs: object) -> int:
        job = self.store.create_job(f"robot_testbots:{bot}", **kwargs)  # type: ignore[arg-type]
        assert job.id is not None
        return job.id

    def running(self, run_id: int) -> RunRecord:
        return wait_for(lambda: (j := self.store.get_run(run_id)).status == "running"
                        and j.pid and j, 30, f"job {run_id} to run")

    def ended(self, run_id: int, timeout: float = 30) -> RunRecord:
        return wait_for(lambda: (j := self.store.get_run(run_id)).status in FINAL and j,
                        timeout, f"job {run_id} to end")


@pytest.fixture(scope="module")
def robot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Robot]:
    home = tmp_path_factory.mktemp("robot-home")
    url = f"sqlite:///{home / 'finbots.db'}"
    store = Store(url)
    proc = start_robot(robot_env(url, home), "solo", "--slots", "4")
    try:
        wait_for(lambda: [r for r in store.list_robots() if r.name == "solo"], 120, "the robot")
    except BaseException:  # a setup that fails stops its robot too (none is left behind)
        stop_process(proc)
        raise
    yield Robot(store, proc)
    assert stop_process(proc) == 0, (home / "robot-solo.log").read_text()
    assert store.get_robot("solo").status == "stopped"
    store.close()


def test_a_job_runs_in_a_child_process_and_succeeds(robot: Robot) -> None:
    run_id = robot.job("QUICK", args={"name": "robots"})
    job = robot.ended(run_id)
    assert job.status == "successful", job.error
    assert job.summary["hello"] == "robots"
    assert job.robot == "solo" and job.pid not in (None, robot.proc.pid)
    # the process the claim recorded is the one that ran the bot; the bot's record and
    # its version on the job were written beside the bot's start, before the job ended
    assert job.pid == job.summary["pid"] and job.bot_version == "1"
    assert "robot_testbots:QUICK" in {b.name for b in robot.store.list_bots()}


def test_cooperative_stop_ends_stopped(robot: Robot) -> None:
    run_id = robot.job("SLEEPER")
    robot.running(run_id)
    assert robot.store.request_stop(run_id, "alice").status == "stopping"
    job = robot.ended(run_id)
    assert job.status == "stopped" and job.error is None
    assert "loops" in job.summary  # the bot returned by itself


def test_kill_terminates_the_child(robot: Robot) -> None:
    run_id = robot.job("STUBBORN")  # ignores SIGTERM: only the SIGKILL after the grace ends it
    pid = robot.running(run_id).pid
    robot.store.request_kill(run_id, "bob")
    job = robot.ended(run_id)
    assert job.status == "killed" and job.error == "killed at the request of bob"
    assert pid is not None and not pid_alive(pid)


def test_time_limit_kills_the_job(robot: Robot) -> None:
    run_id = robot.job("SLEEPER", time_limit_seconds=1)
    job = robot.ended(run_id)
    assert job.status == "killed" and job.error == "time limit 1 s exceeded"
    assert job.finished_at is not None
    assert 1 <= (job.finished_at - job.started_at).total_seconds() < 10


def test_the_robot_survives_a_crashing_bot(robot: Robot) -> None:
    crash = robot.job("CRASHER", args={"code": 7})
    job = robot.ended(crash)
    assert job.status == "failed" and "exit code 7" in (job.error or "")
    after = robot.ended(robot.job("QUICK"))
    assert after.status == "successful" and robot.proc.poll() is None


def test_a_bot_that_cannot_be_loaded_fails_its_job(robot: Robot) -> None:
    job = robot.ended(robot.job("MISSING"))
    assert job.status == "failed" and "cannot load bot 'robot_testbots:MISSING'" in job.error


def test_a_second_robot_cannot_take_a_live_robots_name(robot: Robot, tmp_path: Path) -> None:
    url = str(robot.store.engine.url)
    proc = start_robot(robot_env(url, tmp_path), "solo")
    assert proc.wait(60) == 2
    assert "robot 'solo' is running on" in (tmp_path / "robot-solo.log").read_text()
    assert robot.store.get_robot("solo").pid == robot.proc.pid


def test_shutdown_asks_running_jobs_to_stop(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'finbots.db'}"
    store = Store(url)
    proc = start_robot(robot_env(url, tmp_path), "short-lived")
    run_id = store.create_job("robot_testbots:SLEEPER").id
    wait_for(lambda: store.get_run(run_id).status == "running", 90, "the job to run")
    assert stop_process(proc) == 0
    job = store.get_run(run_id)
    assert job.status == "stopped" and job.stop_requested_at is not None
    assert store.get_robot("short-lived").status == "stopped"
