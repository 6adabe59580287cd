"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import settings
from playwright.sync_api import Browser, expect
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from bots.runtime.browser import shared_browser, shutdown_browser
from orchestrator.auth import passwords
from orchestrator.store import Store

if str(Path(__file__).resolve().parent) not in sys.path:  # the folders' shared helpers
    sys.path.append(str(Path(__file__).resolve().parent))

from sandboxharness import Sandbox, running_sandbox

# Rich tables in command output are as wide as the terminal says; the test workers have
# none, so they read at a fixed width the tests' expectations fit.
os.environ.setdefault("COLUMNS", "200")

#: The slowest test files (whole bot runs, many processes), handed out first so that the
#: parallel workers (``make test`` runs pytest-xdist, a file to a worker) do not end on one
#: long file while the others idle.
SLOW_FIRST = (
    "e2e/test_recovery.py", "inbox/test_resolutions_e2e.py", "e2e/test_payment_posting.py",
    "robots/test_many_robots.py", "e2e/test_disputes_intake.py", "desktop/test_desktop_bot.py",
    "billing/test_correction_browser.py", "customers/test_customer_e2e.py",
    "security/test_role_matrix.py", "reconciliation/test_statement_reconciliation.py",
    "robots/test_robot_jobs.py", "billing/test_bot.py", "crm/test_e2e_payment_to_desk.py",
    "collections/test_promises_bot.py", "security/test_audit_anchor.py",
    "e2e/test_advice_mail.py", "crm/test_crm_sync_bot.py", "multihost/test_multihost.py",
    "e2e/test_kill_trials.py", "inbox/test_inbox_e2e.py", "inbox/test_case_evidence.py",
    "e2e/test_dispute_resolutions.py", "e2e/test_secrets.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow files first, each file's tests together and in their own order."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    tests_dir = Path(__file__).resolve().parent

    def key(item: pytest.Item) -> int:
        try:
            rel = Path(str(item.path)).resolve().relative_to(tests_dir).as_posix()
        except ValueError:
            return len(rank)
        return rank.get(rel, len(rank))

    items.sort(key=key)  # stable: the rest keep the order pytest collected them in


PG_SERVER = os.environ.get("FINBOTS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")

# CI replays the same examples every time (a red build names a change, not a dice roll);
# HYPOTHESIS_PROFILE=explore searches fresh examples, more of them, when hunting for bugs.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """argon2 at its lowest cost in the test process: the tests hash and check hundreds of
    passwords, each about 0.1 s at the library's parameters (2 s on a busy machine).

    The hashes still carry their parameters: a server or command the tests start checks
    them and stores a hash at its own, real parameters at sign-in. The test of rehashing in
    tests/security/test_auth.py puts the real parameters back.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024,
                                                        parallelism=1))
        passwords._dummy_hash.cache_clear()  # an unknown name: the same (low) cost
        yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """The one Chromium of the test process (Playwright's sync API allows one driver).

    Assertions wait as long as actions do (10 s, ``new_context``): with three test
    processes, bots and their browsers sharing two cores, a page that redirects after a
    write sometimes takes longer than Playwright's default 5 s."""
    expect.set_options(timeout=10_000)
    yield shared_browser()
    shutdown_browser()


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """The sandbox targets of the session (tests/sandboxharness.py), shared by the e2e,
    robot and inbox tests; each resets them before use."""
    with running_sandbox(tmp_path_factory.mktemp("sandbox")) as targets:
        yield targets


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for the test session, dropped at the end.

    On 127.0.0.1:5432 as ``postgres`` (``FINBOTS_TEST_PG`` to point elsewhere); the tests
    that need it skip, with the reason, when the server is unreachable.
    """
    admin = create_engine(
        f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        admin.dispose()
        first_line = str(getattr(exc, "orig", exc)).splitlines()[0]
        pytest.skip(f"PostgreSQL not reachable at {PG_SERVER}: {first_line}")
    name = f"finbots_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_pg_url(pg_url: str, _pg_engine: Engine) -> str:
    """The session's PostgreSQL database with the store's tables, all empty, their ids
    counting from 1 again.

    DELETE rather than TRUNCATE: on tables holding a test's few rows it takes milliseconds
    where a TRUNCATE of every table took about a second on a busy machine, and over a
    hundred tests ask for an empty database. TRUNCATE ... CASCADE remains the fallback
    when a table outside the models holds rows that refer to the store's.
    """
    try:
        with _pg_engine.begin() as conn:
            conn.exec_driver_sql(_EMPTY_PG.get(pg_url) or _emptying_sql(conn, pg_url))
    except DBAPIError:
        _EMPTY_PG.pop(pg_url, None)
        store = Store(pg_url)  # the tables again, should a test have taken one away
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        try:
            with store.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        finally:
            store.close()
    return pg_url


@pytest.fixture(scope="session")
def _pg_engine(pg_url: str) -> Iterator[Engine]:
    """An engine on the session's PostgreSQL database, which it gives the store's tables
    (a store opened for each test took a quarter of a second on a busy machine)."""
    Store(pg_url).close()
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()


_EMPTY_PG: dict[str, str] = {}


def _emptying_sql(conn: Connection, url: str) -> str:
    """The statements that empty every table of the database (those that refer to others
    first) and restart its sequences; made once per database."""
    known = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    present = set(conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").scalars())
    tables = sorted(present - {*known, "alembic_version"})
    tables += [t for t in known if t in present]
    sequences = conn.exec_driver_sql(
        "SELECT sequence_name FROM information_schema.sequences "
        "WHERE sequence_schema = current_schema()").scalars().all()
    _EMPTY_PG[url] = "; ".join([*(f'DELETE FROM "{t}"' for t in tables),
                                *(f'ALTER SEQUENCE "{s}" RESTART' for s in sequences)])
    return _EMPTY_PG[url]
