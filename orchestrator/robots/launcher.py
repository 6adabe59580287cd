"""Starting, signalling and reaping the child process of one job.

Children come from a ``multiprocessing`` fork server that imported the runner and the bots
runtime once, when the robot started: a job's process is running its bot some tens of
milliseconds after the claim instead of seconds. Better still, a robot keeps one
:class:`SpareChild` ready: started before any job, it has opened its store connection and
waits on a pipe for a job id, so a claimed job's bot starts without a process start at all.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Mapping
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

from orchestrator.robots.procs import signal_group

__all__ = ["ChildProcess", "SpareChild", "warm_up"]

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
    def sentinel(self) -> int:
        """Becomes ready when the process ends (``multiprocessing.connection.wait``)."""
        return self._process.sentinel

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


class SpareChild:
    """A job process started ahead: it connects to the store, then waits for a job id."""

    def __init__(self, process: BaseProcess, pipe: Connection) -> None:
        self._process, self._pipe = process, pipe

    @classmethod
    def start(cls) -> SpareChild:
        from orchestrator.robots.child import spare_main

        reader, writer = _context().Pipe(duplex=False)
        process = _context().Process(target=spare_main, args=(reader, os.getpid()),
                                     name="finbots-job-spare", daemon=True)
        process.start()
        reader.close()
        return cls(process, writer)

    @property
    def pid(self) -> int | None:
        """Its process id while it is alive and waiting, else None."""
        return self._process.pid if self._process.exitcode is None else None

    def hand(self, run_id: int, bot: str,
             claimed: Mapping[str, Any] | None = None) -> ChildProcess | None:
        """Give the spare job ``run_id`` of ``bot``; None when it is gone (the caller starts
        one). ``claimed``: the job's arguments, when the claim recorded this process as the
        job's (:attr:`pid`): the job's process then records itself beside its bot's start,
        not before."""
        if self._process.exitcode is not None:
            self.discard()
            return None
        try:
            self._pipe.send((run_id, bot, None if claimed is None else dict(claimed)))
        except OSError:
            self.discard()
            return None
        self._pipe.close()
        return ChildProcess(run_id, self._process)

    def discard(self) -> None:
        """Kill it (the robot stops, or it died)."""
        with contextlib.suppress(OSError):
            self._pipe.close()
        if self._process.pid is not None:
            signal_group(self._process.pid, signal.SIGKILL)
        self._process.join(5)
        with contextlib.suppress(ValueError):
            self._process.close()
