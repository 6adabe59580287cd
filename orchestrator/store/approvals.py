"""Maker-checker approvals: requested by one person, decided by another approver."""

from __future__ import annotations

from orchestrator.store.base import StoreBase

__all__ = ["ApprovalsMixin"]


class ApprovalsMixin(StoreBase):
    pass
