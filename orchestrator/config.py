"""Settings read from the environment.

``FINBOTS_HOME``           the installation root (default: the repository root)
``FINBOTS_DB_URL``         the store's database URL (default: SQLite ``<home>/data/finbots.db``;
                           one left in ``<home>/runs`` by an older finbots is moved there)
``FINBOTS_CASE_SLA_HOURS`` hours a new exception case may stay open (default 48)
``FINBOTS_APPROVAL_THRESHOLD`` write-offs, refunds and manual postings above this amount
                           need a second person's approval (default 100.00)

Settings are read when :func:`get_settings` is called, never at import time, so a test or a
child process can set the environment first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bots.runtime.errors import ConfigError
from bots.runtime.paths import finbots_home
from orchestrator.store.sqlite_files import move_old_store

__all__ = ["DB_NAME", "Settings", "get_settings"]

DB_NAME = "finbots.db"

@dataclass(frozen=True, slots=True)
class Settings:
    home: Path
    runs_dir: Path
    db_url: str
    case_sla_hours: float
    approval_threshold: Decimal = Decimal("100.00")
    data_dir: Path | None = None  # the default store's folder (never a served one)

    @property
    def default_db(self) -> Path:
        """The default SQLite store's file (whether or not ``db_url`` uses it)."""
        return (self.data_dir or self.home / "data") / DB_NAME


def get_settings() -> Settings:
    """The settings in force now, from the environment."""
    home = finbots_home()
    runs_dir, data_dir = home / "runs", home / "data"
    db_url = os.environ.get("FINBOTS_DB_URL")
    if not db_url:
        move_old_store(runs_dir / DB_NAME, data_dir / DB_NAME)
        db_url = f"sqlite:///{data_dir / DB_NAME}"
    raw_sla = os.environ.get("FINBOTS_CASE_SLA_HOURS", "48")
    try:
        sla = float(raw_sla)
    except ValueError:
        msg = f"FINBOTS_CASE_SLA_HOURS must be a number of hours, got {raw_sla!r}"
        raise ConfigError(msg) from None
    return Settings(home=home, runs_dir=runs_dir, db_url=db_url, case_sla_hours=sla,
                    approval_threshold=_approval_threshold(), data_dir=data_dir)


def _approval_threshold() -> Decimal:
    raw = os.environ.get("FINBOTS_APPROVAL_THRESHOLD", "100.00")
    try:
        threshold = Decimal(raw.strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        threshold = Decimal("-1")
    if not threshold.is_finite() or threshold < 0:
        msg = f"FINBOTS_APPROVAL_THRESHOLD must be an amount >= 0, got {raw!r}"
        raise ConfigError(msg)
    return threshold
