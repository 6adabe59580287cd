"""``ctx.records`` on the in-memory backend: upsert with versions, get, find, limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from bots.runtime import Bot, MemoryBackend, Records, RunContext
from bots.runtime.errors import ConfigError


def _ctx(tmp_path: Path, backend: MemoryBackend, run_id: int = 1) -> RunContext:
    return RunContext(run_id, tmp_path, bot=Bot(name="collections", version="1"),
                      backend=backend)


def test_put_keeps_versions_and_money_as_text(tmp_path: Path) -> None:
    backend = MemoryBackend()
    with _ctx(tmp_path, backend, 7) as ctx:
        first = ctx.records.put("promise_to_pay", "C1/P1",
                                {"amount": Decimal("1200.50"), "due": dt.date(2026, 11, 30),
                                 "status": "open"}, customer_id="C1")
        same = ctx.records.put("promise_to_pay", "C1/P1",
                               {"amount": Decimal("1200.50"), "due": dt.date(2026, 11, 30),
                                "status": "open"}, customer_id="C1")
    with _ctx(tmp_path, backend, 8) as ctx:
        second = ctx.records.put("promise_to_pay", "C1/P1",
                                 {"amount": Decimal("1200.50"), "due": "2026-11-30",
                                  "status": "kept"}, customer_id="C1")
        assert first.data["amount"] == "1200.50" and first.data["due"] == "2026-11-30"
        assert same.version == 1  # nothing changed: no new version
        assert second.version == 2 and second.run_id == "8"
        got = ctx.records.get("promise_to_pay", "C1/P1")
        assert got is not None and got.data["status"] == "kept"
        assert got.first_written_at == first.written_at
        history = ctx.records.history("promise_to_pay", "C1/P1")
        assert [(r.version, r.run_id, r.data["status"]) for r in history] == [
            (1, "7", "open"), (2, "8", "kept")]
        assert ctx.records.get("promise_to_pay", "C1/none") is None


def test_find_filters_by_customer_and_fields(tmp_path: Path) -> None:
    backend = MemoryBackend()
    with _ctx(tmp_path, backend) as ctx:
        ctx.records.put("promise_to_pay", "a", {"status": "open", "amount": Decimal("5")},
                        customer_id="C1")
        ctx.records.put("promise_to_pay", "b", {"status": "broken"}, customer_id="C1")
        ctx.records.put("promise_to_pay", "c", {"status": "open"}, customer_id="C2")
        ctx.records.put("customer_reply", "a", {"status": "open"}, customer_id="C1")
        assert [r.key for r in ctx.records.find("promise_to_pay", customer_id="C1")] == [
            "b", "a"]  # most recently written first
        assert {r.key for r in ctx.records.find("promise_to_pay", status="open")} == {"a", "c"}
        assert [r.key for r in ctx.records.find("promise_to_pay", amount=Decimal("5"))] == ["a"]
        assert len(ctx.records.find("promise_to_pay", limit=1)) == 1


def test_bad_records_are_refused(tmp_path: Path) -> None:
    with _ctx(tmp_path, MemoryBackend()) as ctx:
        with pytest.raises(ValueError, match="needs a kind"):
            ctx.records.put(" ", "k", {})
        with pytest.raises(ValueError, match="at most 300"):
            ctx.records.put("k", "x" * 301, {})
        with pytest.raises(ValueError, match="no float"):
            ctx.records.put("k", "k", {"amount": 1.5})
        with pytest.raises(ValueError, match="bytes a record holds"):
            ctx.records.put("k", "k", {"text": "x" * 300_000})
    with pytest.raises(ConfigError, match="keeps no records"):
        Records(object(), "collections")
