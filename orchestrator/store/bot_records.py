"""Records bots write for people to read (``ctx.records``): the newest version of each
(kind, key) in ``bot_record``, every version in ``bot_record_version``.

A put that changes neither the data nor the customer writes nothing (a rerun the same day
adds no version). Filters on data fields are applied to the newest versions of the kind
(and customer) read from the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bots.runtime.records import Record, matches
from orchestrator.store.base import StoreBase
from orchestrator.store.customer_directory import index_record
from orchestrator.store.models import BotRecordVersion, BotWrittenRecord
from orchestrator.store.types import to_jsonable, utcnow

__all__ = ["BotRecordsMixin", "as_record"]

_REC = BotWrittenRecord.__table__  # type: ignore[attr-defined]
_VER = BotRecordVersion.__table__  # type: ignore[attr-defined]
# built once, values bound at each call (building a statement costs more than running it)
_FIND = select(_REC.c.id, _REC.c.data, _REC.c.customer_id, _REC.c.version, _REC.c.bot,
               _REC.c.run_id, _REC.c.updated_at, _REC.c.created_at).where(
    _REC.c.kind == bindparam("b_kind"), _REC.c.key == bindparam("b_key"))
_FIND_LOCKED = _FIND.with_for_update()
_NEW = insert(_REC)
_CHANGE = update(_REC).where(_REC.c.id == bindparam("b_id"))
_VERSION = insert(_VER)


class BotRecordsMixin(StoreBase):
    def put_record(self, bot: str, kind: str, key: str, data: Mapping[str, Any], *,
                   customer_id: str | None = None, run_id: str | None = None) -> Record:
        """A new version of (kind, key) unless data and customer are unchanged.

        Written with table statements, not ORM objects: a payment's records are several
        puts in the bot's path between two postings, and the ORM's unit of work cost
        several times the database's own work for each.
        """
        plain = to_jsonable(dict(data))
        bot = bot[:100]
        for attempt in range(2):  # a concurrent first put of the same key: update it
            try:
                with self._tx(write=True) as s:
                    conn = s.connection()
                    # SQLite's write lock is already held; elsewhere the row is locked
                    query = _FIND if self.dialect == "sqlite" else _FIND_LOCKED
                    row = conn.execute(query, {"b_kind": kind, "b_key": key}).first()
                    if row is not None and row.data == plain \
                            and row.customer_id == customer_id:
                        return Record(kind, key, dict(row.data or {}), row.customer_id,
                                      row.version, row.bot, row.run_id, row.updated_at,
                                      row.created_at, row.id)
                    now = utcnow()
                    if row is None:
                        version, created = 1, now
                        record_id = conn.execute(_NEW, {
                            "kind": kind, "key": key, "customer_id": customer_id,
                            "data": plain, "version": 1, "bot": bot, "run_id": run_id,
                            "created_at": now, "updated_at": now}).inserted_primary_key[0]
                    else:
                        version, created, record_id = row.version + 1, row.created_at, row.id
                        conn.execute(_CHANGE, {
                            "b_id": record_id, "customer_id": customer_id, "data": plain,
                            "version": version, "bot": bot, "run_id": run_id,
                            "updated_at": now})
                    conn.execute(_VERSION, {
                        "record_id": record_id, "version": version, "data": plain,
                        "customer_id": customer_id, "bot": bot, "run_id": run_id,
                        "written_at": now})
                    index_record(conn, kind, key, plain, customer_id)  # finding customers
                    return Record(kind, key, dict(plain), customer_id, version, bot, run_id,
                                  now, created, int(record_id))
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def records_together(self) -> AbstractContextManager[object]:
        """Record calls made inside (same thread) in one write transaction, committed at
        its end, none of them when it raises."""
        return self._tx(write=True, join=True)

    def get_record(self, kind: str, key: str) -> Record | None:
        with self._tx() as s:
            row = s.connection().execute(_FIND, {"b_kind": kind, "b_key": key}).first()
        if row is None:
            return None
        return Record(kind, key, dict(row.data or {}), row.customer_id, row.version, row.bot,
                      row.run_id, row.updated_at, row.created_at, row.id)

    def find_records(self, kind: str, *, customer_id: str | None = None,
                     where: Mapping[str, Any] | None = None,
                     limit: int | None = None) -> list[Record]:
        """Newest versions of ``kind``, most recently written first (see the SDK)."""
        query = select(BotWrittenRecord).where(BotWrittenRecord.kind == kind)
        if customer_id is not None:
            query = query.where(BotWrittenRecord.customer_id == customer_id)
        query = query.order_by(col(BotWrittenRecord.updated_at).desc(),
                               col(BotWrittenRecord.id).desc())
        wanted = to_jsonable(dict(where or {}))
        found: list[Record] = []
        with self._tx() as s:
            for row in s.exec(query):
                if matches(row.data or {}, wanted):
                    found.append(as_record(row))
                    if limit is not None and len(found) >= limit:
                        break
        return found

    def record_history(self, kind: str, key: str) -> list[Record]:
        with self._tx() as s:
            row = s.exec(select(BotWrittenRecord).where(
                BotWrittenRecord.kind == kind, BotWrittenRecord.key == key)).first()
            if row is None:
                return []
            versions = s.exec(select(BotRecordVersion).where(
                BotRecordVersion.record_id == row.id).order_by(col(BotRecordVersion.version)))
            return [Record(row.kind, row.key, dict(v.data or {}), v.customer_id, v.version,
                           v.bot, v.run_id, v.written_at, row.created_at, row.id)
                    for v in versions]

    def record_kinds(self, customer_id: str) -> dict[str, int]:
        """How many records of each kind a customer has (for pages that list them)."""
        with self._tx() as s:
            rows = s.exec(select(BotWrittenRecord.kind).where(
                BotWrittenRecord.customer_id == customer_id))
            counts: dict[str, int] = {}
            for kind in rows:
                counts[kind] = counts.get(kind, 0) + 1
            return counts


def as_record(row: BotWrittenRecord) -> Record:
    """The SDK's view of a stored record (its newest version)."""
    return Record(row.kind, row.key, dict(row.data or {}), row.customer_id, row.version,
                  row.bot, row.run_id, row.updated_at, row.created_at, row.id)
