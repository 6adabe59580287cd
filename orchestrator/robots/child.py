"""The process a robot runs one job in, so that a crash or a kill cannot take the robot down.

The robot starts it from a fork server that has these modules imported already (starting a
fresh interpreter and importing the bots runtime takes seconds); by hand:
``python -m orchestrator.robots.child RUN_ID``. The child leads its own process group (the
robot kills the browser with it), dies with the robot, and on SIGTERM unwinds the bot
(closing its browser, flushing its steps) without ending the job: the robot that sent the
signal ends it ``killed``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from multiprocessing.connection import Connection
from types import FrameType

from orchestrator.config import get_settings
from orchestrator.robots.procs import exit_with_parent
from orchestrator.runner import prepare_job_process, run_job
from orchestrator.store import Store

__all__ = ["JobTerminated", "child_main", "run_child", "spare_main"]


class JobTerminated(BaseException):
    """Raised in the bot on SIGTERM; a BaseException so that bot code catching
    ``Exception`` cannot swallow it."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise JobTerminated(signum)


def run_child(run_id: int, robot_pid: int | None = None) -> int:
    """Run job ``run_id``; 0 if it succeeded (or stopped when asked), else 1."""
    with contextlib.suppress(OSError):  # already a group leader when started by hand
        os.setsid()
    if robot_pid is not None:
        exit_with_parent(signal.SIGKILL, robot_pid, group=True)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the robot's business
    outcome = run_job(run_id)
    return 0 if outcome.status in ("successful", "stopped") else 1


def child_main(run_id: int, robot_pid: int) -> None:
    """Target of the robot's child process."""
    sys.exit(run_child(run_id, robot_pid))


def spare_main(pipe: Connection, robot_pid: int) -> None:
    """Target of a robot's spare process: connect to the store, get ready to run a job
    (:func:`~orchestrator.runner.prepare_job_process`), wait for a job id and its bot, run it
    (with the job's arguments when the claim recorded this process as the job's).

    Until the id arrives SIGTERM ends it at once (nothing to unwind); the robot closing the
    pipe without an id ends it too.
    """
    with contextlib.suppress(OSError):
        os.setsid()
    exit_with_parent(signal.SIGKILL, robot_pid, group=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    settings = get_settings()
    store = Store(settings.db_url, case_sla_hours=settings.case_sla_hours, create=False)
    store.job_stop_requested(0)  # connected, and the statement compiled, before any job
    prepare_job_process()
    try:
        run_id, bot, claimed = pipe.recv()
    except (EOFError, OSError):
        sys.exit(0)
    finally:
        pipe.close()
    signal.signal(signal.SIGTERM, _terminate)
    outcome = run_job(int(run_id), store=store, bot=str(bot), claimed=claimed)
    sys.exit(0 if outcome.status in ("successful", "stopped") else 1)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: python -m orchestrator.robots.child RUN_ID")
    sys.exit(run_child(int(sys.argv[1])))
