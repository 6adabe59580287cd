"""Read-only figures for the dashboard: runs by status, success rates, case ageing."""

from __future__ import annotations

from orchestrator.store.base import StoreBase

__all__ = ["StatsMixin"]


class StatsMixin(StoreBase):
    pass
