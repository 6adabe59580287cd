"""ERP sandbox extension: collections (see sandbox/erp/ext/__init__.py for the contract)."""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.routing import BaseRoute

from sandbox.scenario import Scenario

SCHEMA = ""


def seed(conn: sqlite3.Connection, scenario: Scenario) -> None:
    """Nothing yet."""


def routes() -> list[BaseRoute]:
    return []


def truth(conn: sqlite3.Connection) -> dict[str, Any]:
    return {}
