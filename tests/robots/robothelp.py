"""Robot processes for the tests: their environment, starting, waiting, stopping."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def robot_env(db_url: str, home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a robot process: this store, this home, the test bots importable."""
    env = dict(base or os.environ)
    env.update(FINBOTS_DB_URL=db_url, FINBOTS_HOME=str(home),
               PYTHONPATH=os.pathsep.join(p for p in (str(HERE), env.get("PYTHONPATH")) if p))
    return env


def start_robot(env: dict[str, str], name: str, *options: str,
                log: Path | None = None) -> subprocess.Popen[bytes]:
    """``finbots robots start`` in a process of its own (fast polls and heartbeats)."""
    out = (log or Path(env["FINBOTS_HOME"]) / f"robot-{name}.log").open("ab")
    cmd = [sys.executable, "-m", "orchestrator.cli", "robots", "start", "--name", name,
           "--poll", "0.1", "--heartbeat", "0.5", "--kill-grace", "2", "--stop-grace", "5",
           *options]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=out)


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns something truthy; fail with ``what`` after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return result


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 20) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
