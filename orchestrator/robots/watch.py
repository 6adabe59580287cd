"""What a robot does about one running child: the rules in one function, easy to test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from orchestrator.robots.launcher import ChildProcess
from orchestrator.store import RunRecord
from orchestrator.store.job_control import ACTIVE

__all__ = ["Running", "verdict"]


@dataclass
class Running:
    """A job this robot runs, and how far its killing has gone."""

    run_id: int
    child: ChildProcess
    time_limit: int | None = None
    kill_reason: str | None = None  # set once a kill began: the job's error ("" = keep it)
    kill_deadline: float | None = None  # monotonic time of the SIGKILL

    def kill(self, reason: str, now: float, grace: float) -> None:
        """SIGTERM now, SIGKILL after ``grace`` seconds (at once when ``grace`` is 0)."""
        if self.kill_reason is None:
            self.kill_reason = reason
            self.kill_deadline = now + grace
            self.child.terminate()
        if grace <= 0 or (self.kill_deadline is not None and now >= self.kill_deadline):
            self.child.kill()


def verdict(job: RunRecord | None, running: Running, now: dt.datetime) -> str | None:
    """Why the child must be killed (the job's error to record), or ``None`` to let it run.

    ``""``: the job already ended elsewhere (abandoned while this robot was thought dead):
    nothing to record.
    """
    if job is None or job.status not in ACTIVE:
        return ""
    if job.kill_requested_at is not None:
        return job.error or "killed on request"
    limit = job.time_limit_seconds or running.time_limit
    if limit and (now - job.started_at).total_seconds() > limit:
        return f"time limit {limit} s exceeded"
    return None
