"""The audit trail: who did what, when — append-only and hash-chained.

Every record is chained to the one before (see :mod:`.audit_chain`). Appending takes the
store's write lock first (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped
advisory lock), so the chain stays linear however many processes write at once.
:meth:`AuditMixin.verify_audit` names every edited, removed or reordered record. Removing
the newest records leaves a valid but shorter chain: compare :meth:`audit_head` with a
copy kept elsewhere (``finbots audit verify --head``) to catch that.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from orchestrator.store.audit_chain import GENESIS, AuditProblem, chain_hash, find_problems
from orchestrator.store.base import StoreBase
from orchestrator.store.models import AuditRecord
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["AuditMixin", "AuditProblem", "append_audit", "current_actor"]

_PG_LOCK_KEY = 0x66696E62_61756474  # "finbaudt": the audit trail's advisory lock


def current_actor() -> str:
    """Who is acting: ``FINBOTS_ACTOR`` if set, else the operating-system user."""
    actor = os.environ.get("FINBOTS_ACTOR", "").strip()
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def append_audit(session: Session, actor: str, action: str, target: str,
                 details: Mapping[str, Any] | None = None) -> AuditRecord:
    """Append one chained record inside ``session`` (a ``_tx(write=True)`` transaction).

    For a store method that must write its change and the audit record atomically.
    """
    bind = session.connection()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.exec(select(AuditRecord).order_by(col(AuditRecord.id).desc())).first()
    if last is not None and last.hash is None:
        prev = _chain_unhashed(session)
    else:
        prev = last.hash if last is not None and last.hash else GENESIS
    record = AuditRecord(at=utcnow(), actor=actor[:100], action=action[:60],
                         target=target[:400], details=to_jsonable(dict(details or {})),
                         prev_hash=prev)
    session.add(record)
    session.flush()  # the id is part of what is hashed
    record.hash = chain_hash(prev, record)
    session.add(record)
    session.flush()
    return record


def _chain_unhashed(session: Session) -> str:
    """Records written before the trail was chained join the chain, in id order, once."""
    prev = GENESIS
    for r in session.exec(select(AuditRecord).order_by(col(AuditRecord.id))):
        if r.hash is None:
            r.prev_hash, r.hash = prev, chain_hash(prev, r)
            session.add(r)
        prev = r.hash or prev
    session.flush()
    return prev


class AuditMixin(StoreBase):
    def record_audit(
        self,
        actor: str,
        action: str,
        target: str,
        details: Mapping[str, Any] | None = None,
    ) -> AuditRecord:
        """Append one audit record (``action`` such as ``item.retry``, ``target`` a key)."""
        with self._tx(write=True) as s:
            return append_audit(s, actor, action, target, details)

    def list_audit(self, limit: int = 100, action: str | None = None,
                   actor: str | None = None, target: str | None = None,
                   offset: int = 0) -> list[AuditRecord]:
        """Newest first; ``action``/``actor``/``target`` keep only exact matches."""
        query = select(AuditRecord).order_by(col(AuditRecord.id).desc())
        for column, value in ((AuditRecord.action, action), (AuditRecord.actor, actor),
                              (AuditRecord.target, target)):
            if value is not None:
                query = query.where(column == value)
        with self._tx() as s:
            return list(s.exec(query.offset(offset).limit(limit)))

    def iter_audit(self, batch: int = 1000) -> Iterator[AuditRecord]:
        """Every record, oldest first, read in batches."""
        after = 0
        while True:
            with self._tx() as s:
                rows = list(s.exec(select(AuditRecord).where(col(AuditRecord.id) > after)
                                   .order_by(col(AuditRecord.id)).limit(batch)))
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1].id or after

    def verify_audit(self) -> list[AuditProblem]:
        """Every edited, removed, reordered or inserted record; ``[]`` when intact."""
        return find_problems(self.iter_audit())

    def audit_head(self) -> tuple[int, str | None]:
        """How many records there are and the newest one's hash (keep it to detect cuts)."""
        with self._tx() as s:
            last = s.exec(select(AuditRecord).order_by(col(AuditRecord.id).desc())).first()
            count = int(s.exec(select(func.count()).select_from(AuditRecord)).one())
        return count, last.hash if last else None
