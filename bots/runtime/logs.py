"""Per-run log file ``runs/<run-id>/bot.log``, with secrets redacted."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from loguru import logger

from bots.runtime.redact import Redactor

__all__ = ["RunLog", "prepare"]

_ACTIVE: list[Redactor] = []  # redactors of the runs open in this process
_installed = False


def _patch_all(record: Any) -> None:
    for redactor in list(_ACTIVE):
        redactor.patch(record)


def _install_global_patcher() -> None:
    """Every record of the process, whichever sink, passes the open runs' redactors."""
    global _installed
    if not _installed:
        logger.configure(patcher=_patch_all)
        _installed = True


FORMAT = "{time:YYYY-MM-DDTHH:mm:ss.SSSZ} | {level: <8} | {name}:{line} | {message}"


class _RunFiles:
    """The process's one loguru sink for run logs: each record goes to the open runs' files.

    One sink for every run, added once: ``logger.add`` costs milliseconds (loguru looks up
    the interpreter's library folders each time), which a job's start should not pay.
    loguru calls :meth:`stop` when someone removes the sink (``logger.remove()``); the next
    run adds it again.
    """

    def __init__(self) -> None:
        self.runs: list[RunLog] = []
        self.handler: int | None = None
        self._lock = threading.Lock()

    def install(self) -> None:
        with self._lock:
            if self.handler is None:
                self.handler = logger.add(self, level=0, format=FORMAT, backtrace=False,
                                          diagnose=False, colorize=False, catch=True)

    def write(self, message: Any) -> None:
        for run in list(self.runs):
            run.take(message)

    def stop(self) -> None:
        self.handler = None


_FILES = _RunFiles()


def prepare() -> None:
    """Set up run logging ahead of the first run of this process (a job's process waiting
    for its job does, so that the bot's first line does not wait for it)."""
    _install_global_patcher()
    _FILES.install()


class RunLog:
    """Writes one run's records to its file; every line passes the run's redactor.

    While a run is open, a process-wide loguru patcher also redacts its secrets from
    every record, so other sinks (stderr) never see them either. Records bound to another
    run (``extra["run_id"]``) are left out of this file, so runs sharing a process do not
    mix. ``logger`` is the bound, redacting logger bots should use.
    """

    def __init__(self, run_id: Any, run_dir: Path, redactor: Redactor, level: str = "DEBUG"):
        self.run_id = run_id
        self.path = Path(run_dir) / "bot.log"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.redactor = redactor
        self._level = logger.level(level).no
        self._lock = threading.Lock()
        self._fh = self.path.open("a", encoding="utf-8")
        prepare()
        _ACTIVE.append(redactor)
        _FILES.runs.append(self)
        self.logger = logger.bind(run_id=run_id).patch(redactor.patch)

    def _mine(self, record: Any) -> bool:
        owner = record["extra"].get("run_id")
        return record["level"].no >= self._level and (owner is None or owner == self.run_id)

    def take(self, message: Any) -> None:
        """Write a formatted record when it belongs to this run."""
        if self._mine(message.record):
            self._write(message)

    def _write(self, message: Any) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.write(self.redactor.redact(str(message)))
                self._fh.flush()

    def close(self) -> None:
        if self in _FILES.runs:
            _FILES.runs.remove(self)
            if self.redactor in _ACTIVE:
                _ACTIVE.remove(self.redactor)
        with self._lock:
            self._fh.close()
