"""The work queue's hot statements: a claim, a completion, a batch of new items.

Each is one SQL statement sent in one round trip, with no ORM unit of work around it: on
PostgreSQL in autocommit (the statement is its own transaction, so no separate COMMIT),
on SQLite inside ``BEGIN IMMEDIATE``. Inside a joined store transaction
(``_tx(join=True)``) they run in that transaction instead.

- claim: ``UPDATE ... WHERE id = (SELECT id ... ORDER BY ... LIMIT 1 FOR UPDATE SKIP
  LOCKED) RETURNING *``; the subquery walks the partial index ``ix_work_item_claimable``
  (``state = 'new'`` rows only, in claim order), so it reads one index entry per claim
  however many finished items the queue holds;
- complete: ``UPDATE ... WHERE id = :id AND state = 'in_progress' [AND lease_owner =
  :owner] RETURNING *``; an item that carries a person's decision (``resolves_case``), a
  case's evidence read again (``refresh_case``) or a refused completion goes the long way
  (:mod:`.leases`), which settles the case or says why;
- batch add: PostgreSQL inserts the whole batch from one JSON parameter (``INSERT ...
  SELECT FROM json_to_recordset(...) ON CONFLICT DO NOTHING RETURNING``);
  SQLite runs one prepared ``INSERT ... ON CONFLICT DO NOTHING`` per item in one
  transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Integer,
    Table,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import configure_mappers

from bots.runtime.errors import NotFoundError
from bots.runtime.queues import DECISION_KEYS, NewItem
from orchestrator.store.engine import IMMEDIATE
from orchestrator.store.models import WorkItem, WorkQueue
from orchestrator.store.prepared import Prepared, detached
from orchestrator.store.states import ItemState
from orchestrator.store.types import to_jsonable

if TYPE_CHECKING:
    from orchestrator.store.base import StoreBase

__all__ = [
    "MAX_BATCH", "add_batch", "add_one", "claim_next", "complete_fast",
    "one_statement",
]

ITEMS: Table = WorkItem.__table__  # type: ignore[attr-defined]
QUEUES: Table = WorkQueue.__table__  # type: ignore[attr-defined]
#: Items one batch add takes at most (a larger batch is refused, not cut).
MAX_BATCH = 100_000
_REFERENCE_MAX = 200  # the column's length
_LIVE = text("state NOT IN ('retried', 'deleted')")
configure_mappers()  # the tables' classes are complete before a row fills one


def _joined(store: StoreBase) -> Any:
    from orchestrator.store.base import _JOINED

    return _JOINED.get().get(id(store.engine))


@contextmanager
def one_statement(store: StoreBase) -> Iterator[Connection]:
    """A connection for one statement: autocommit (PostgreSQL), ``BEGIN IMMEDIATE`` …
    ``COMMIT`` (SQLite), or the joined store transaction."""
    joined = _joined(store)
    if joined is not None:
        yield joined.connection()
        return
    if store.dialect == "sqlite":
        immediate = store.engine.connect().execution_options(**{IMMEDIATE: True})
        with immediate as conn, conn.begin():
            yield conn
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        yield conn


def _record(values: dict[str, Any]) -> WorkItem:
    return detached(WorkItem, values)


_PREPARED: dict[tuple[Any, ...], Prepared] = {}


def _prepared(conn: Connection, *variant: Any) -> Prepared:
    """The hot statement ``variant`` (``("claim", pg, queue_lease)``, ``("complete",
    with_owner)`` or ``("add", pg)``) compiled for this connection's dialect, once per process."""
    dialect = conn.dialect
    key = (*variant, dialect.name, dialect.driver)
    found = _PREPARED.get(key)
    if found is None:
        build = {"claim": _claim, "complete": _complete, "add": _add}[variant[0]]
        found = _PREPARED[key] = Prepared.build(build(*variant[1:]), dialect)
    return found


def _claim(pg: bool, queue_lease: bool) -> Any:
    """``UPDATE ... WHERE id = (the next claimable id, locked, skipping locked ones)``;
    on PostgreSQL the lease's expiry is computed by the server (from the queue's own lease
    when ``queue_lease``), on SQLite it is a parameter."""
    c = ITEMS.c
    when = c.started_at.type
    pick = (
        select(c.id)
        .where(c.queue == bindparam("queue", type_=c.queue.type), c.state == ItemState.NEW,
               or_(c.not_before.is_(None), c.not_before <= bindparam("now", type_=when)))
        .order_by(c.deadline.is_(None), c.deadline, c.priority.desc(), c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    expires: Any
    if pg:
        seconds: Any = (select(QUEUES.c.lease_seconds)
                        .where(QUEUES.c.name == bindparam("lease_queue", type_=c.queue.type))
                        .scalar_subquery() if queue_lease
                        else bindparam("seconds", type_=Integer))
        expires = bindparam("at", type_=when) + func.make_interval(
            0, 0, 0, 0, 0, 0, func.cast(seconds, Integer))
    else:
        expires = bindparam("expires", type_=when)
    return (
        update(ITEMS).where(c.id == pick)
        .values(state=ItemState.IN_PROGRESS,
                lease_owner=bindparam("owner", type_=c.lease_owner.type),
                run_id=bindparam("run_id", type_=Integer),
                started_at=bindparam("started", type_=when), lease_expires_at=expires)
        .returning(*ITEMS.c)
    )


def _complete(with_owner: bool) -> Any:
    """``UPDATE ... SET state = 'successful' WHERE id = :item_id AND state = 'in_progress'``
    for an item that carries neither a person's decision nor a case's evidence."""
    c = ITEMS.c
    statement = (
        update(ITEMS)
        .where(c.id == bindparam("item_id", type_=Integer), c.state == ItemState.IN_PROGRESS,
               c.payload["resolves_case"].as_string().is_(None),
               c.payload["refresh_case"].as_string().is_(None))
        .values(state=ItemState.SUCCESSFUL, output=bindparam("output", type_=c.output.type),
                finished_at=bindparam("finished", type_=c.finished_at.type),
                lease_expires_at=None)
        .returning(*ITEMS.c)
    )
    if with_owner:
        statement = statement.where(c.lease_owner == bindparam("owner",
                                                               type_=c.lease_owner.type))
    return statement


def claim_next(store: StoreBase, queue: str, owner: str, lease_seconds: int | None,
               run_id: int | None, now: dt.datetime) -> WorkItem | None:
    """Lease the next claimable item of ``queue``; None when there is none (or no queue)."""
    params: dict[str, Any] = {"queue": queue, "now": now, "owner": owner, "run_id": run_id,
                              "started": now}
    with one_statement(store) as conn:
        pg = store.dialect == "postgresql"
        if pg:
            params.update(at=now, lease_queue=queue, seconds=lease_seconds)
        else:  # local: a second statement costs no round trip
            seconds = lease_seconds
            if seconds is None:
                seconds = conn.execute(select(QUEUES.c.lease_seconds)
                                       .where(QUEUES.c.name == queue)).scalar()
                if seconds is None:
                    return None
            params["expires"] = now + dt.timedelta(seconds=seconds)
        row = _prepared(conn, "claim", pg, pg and lease_seconds is None).row(conn, params)
    return None if row is None else _record(row)


def complete_fast(store: StoreBase, item_id: int, output: Mapping[str, Any] | None,
                  owner: str | None, now: dt.datetime) -> WorkItem | None:
    """Complete an item this owner holds in one statement; None when it must go the long
    way (it carries a person's decision or a case's evidence, or the completion is
    refused)."""
    params = {"item_id": item_id, "output": to_jsonable(dict(output or {})), "finished": now,
              "owner": owner}
    with one_statement(store) as conn:
        row = _prepared(conn, "complete", owner is not None).row(conn, params)
    return None if row is None else _record(row)


def _checked(items: Sequence[NewItem]) -> list[NewItem]:
    """The batch, or a ``ValueError`` naming the first bad item by its position."""
    if len(items) > MAX_BATCH:
        raise ValueError(f"a batch holds at most {MAX_BATCH:,} items, not {len(items):,}")
    for n, item in enumerate(items):
        if not isinstance(item.reference, str) or not item.reference:
            raise ValueError(f"item {n}: the reference must be a non-empty string")
        if len(item.reference) > _REFERENCE_MAX:
            raise ValueError(f"item {n} ({item.reference[:40]}...): the reference is longer "
                             f"than {_REFERENCE_MAX} characters")
        if not isinstance(item.priority, int) or isinstance(item.priority, bool):
            raise ValueError(f"item {n} ({item.reference}): priority must be an integer")
        for name in ("deadline", "not_before"):
            when = getattr(item, name)
            if when is not None and (not isinstance(when, dt.datetime) or when.utcoffset() is None):
                raise ValueError(f"item {n} ({item.reference}): {name} must be a timezone-aware "
                                 "datetime")
        if not isinstance(item.payload, Mapping):
            raise ValueError(f"item {n} ({item.reference}): the payload must be a mapping")
        _refuse_decision_keys(item.payload, f"item {n} ({item.reference})")
    return list(items)


def _refuse_decision_keys(payload: Mapping[str, Any], what: str) -> None:
    """A new item never carries a person's decision: only handing a case back does."""
    found = sorted(DECISION_KEYS.intersection(payload))
    if found:
        raise ValueError(
            f"{what}: payload key {found[0]!r} is the orchestrator's own (a person's decision "
            "on a case handed back to its bot, or who asked on a page); a new item cannot "
            "carry it")


def add_batch(store: StoreBase, queue: str, items: Sequence[NewItem],
              now: dt.datetime) -> list[int | None]:
    """Insert ``items`` as ``new`` in one transaction; per item, in order, its id, or None
    when a live item of the queue (or an earlier item of the batch) holds its reference."""
    batch = _checked(items)
    if not batch:
        return []
    first: dict[str, int] = {}  # reference -> position of its first item
    for n, item in enumerate(batch):
        first.setdefault(item.reference, n)
    unique = [batch[n] for n in sorted(first.values())]
    try:
        with one_statement(store) as conn:
            if store.dialect == "postgresql":
                rows = _insert_pg(conn, queue, unique, now)
            else:
                rows = _insert_sqlite(conn, queue, unique, now)
    except IntegrityError:
        if not _queue_exists(store, queue):
            raise NotFoundError(f"no work queue {queue!r}") from None
        raise
    if not rows and not _queue_exists(store, queue):
        raise NotFoundError(f"no work queue {queue!r}")
    ids = dict(rows)
    return [ids.get(item.reference) if first[item.reference] == n else None
            for n, item in enumerate(batch)]


def _queue_exists(store: StoreBase, queue: str) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(select(QUEUES.c.name).where(QUEUES.c.name == queue)).first() \
            is not None


_PG_BATCH = text(
    "INSERT INTO work_item (queue, reference, state, priority, deadline, not_before, payload,"
    " retry_count, created_at)"
    " SELECT CAST(:queue AS varchar), u.reference, 'new', u.priority, u.deadline,"
    " u.not_before, u.payload, 0, CAST(:now AS timestamptz)"
    " FROM json_to_recordset(CAST(:batch AS json)) AS u(reference varchar, priority integer,"
    " deadline timestamptz, not_before timestamptz, payload json)"
    " WHERE EXISTS (SELECT 1 FROM work_queue WHERE name = CAST(:queue AS varchar))"
    " ON CONFLICT (queue, reference) WHERE state NOT IN ('retried', 'deleted') DO NOTHING"
    " RETURNING reference, id"
)


def _insert_pg(conn: Connection, queue: str, items: list[NewItem],
               now: dt.datetime) -> list[tuple[str, int]]:
    """The batch as one JSON document, taken apart by the server: one parameter."""
    batch = json.dumps([
        {"reference": i.reference, "priority": i.priority,
         "deadline": i.deadline.isoformat() if i.deadline else None,
         "not_before": i.not_before.isoformat() if i.not_before else None,
         "payload": to_jsonable(dict(i.payload))} for i in items])
    return [(r, i) for r, i in conn.execute(_PG_BATCH, {"queue": queue, "now": now,
                                                        "batch": batch})]


_SQLITE_BATCH = (
    "INSERT INTO work_item (queue, reference, state, priority, deadline, not_before, payload,"
    " retry_count, created_at) VALUES (?, ?, 'new', ?, ?, ?, ?, 0, ?)"
    " ON CONFLICT (queue, reference) WHERE state NOT IN ('retried', 'deleted') DO NOTHING"
)


def _insert_sqlite(conn: Connection, queue: str, items: list[NewItem],
                   now: dt.datetime) -> list[tuple[str, int]]:
    """One prepared statement run for every item (the driver's ``executemany``); the write
    lock is held, so the rows past the highest id before are this batch's."""
    if conn.execute(select(QUEUES.c.name).where(QUEUES.c.name == queue)).first() is None:
        return []
    dialect = conn.dialect
    when = ITEMS.c.deadline.type.bind_processor(dialect)
    payload = ITEMS.c.payload.type.bind_processor(dialect)
    assert when is not None and payload is not None
    before = conn.execute(select(func.coalesce(func.max(ITEMS.c.id), 0))).scalar_one()
    created = when(now)
    rows = [(queue, i.reference, i.priority, when(i.deadline), when(i.not_before),
             payload(to_jsonable(dict(i.payload))), created) for i in items]
    conn.exec_driver_sql(_SQLITE_BATCH, rows)
    found = conn.execute(select(ITEMS.c.reference, ITEMS.c.id)
                         .where(ITEMS.c.id > before, ITEMS.c.queue == queue))
    return [(r, i) for r, i in found]


def _add(pg: bool) -> Any:
    """``INSERT ... ON CONFLICT (queue, reference) WHERE live DO NOTHING RETURNING *``."""
    c = ITEMS.c
    dialect = postgresql if pg else sqlite
    return (
        dialect.insert(ITEMS)
        .values(queue=bindparam("queue", type_=c.queue.type),
                reference=bindparam("reference", type_=c.reference.type),
                state=ItemState.NEW,
                priority=bindparam("priority", type_=c.priority.type),
                deadline=bindparam("deadline", type_=c.deadline.type),
                not_before=bindparam("not_before", type_=c.not_before.type),
                payload=bindparam("payload", type_=c.payload.type), retry_count=0,
                created_at=bindparam("created", type_=c.created_at.type))
        .on_conflict_do_nothing(index_elements=["queue", "reference"], index_where=_LIVE)
        .returning(*ITEMS.c)
    )


def add_one(store: StoreBase, queue: str, item: NewItem, now: dt.datetime, *,
            from_orchestrator: bool = False) -> WorkItem | None:
    """One new item in one statement; None when a live item of the queue holds its
    reference. Raises ``NotFoundError`` for an unknown queue. ``from_orchestrator``: one of
    the orchestrator's own services queues a person's request (it may name them)."""
    if not from_orchestrator:
        _refuse_decision_keys(item.payload, f"item {item.reference}")
    params = {"queue": queue, "reference": item.reference, "priority": item.priority,
              "deadline": item.deadline, "not_before": item.not_before,
              "payload": to_jsonable(dict(item.payload)), "created": now}
    try:
        with one_statement(store) as conn:
            row = _prepared(conn, "add", store.dialect == "postgresql").row(conn, params)
    except IntegrityError:  # the queue's foreign key: no such queue
        if not _queue_exists(store, queue):
            raise NotFoundError(f"no work queue {queue!r}") from None
        raise
    return None if row is None else _record(row)
