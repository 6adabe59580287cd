"""The audit trail: who did what, when — append-only and hash-chained.

Every record is chained to the one before and hashed, in the transaction that writes it,
with a key kept outside the database (see :mod:`.audit_chain` and :mod:`.audit_key`).
Appending takes the store's write lock first (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-scoped advisory lock), so the chain stays linear however many processes write
at once. An append follows the newest hashed record as it is: it never hashes, re-chains or
otherwise repairs records written outside finbots, so verification keeps naming them.
After the commit, the newest record is written to the head checkpoint outside the database
(:mod:`.audit_anchor`), which catches records cut off the end.
:meth:`AuditMixin.verify_audit` names every edited, removed, reordered, inserted, unhashed
or forged record, and a trail that ends before its checkpoint.
"""

from __future__ import annotations

import getpass
import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import event, func, text
from sqlmodel import Session, col, select

from bots.runtime.errors import AuditChainError
from orchestrator.store.audit_anchor import (
    Checkpoint,
    advance_checkpoint,
    checkpoint_problems,
    database_id,
    forget_checkpoint,
    missing_checkpoint,
    read_checkpoint,
)
from orchestrator.store.audit_chain import GENESIS, AuditProblem, find_problems, keyed_hash, scheme
from orchestrator.store.audit_key import create_audit_key, key_source, load_audit_key
from orchestrator.store.base import StoreBase
from orchestrator.store.models import AuditRecord
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["AuditMixin", "AuditProblem", "append_audit", "current_actor"]

_PG_LOCK_KEY = 0x66696E62_61756474  # "finbaudt": the audit trail's advisory lock
_PENDING = "finbots_audit_head"  # session.info: the newest record to checkpoint on commit
_LISTENING = "finbots_audit_listening"
_log = logging.getLogger(__name__)


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

    For a store method that must write its change and the audit record atomically. The
    record follows the newest record that has a hash, whatever state that one is in.
    """
    bind = session.connection()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.exec(select(AuditRecord).where(col(AuditRecord.hash).is_not(None))
                        .order_by(col(AuditRecord.id).desc())).first()
    key = load_audit_key() or _first_key(last)
    prev = last.hash if last is not None and last.hash else GENESIS
    record = AuditRecord(at=utcnow(), actor=actor[:100], action=action[:60],
                         target=target[:400], details=to_jsonable(dict(details or {})),
                         prev_hash=prev)
    session.add(record)
    session.flush()  # the id is part of what is hashed
    record.hash = keyed_hash(key, prev, record)
    session.add(record)
    session.flush()
    _checkpoint_after_commit(session, key, record)
    return record


def _checkpoint_holds(session: Session, db: str, key: bytes) -> bool:
    """Whether the trail still holds the record the head checkpoint names, as it was.

    When it does not (records cut off or rewritten, or the file tampered with), the
    checkpoint is left where it is, so that verification keeps naming the break.
    """
    checkpoint = read_checkpoint(db, key)
    if checkpoint is None:
        return True
    held = session.get(AuditRecord, checkpoint.id) if checkpoint.authentic else None
    if held is not None and held.hash == checkpoint.hash:
        return True
    _log.error("the audit trail no longer holds record %s as the head checkpoint names it; "
               "the checkpoint stays there (finbots audit verify)", checkpoint.id)
    return False


def _first_key(last: AuditRecord | None) -> bytes:
    """Create the audit key, unless records keyed with a key now missing exist."""
    if last is not None and scheme(last, None) != "plain":
        raise AuditChainError(
            f"no audit key in {key_source()}, but the trail's newest record was hashed with "
            "one: restore the key the trail was written with")
    return create_audit_key()


def _checkpoint_after_commit(session: Session, key: bytes, record: AuditRecord) -> None:
    """Once ``session`` commits, write its newest record to the head checkpoint."""
    db = database_id(session.get_bind().url)
    if db is None or record.id is None or record.hash is None:
        return
    if _PENDING not in session.info and not _checkpoint_holds(session, db, key):
        return
    session.info[_PENDING] = (db, key, record.id, record.hash)
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _write_checkpoint)
        event.listen(session, "after_rollback", _forget_checkpoint)


def _write_checkpoint(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    db, key, rid, rhash = pending
    try:
        advance_checkpoint(db, key, rid, rhash)
    except OSError as exc:  # the record is committed; say loudly that it is not anchored
        _log.error("audit record %s is committed but the head checkpoint could not be "
                   "written: %s", rid, exc)


def _forget_checkpoint(session: Session) -> None:
    session.info.pop(_PENDING, None)


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
        """Every edited, removed, reordered, inserted, unhashed or forged record, and
        records cut off the end (against the head checkpoint); ``[]`` when intact."""
        rows = list(self.iter_audit())
        key = load_audit_key()
        problems = find_problems(rows, key, key_source())
        db = database_id(self.engine.url)
        if db is not None:
            checkpoint = read_checkpoint(db, key)
            if checkpoint is None and key is not None and rows:
                problems.append(missing_checkpoint(rows))
            problems += checkpoint_problems(rows, checkpoint)
        return problems

    def audit_checkpoint(self) -> Checkpoint | None:
        """This database's head checkpoint (``None``: none yet, or a database in memory)."""
        db = database_id(self.engine.url)
        return read_checkpoint(db, load_audit_key()) if db is not None else None

    def reset_audit_checkpoint(self, actor: str) -> tuple[Checkpoint | None, AuditRecord]:
        """Start the checkpoint afresh at the trail as it is now, with an audit record saying
        so (after restoring the database from a backup, or a new one at the same place).

        Returns the checkpoint that was dropped and the record that starts the new one.
        """
        db = database_id(self.engine.url)
        key = load_audit_key()
        old = forget_checkpoint(db, key) if db is not None else None
        details = {"previous_id": old.id, "previous_hash": old.hash} if old else {}
        return old, self.record_audit(actor, "audit.checkpoint_reset", "audit:checkpoint",
                                      details)

    def audit_head(self) -> tuple[int, str | None]:
        """How many records there are and the newest one's hash (keep it to detect cuts)."""
        with self._tx() as s:
            last = s.exec(select(AuditRecord).order_by(col(AuditRecord.id).desc())).first()
            count = int(s.exec(select(func.count()).select_from(AuditRecord)).one())
        return count, last.hash if last else None
