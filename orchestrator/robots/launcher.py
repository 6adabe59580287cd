"""Starting, signalling and reaping the child process of one job.

Children come from a ``multiprocessing`` fork server that imported the runner and the bots
runtime once, when the robot started: a job's process is running its bot some tens of
milliseconds after the claim instead of seconds.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess

from orchestrator.robots.procs import signal_group

__all__ = ["ChildProcess", "warm_up"]

_PRELOAD = [  # what every job needs, the bots the registry finds; psycopg for PostgreSQL
    "orchestrator.robots.child", "orchestrator.robots.preload_bots", "psycopg",
    "sqlalchemy.dialects.postgresql.psycopg",
]


def _context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    assert isinstance(ctx, ForkServerContext)
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def _ready() -> None:
    """A child that does nothing: proves the fork server is up."""


def warm_up() -> None:
    """Start the fork server and wait until it has imported the bots (once per robot)."""
    process = _context().Process(target=_ready, name="finbots-warm-up", daemon=True)
    process.start()
    process.join()
    process.close()


class ChildProcess:
    """One job's process: started, asked to end (SIGTERM), killed with its group (SIGKILL)."""

    def __init__(self, run_id: int, process: BaseProcess) -> None:
        self.run_id, self._process = run_id, process

    @classmethod
    def start(cls, run_id: int) -> ChildProcess:
        from orchestrator.robots.child import child_main

        process = _context().Process(target=child_main, args=(run_id, os.getpid()),
                                     name=f"finbots-job-{run_id}", daemon=True)
        process.start()
        return cls(run_id, process)

    @property
    def pid(self) -> int:
        assert self._process.pid is not None
        return self._process.pid

    @property
    def exitcode(self) -> int | None:
        """``None`` while it runs; negative: the signal that ended it."""
        return self._process.exitcode

    def terminate(self) -> None:
        """SIGTERM the bot's process only: it unwinds and closes its browser itself."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL the process and everything in its group (browser, driver)."""
        signal_group(self.pid, signal.SIGKILL)

    def clean_up(self) -> None:
        """After it ended: kill what it left behind in its group, free the handle."""
        self.kill()
        self._process.join(0)
        self._process.close()
