"""Jobs: a run waiting for a robot, claimed, stopped or killed."""

from __future__ import annotations

from orchestrator.store.base import StoreBase

__all__ = ["JobsMixin"]


class JobsMixin(StoreBase):
    pass
