"""The imported-statement registry refuses a statement seen before."""

from __future__ import annotations

import pytest

from bots.runtime.errors import DuplicateStatementError
from orchestrator.store import Store

KEY = ("DE89 3704 0044 0532 0130 00", "STMT-2024-061", "61")


def test_registry(store: Store) -> None:
    assert not store.statement_seen(KEY)
    store.remember_statement(KEY, "camt053_2024-03-01.xml")
    assert store.statement_seen(KEY)
    assert store.statement_seen(("DE89370400440532013000", "STMT-2024-061", 61))
    assert not store.statement_seen((KEY[0], KEY[1], "62"))
    with pytest.raises(DuplicateStatementError, match="imported before"):
        store.remember_statement(KEY, "again.xml")


def test_statement_without_sequence(store: Store) -> None:
    key = ("GB33BUKB20201555555555", "940-001", None)
    store.remember_statement(key)
    assert store.statement_seen(key)
    with pytest.raises(DuplicateStatementError):
        store.remember_statement(key)
