"""Desktop application processes: started from an argv, reused by the runs of a process.

A person leaves the ERP client open between two jobs; so does a robot process: the
client started for one run is reused by the next ones while it is alive (each run brings
it back to a known state first), and stopped when the process exits. Children are told
to end when the process that started them dies, so a killed robot leaves none behind.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["AppProcess", "die_with_parent", "shared_app", "stop_apps"]

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """``preexec_fn``: the child gets SIGTERM when its parent dies (Linux; else no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class AppProcess:
    """One application process; its output goes to ``log`` (or nowhere)."""

    def __init__(self, argv: Sequence[str], log: Path | None = None) -> None:
        self.argv = list(argv)
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def __repr__(self) -> str:
        return f"AppProcess({self.argv[:3]}..., pid={self.pid})"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        if self.running():
            return
        out: int | object = subprocess.DEVNULL
        handle = None
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            handle = self.log.open("ab")
            out = handle
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        finally:
            if handle is not None:
                handle.close()

    def stop(self, timeout_s: float = 5.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout_s)

    def restart(self) -> None:
        self.stop()
        self.start()


_APPS: dict[str, AppProcess] = {}


def shared_app(app: str, argv: Sequence[str], log: Path | None = None) -> AppProcess:
    """The process's instance of ``app`` (a new one when the argv changed)."""
    current = _APPS.get(app)
    if current is not None and current.argv != list(argv):
        current.stop()
        current = None
    if current is None:
        if not _APPS:
            atexit.register(stop_apps)
        current = _APPS[app] = AppProcess(argv, log)
    return current


def stop_apps(*apps: str) -> None:
    """Stop the applications started through :func:`shared_app` (default: all)."""
    for app in apps or tuple(_APPS):
        process = _APPS.pop(app, None)
        if process is not None:
            process.stop()
