"""``finbots serve``: web app, scheduler and robots in one process tree; Ctrl-C stops all."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from robothelp import REPO, robot_env, wait_for

from orchestrator.store import Store, pid_alive


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_runs_everything_and_stops_cleanly(tmp_path: Path) -> None:
    url, port = f"sqlite:///{tmp_path / 'finbots.db'}", _free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "serve", "--robots", "2", "--port",
         str(port), "--poll", "0.2", "--stop-grace", "5"],
        cwd=REPO, env=robot_env(url, tmp_path), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/login"), 60, "the web app")
        store = Store(url, create=False)
        wait_for(lambda: len(store.list_robots()) == 2, 120, "both robots")
        run_id = store.create_job("robot_testbots:QUICK").id
        job = wait_for(lambda: (j := store.get_run(run_id)).status != "pending"
                       and j.status != "running" and j, 60, "the job to end")
        assert job.status == "successful", job.error
        robot_pids = [r.pid for r in store.list_robots()]
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(40) == 0, (tmp_path / "serve.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert {r.status for r in store.list_robots()} == {"stopped"}
    assert not any(pid and pid_alive(pid) for pid in robot_pids)
    assert not _answers(f"http://127.0.0.1:{port}/login")
