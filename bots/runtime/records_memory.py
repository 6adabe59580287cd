"""Records (``ctx.records``) in one process's memory: the part of
:class:`~bots.runtime.memory.MemoryBackend` that implements
:class:`~bots.runtime.records.RecordsBackend`."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bots.runtime.records import Record, matches

__all__ = ["MemoryRecords"]


class MemoryRecords:
    """Every version of every record, per (kind, key), oldest first."""

    _records_lock = threading.RLock()

    @property
    def records(self) -> dict[tuple[str, str], list[Record]]:
        found: dict[tuple[str, str], list[Record]] | None = self.__dict__.get("_records")
        if found is None:
            found = self.__dict__.setdefault("_records", {})
        return found

    def put_record(self, bot: str, kind: str, key: str, data: Mapping[str, Any], *,
                   customer_id: str | None, run_id: str | None) -> Record:
        with self._records_lock:
            versions = self.records.setdefault((kind, key), [])
            newest = versions[-1] if versions else None
            if newest is not None and newest.data == dict(data) \
                    and newest.customer_id == customer_id:
                return _copy(newest)
            now = dt.datetime.now(dt.UTC)
            record = Record(kind, key, copy.deepcopy(dict(data)), customer_id,
                            len(versions) + 1, bot, run_id, now,
                            versions[0].written_at if versions else now,
                            id=_id(self.records, kind, key))
            versions.append(record)
            return _copy(record)

    def get_record(self, kind: str, key: str) -> Record | None:
        with self._records_lock:
            versions = self.records.get((kind, key))
            return _copy(versions[-1]) if versions else None

    def find_records(self, kind: str, *, customer_id: str | None = None,
                     where: Mapping[str, Any] | None = None,
                     limit: int | None = None) -> list[Record]:
        with self._records_lock:
            found = [v[-1] for (k, _), v in self.records.items() if k == kind and v
                     and (customer_id is None or v[-1].customer_id == customer_id)
                     and matches(v[-1].data, where or {})]
        found.sort(key=lambda r: (r.written_at, r.id or 0), reverse=True)
        return [_copy(r) for r in found[:limit]]

    def record_history(self, kind: str, key: str) -> list[Record]:
        with self._records_lock:
            return [_copy(r) for r in self.records.get((kind, key), [])]


def _id(records: dict[tuple[str, str], list[Record]], kind: str, key: str) -> int:
    return list(records).index((kind, key)) + 1


def _copy(record: Record) -> Record:
    return replace(record, data=copy.deepcopy(record.data))
