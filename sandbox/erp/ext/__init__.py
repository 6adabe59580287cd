"""Extensions of the legacy ERP sandbox: each module adds its own tables, seed data, pages
and ground truth without touching the core cash-application tables.

An extension module defines ``SCHEMA`` (SQL run when the ERP is seeded), ``seed(conn,
scenario)`` (called inside the seeding transaction), ``routes()`` (Starlette routes) and
``truth(conn)`` (a dict merged into ``/_sandbox/truth``). ``MODULES`` lists them in the
order their schemas are created.
"""

from __future__ import annotations

import importlib
import sqlite3
from types import ModuleType
from typing import Any

from starlette.routing import BaseRoute

from sandbox.scenario import Scenario

MODULES = ("sandbox.erp.ext.customer_master", "sandbox.erp.ext.collections",
           "sandbox.erp.ext.promises", "sandbox.erp.ext.credit",
           "sandbox.erp.ext.billing_master", "sandbox.erp.ext.orders",
           "sandbox.erp.ext.adjustments")


def modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in MODULES]


def create_schemas(conn: sqlite3.Connection) -> None:
    for module in modules():
        if module.SCHEMA.strip():
            conn.executescript(module.SCHEMA)


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    for module in modules():
        module.seed(conn, scenario)


def routes() -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for module in modules():
        found.extend(module.routes())
    return found


def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in modules():
        merged.update(module.truth(conn))
    return merged
