"""The vault's access log: who read or changed which credential when (never values)."""

from __future__ import annotations

from orchestrator.store.base import StoreBase

__all__ = ["CredentialLogMixin"]


class CredentialLogMixin(StoreBase):
    pass
