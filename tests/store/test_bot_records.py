"""Records bots write (``ctx.records``) in the store, on SQLite and PostgreSQL: versions with
their runs, newest first, filters, and a run's context writing through the store backend."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from bots.runtime import Bot, RunContext
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store


def test_versions_filters_and_history(store: Store) -> None:
    first = store.put_record("collections", "promise_to_pay", "C1/1",
                             {"amount": "100.00", "status": "open"}, customer_id="C1",
                             run_id="5")
    again = store.put_record("collections", "promise_to_pay", "C1/1",
                             {"amount": "100.00", "status": "open"}, customer_id="C1",
                             run_id="6")
    second = store.put_record("collections", "promise_to_pay", "C1/1",
                              {"amount": "100.00", "status": "kept"}, customer_id="C1",
                              run_id="7")
    store.put_record("collections", "promise_to_pay", "C2/1", {"status": "open"},
                     customer_id="C2", run_id="7")
    store.put_record("collections", "customer_reply", "m1", {"status": "open"},
                     customer_id="C1", run_id="7")

    assert (first.version, again.version, second.version) == (1, 1, 2)
    got = store.get_record("promise_to_pay", "C1/1")
    assert got is not None and got.data["status"] == "kept" and got.run_id == "7"
    assert got.first_written_at == first.written_at
    assert got.written_at.tzinfo is not None
    assert [(r.version, r.run_id, r.data["status"])
            for r in store.record_history("promise_to_pay", "C1/1")] == [
        (1, "5", "open"), (2, "7", "kept")]
    assert [r.key for r in store.find_records("promise_to_pay")] == ["C2/1", "C1/1"]
    assert [r.key for r in store.find_records("promise_to_pay", customer_id="C1")] == ["C1/1"]
    assert [r.key for r in store.find_records("promise_to_pay",
                                              where={"status": "open"})] == ["C2/1"]
    assert store.get_record("promise_to_pay", "none") is None
    assert store.record_history("promise_to_pay", "none") == []
    assert store.record_kinds("C1") == {"promise_to_pay": 1, "customer_reply": 1}


def test_a_run_writes_records_through_the_store(store: Store, tmp_path: Path) -> None:
    backend = StoreBackend(store, "collections")
    with RunContext(42, tmp_path, bot=Bot(name="collections", version="1"),
                    backend=backend) as ctx:
        ctx.records.put("promise_to_pay", "C7/INV-1",
                        {"amount": Decimal("2530.75"), "due": dt.date(2026, 11, 19)},
                        customer_id="C7")
        found = ctx.records.find("promise_to_pay", customer_id="C7",
                                 amount=Decimal("2530.75"))
    assert [(r.key, r.bot, r.run_id, r.data) for r in found] == [
        ("C7/INV-1", "collections", "42", {"amount": "2530.75", "due": "2026-11-19"})]


def test_a_batch_of_records_is_written_together_or_not_at_all(store: Store,
                                                              tmp_path: Path) -> None:
    backend = StoreBackend(store, "payment-posting")
    with RunContext(43, tmp_path, bot=Bot(name="payment-posting", version="1"),
                    backend=backend) as ctx:
        with ctx.records.batch():
            ctx.records.put("customer", "C9", {"name": "Nordwind GmbH"}, customer_id="C9")
            seen = ctx.records.get("customer", "C9")  # the batch's own put, not yet committed
            ctx.records.put("invoice", "INV-9", {"amount_open": Decimal("0.00")},
                            customer_id="C9")
        assert seen is not None and seen.data == {"name": "Nordwind GmbH"}
        assert store.get_record("invoice", "INV-9") is not None
        try:
            with ctx.records.batch():
                ctx.records.put("customer", "C9", {"name": "Nordwind AG"}, customer_id="C9")
                ctx.records.put("invoice", "INV-10", {"amount_open": "5.00"}, customer_id="C9")
                raise ValueError("the third record could not be read")
        except ValueError:
            pass
    assert store.get_record("customer", "C9").data == {"name": "Nordwind GmbH"}  # type: ignore[union-attr]
    assert store.get_record("invoice", "INV-10") is None
    assert [r.version for r in store.record_history("customer", "C9")] == [1]
