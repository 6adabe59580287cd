"""Per-run log file ``runs/<run-id>/bot.log``, with secrets redacted."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from loguru import logger

from bots.runtime.redact import Redactor

__all__ = ["RunLog"]

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


class RunLog:
    """Adds a loguru file sink for one run; every line passes the run's redactor.

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
        self._lock = threading.Lock()
        self._fh = self.path.open("a", encoding="utf-8")
        _install_global_patcher()
        _ACTIVE.append(redactor)
        self._handler: int | None = logger.add(
            self._write, level=level, format=FORMAT, filter=self._mine,
            backtrace=False, diagnose=False, colorize=False, catch=True,
        )
        self.logger = logger.bind(run_id=run_id).patch(redactor.patch)

    def _mine(self, record: Any) -> bool:
        owner = record["extra"].get("run_id")
        return owner is None or owner == self.run_id

    def _write(self, message: Any) -> None:
        with self._lock:
            if not self._fh.closed:
                self._fh.write(self.redactor.redact(str(message)))
                self._fh.flush()

    def close(self) -> None:
        if self._handler is not None:
            logger.remove(self._handler)
            self._handler = None
            if self.redactor in _ACTIVE:
                _ACTIVE.remove(self.redactor)
        with self._lock:
            self._fh.close()
