"""A robot's job claim on PostgreSQL: one statement, sent with its lock in one round trip.

The claim's limits (a bot's ``max_concurrent_jobs``, credentials two active jobs never
share) are a property of all active jobs, so claims are serialized by a transaction-scoped
advisory lock. The lock must be a statement of its own, before the one that reads the
active jobs: a statement sees the database as it was when it began, so a lock taken inside
it would not see the job another robot claimed while it waited. The two travel together
anyway: ``BEGIN``, the lock, the claim and ``COMMIT`` are sent as one psycopg pipeline,
and the server runs them in order and answers once.

The claim itself is ``UPDATE run ... FROM (the oldest pending job the limits allow, locked,
skipping locked ones) RETURNING`` the job: the active jobs, the bots' limits and the
pending jobs are read by the server, not sent to the robot and filtered there. The job
starts no earlier than the server's clock once the lock is held, so a job that waited for
another's credential never starts before that one ended.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Table

from orchestrator.store.job_control import ACTIVE
from orchestrator.store.models import RunRecord
from orchestrator.store.prepared import detached
from orchestrator.store.states import RunStatus

__all__ = ["CLAIM_LOCK", "claim_pg"]

CLAIM_LOCK = 0x66696E626F7473  # pg_advisory_xact_lock key of job claims ("finbots")
RUNS: Table = RunRecord.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(RUNS.c)


def _names(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)  # the states are the store's own words


def _array(column: str) -> str:
    """A JSON list column's elements as text (a row whose value is not a list has none)."""
    return (f"json_array_elements_text(CASE WHEN json_typeof({column}) = 'array' "
            f"THEN {column} ELSE '[]'::json END)")


_CLAIM = f"""
WITH active AS MATERIALIZED (
    SELECT bot, credentials FROM run WHERE status IN ({_names(ACTIVE)})
), pick AS (
    SELECT p.id FROM run AS p LEFT JOIN bot AS b ON b.name = p.bot
    WHERE p.status = '{RunStatus.PENDING}'
      AND (b.max_concurrent_jobs IS NULL
           OR (SELECT count(*) FROM active AS a WHERE a.bot = p.bot) < b.max_concurrent_jobs)
      AND NOT EXISTS (
          SELECT 1 FROM active AS a CROSS JOIN LATERAL {_array('a.credentials')} AS held(name)
          WHERE held.name IN (SELECT {_array('p.credentials')}))
    ORDER BY p.created_at, p.id
    LIMIT 1
    FOR UPDATE OF p SKIP LOCKED
)
UPDATE run SET status = '{RunStatus.RUNNING}', robot = %(robot)s,
    started_at = greatest(%(now)s, clock_timestamp()),
    host = coalesce(%(host)s, run.host), pid = coalesce(%(pid)s::integer, run.pid),
    time_limit_seconds = coalesce(run.time_limit_seconds,
        (SELECT b.time_limit_seconds FROM bot AS b WHERE b.name = run.bot))
FROM pick WHERE run.id = pick.id
RETURNING {", ".join(f"run.{c.name}" for c in _COLUMNS)}
"""


def claim_pg(conn: Connection, robot: str, host: str | None, pid: int | None,
             now: dt.datetime) -> RunRecord | None:
    """Claim the oldest pending job the limits allow for ``robot`` on ``conn`` (an
    autocommit PostgreSQL connection of the store's engine); None when there is none.
    ``now``: the robot's time, the job's start unless the server's clock is later."""
    raw: Any = conn.connection.driver_connection
    dialect = conn.dialect
    started = RUNS.c.started_at.type._cached_bind_processor(dialect)
    params = {"robot": robot, "host": host, "pid": pid,
              "now": started(now) if started is not None else now}
    with raw.cursor() as cur:
        try:
            with raw.pipeline():
                raw.execute("BEGIN")
                raw.execute("SELECT pg_advisory_xact_lock(%s)", (CLAIM_LOCK,))
                cur.execute(_CLAIM, params)
                raw.execute("COMMIT")
            found = cur.fetchone()
        except BaseException:
            if raw.pgconn.transaction_status != 0:  # not idle: end the failed transaction
                conn.invalidate()
            raise
    if found is None:
        return None
    values = {}
    for column, value in zip(_COLUMNS, found, strict=True):
        process = column.type._cached_result_processor(dialect, None)
        values[column.key] = process(value) if process is not None else value
    return detached(RunRecord, values)
