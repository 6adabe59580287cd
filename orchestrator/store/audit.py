"""The audit trail: every action a person takes on the store's records, newest first."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from typing import Any

from sqlmodel import col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.models import AuditRecord
from orchestrator.store.types import to_jsonable

__all__ = ["AuditMixin", "current_actor"]


def current_actor() -> str:
    """Who is acting: ``FINBOTS_ACTOR`` if set, else the operating-system user."""
    actor = os.environ.get("FINBOTS_ACTOR", "").strip()
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


class AuditMixin(StoreBase):
    def record_audit(
        self,
        actor: str,
        action: str,
        target: str,
        details: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """Append one audit record (``action`` such as ``item.retry``, ``target`` a key)."""
        record = AuditRecord(
            actor=actor, action=action, target=target, details=to_jsonable(dict(details or {}))
        )
        with self._tx(write=True) as s:
            s.add(record)
            s.flush()
            return record

    def list_audit(self, limit: int = 100, action: str | None = None) -> list[AuditRecord]:
        """Newest first; ``action`` keeps only that action."""
        query = select(AuditRecord).order_by(col(AuditRecord.at).desc(), col(AuditRecord.id).desc())
        if action is not None:
            query = query.where(AuditRecord.action == action)
        with self._tx() as s:
            return list(s.exec(query.limit(limit)))
