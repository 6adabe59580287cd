"""Records bots write for people to read (``ctx.records``): a promise to pay, a customer's
reply, a collection note, anything the web UI and the API should show next to the cases.

A record is identified by its ``kind`` (e.g. ``promise_to_pay``) and its ``key`` (e.g.
``C10001/2026-11-20/INV-2026-1001``); kinds are shared by all bots, so another bot or a
page reads what one bot wrote (one kind, one meaning). Each :meth:`Records.put` that changes
the data is a new version kept with the run that wrote it and when: the history is never
overwritten::

    ctx.records.put("promise_to_pay", key, {"amount": Decimal("1200.00"), "due": date},
                    customer_id="C10001")
    promise = ctx.records.get("promise_to_pay", key)      # the newest version, or None
    open_ones = ctx.records.find("promise_to_pay", customer_id="C10001", status="open")

Several records that belong together (what one payment changed: the customer, its
invoices, the event) are written all or none, in one store transaction instead of one
each, inside ``with ctx.records.batch():`` (a get inside it sees the batch's puts).

Data is stored as JSON: :class:`~decimal.Decimal` becomes its text (``"1200.00"``, money is
never a float), dates and times ISO 8601 text; read amounts back with ``Decimal(...)``.
The orchestrator keeps records in its store; :class:`~bots.runtime.memory.MemoryBackend`
in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any, Protocol, runtime_checkable

from bots.runtime.errors import ConfigError

__all__ = ["Record", "Records", "RecordsBackend", "json_safe"]

#: longest kind, key and customer id kept
MAX_KIND, MAX_KEY, MAX_CUSTOMER = 100, 300, 100
#: largest data of one record, as JSON text
MAX_DATA_BYTES = 200_000


@dataclass(frozen=True, slots=True)
class Record:
    """One version of a record: the newest from :meth:`Records.get`/:meth:`Records.find`."""

    kind: str
    key: str
    data: dict[str, Any]
    customer_id: str | None
    version: int
    bot: str  # the bot that wrote this version
    run_id: str | None
    written_at: dt.datetime
    first_written_at: dt.datetime | None = None
    id: int | None = None  # the record's id in its backend


@runtime_checkable
class RecordsBackend(Protocol):
    """Where records live (the orchestrator's store, or memory)."""

    def put_record(self, bot: str, kind: str, key: str, data: Mapping[str, Any], *,
                   customer_id: str | None, run_id: str | None) -> Record:
        """Write a new version of (kind, key) with JSON-safe ``data``; a put that changes
        neither data nor customer returns the newest version and writes nothing."""
        ...

    def get_record(self, kind: str, key: str) -> Record | None:
        """The newest version of (kind, key), or None."""
        ...

    def find_records(self, kind: str, *, customer_id: str | None = None,
                     where: Mapping[str, Any] | None = None,
                     limit: int | None = None) -> list[Record]:
        """Newest versions of ``kind``'s records, most recently written first; only those
        of ``customer_id`` and whose data has every field of ``where`` equal (JSON-safe)."""
        ...

    def record_history(self, kind: str, key: str) -> list[Record]:
        """Every version of (kind, key), oldest first."""
        ...


def json_safe(value: Any) -> Any:
    """A copy of ``value`` that JSON takes: Decimal as text, dates and times ISO 8601."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        raise ValueError("a record holds no float (money is Decimal): "
                         f"got {value!r}")
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Enum):
        return json_safe(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if value is None or isinstance(value, str | int | bool):
        return value
    raise ValueError(f"a record holds JSON values only: got {type(value).__name__}")


def matches(data: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether ``data`` has every field of ``where`` (both JSON-safe) equal."""
    return all(k in data and data[k] == v for k, v in where.items())


class Records:
    """``ctx.records``: the records bots write, read by any bot and by people."""

    def __init__(self, backend: object, bot: str, run_id: Any = None) -> None:
        if not isinstance(backend, RecordsBackend):
            raise ConfigError(f"the run's backend {type(backend).__name__} keeps no records")
        self.backend: RecordsBackend = backend
        self.bot = bot
        self.run_id = None if run_id is None else str(run_id)

    def __repr__(self) -> str:
        return f"Records({self.bot!r})"

    def put(self, kind: str, key: str, data: Mapping[str, Any], *,
            customer_id: str | None = None) -> Record:
        """Insert or update (kind, key): a new version when the data or customer changed."""
        kind, key = _name("kind", kind, MAX_KIND), _name("key", key, MAX_KEY)
        customer = None if customer_id is None else _name("customer_id", customer_id,
                                                          MAX_CUSTOMER)
        if not isinstance(data, Mapping):
            raise ValueError(f"record {kind}/{key}: data must be a mapping")
        plain = json_safe(dict(data))
        size = len(json.dumps(plain, ensure_ascii=False).encode())
        if size > MAX_DATA_BYTES:
            raise ValueError(f"record {kind}/{key}: data of {size} bytes is over the "
                             f"{MAX_DATA_BYTES} bytes a record holds")
        return self.backend.put_record(self.bot, kind, key, plain, customer_id=customer,
                                       run_id=self.run_id)

    def get(self, kind: str, key: str) -> Record | None:
        return self.backend.get_record(str(kind), str(key))

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Puts inside are written together or not at all (an error inside writes none of
        them), in one transaction where the backend has them (``records_together``);
        elsewhere each put is written as it is made."""
        together = getattr(self.backend, "records_together", None)
        if together is None:
            yield
            return
        with together():
            yield

    def find(self, kind: str, *, customer_id: str | None = None, limit: int | None = None,
             **filters: Any) -> list[Record]:
        """Records of ``kind`` (newest versions, most recently written first), of
        ``customer_id`` when given, whose data fields equal ``filters``
        (``status="open"``; a Decimal filter compares with the stored text)."""
        return self.backend.find_records(str(kind), customer_id=customer_id,
                                         where=json_safe(filters), limit=limit)

    def history(self, kind: str, key: str) -> list[Record]:
        """Every version of (kind, key), oldest first."""
        return self.backend.record_history(str(kind), str(key))


def _name(what: str, value: str, longest: int) -> str:
    text = str(value).strip()
    if not text:
        raise ValueError(f"a record needs a {what}")
    if len(text) > longest:
        raise ValueError(f"a record's {what} is at most {longest} characters: {text[:40]}...")
    return text
