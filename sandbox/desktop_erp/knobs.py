"""Slowness and fault knobs of the desktop client.

- ``FINBOTS_DESKTOP_ERP_SLOW_MS`` (``LO-HI`` milliseconds, default ``150-400``, ``0`` off):
  time the heavy screens take. Opening the cash receipt screen and saving a receipt
  freeze the window for that long, as a thick client doing its database work on the UI
  thread does (keys typed meanwhile are queued by X and handled afterwards); the open
  items grid loads in the background with ``[Loading...]`` in the window title.
- The faults file (``--faults PATH``, default ``desktop_erp.faults.json`` beside the
  database), JSON, re-read whenever it changes:
  ``{"modal_error_on_post": N}`` makes the N-th distinct bank reference submitted after
  the file was written fail with a modal run-time error dialog, every time it is
  submitted (a record lock that does not go away); nothing is saved for it.
  ``FINBOTS_DESKTOP_ERP_MODAL_ERROR_ON_POST=N`` sets the same knob while no file exists.
  ``{"slow_ms": "LO-HI"}`` overrides the slowness.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

from sandbox.slowness import ms_range

__all__ = ["Knobs", "clear_faults", "faults_path", "write_faults"]

SLOW_ENV = "FINBOTS_DESKTOP_ERP_SLOW_MS"
ERROR_ENV = "FINBOTS_DESKTOP_ERP_MODAL_ERROR_ON_POST"


def faults_path(db_path: Path) -> Path:
    """The default faults file of the client working on ``db_path``."""
    return Path(db_path).parent / "desktop_erp.faults.json"


def write_faults(path: Path, **knobs: Any) -> None:
    """Replace the faults file atomically (the client picks it up at its next posting)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(knobs), encoding="utf-8")
    tmp.replace(path)


def clear_faults(path: Path) -> None:
    path.unlink(missing_ok=True)


class Knobs:
    """The knobs as the client reads them; ``seed`` makes the slowness reproducible."""

    def __init__(self, faults_file: Path, seed: int = 0) -> None:
        self.faults_file = faults_file
        self.rng = random.Random(seed)
        self._stamp: tuple[int, int, int] | None = None
        self._loaded = False
        self._faults: dict[str, Any] = {}
        self._refs: list[str] = []  # distinct bank references submitted since the load

    def _reload(self) -> None:
        try:
            st = self.faults_file.stat()
            stamp: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if self._loaded and stamp == self._stamp:
            return
        self._loaded, self._stamp, self._refs = True, stamp, []
        if stamp is None:
            env = os.environ.get(ERROR_ENV, "")
            self._faults = {"modal_error_on_post": int(env)} if env.isdigit() else {}
            return
        try:
            data = json.loads(self.faults_file.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            data = {}
        self._faults = data if isinstance(data, dict) else {}

    def slow_bounds(self) -> tuple[int, int]:
        self._reload()
        override = self._faults.get("slow_ms")
        if override is not None:
            lo, _, hi = str(override).partition("-")
            return int(lo or 0), int(hi or lo or 0)
        return ms_range(SLOW_ENV, "150-400")

    def pause(self) -> None:
        """Block for the configured time (the caller's window does not repaint meanwhile)."""
        lo, hi = self.slow_bounds()
        if hi > 0:
            time.sleep(self.rng.uniform(lo, hi) / 1000)

    def slow_ms(self) -> int:
        """One draw of the slowness, in milliseconds (for work done in the background)."""
        lo, hi = self.slow_bounds()
        return round(self.rng.uniform(lo, hi)) if hi > 0 else 0

    def modal_error_for(self, bank_reference: str) -> bool:
        """Whether submitting ``bank_reference`` now fails with the run-time error."""
        self._reload()
        nth = self._faults.get("modal_error_on_post")
        if not isinstance(nth, int) or nth <= 0:
            return False
        if bank_reference not in self._refs:
            self._refs.append(bank_reference)
        return self._refs.index(bank_reference) + 1 == nth
