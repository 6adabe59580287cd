"""Working exception cases: claim, assign, release, comment, resolve; the case history."""

from __future__ import annotations

from orchestrator.store.base import StoreBase

__all__ = ["CaseWorkMixin"]


class CaseWorkMixin(StoreBase):
    pass
