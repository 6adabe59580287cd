"""Users, browser sessions and API tokens."""

from __future__ import annotations

from orchestrator.store.base import StoreBase

__all__ = ["UsersMixin"]


class UsersMixin(StoreBase):
    pass
