"""Finding an audit record by what it holds: did the trail already record this fact?"""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import col, select

from orchestrator.store.base import StoreBase
from orchestrator.store.models import AuditRecord

__all__ = ["AuditLookupMixin"]


class AuditLookupMixin(StoreBase):
    def find_audit(self, action: str, details: Mapping[str, str],
                   actor: str | None = None) -> AuditRecord | None:
        """The oldest record of ``action`` (and ``actor``) whose details hold every
        ``key: value`` of ``details`` (text values), or None.

        E.g. ``find_audit("payment.post", {"confirmation": "RCPT-1"})``: a posting already
        in the trail is not recorded twice by a rerun that finds it in the ERP.
        """
        query = select(AuditRecord).where(AuditRecord.action == action)
        if actor is not None:
            query = query.where(AuditRecord.actor == actor)
        for key, value in details.items():
            query = query.where(col(AuditRecord.details)[key].as_string() == str(value))
        with self._tx() as s:
            return s.exec(query.order_by(col(AuditRecord.id)).limit(1)).first()
