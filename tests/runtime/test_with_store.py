"""The runtime against the real orchestrator store (SQLite): steps and item releases."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.runtime import BusinessFailure, RunContext, RunSink

store_mod = pytest.importorskip("orchestrator.store")


def test_store_is_a_run_sink_and_records_steps_and_items(tmp_path: Path) -> None:
    store = store_mod.Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    assert isinstance(store, RunSink)
    run = store.start_run("payment-posting", {}, "host", 1)
    store.ensure_queue("payments")
    for ref in ("P01", "P02"):
        store.add_item("payments", ref, {"amount": "10.00"})
    with RunContext(run.id, tmp_path / "run", store=store) as ctx:
        with ctx.recorder.step("post_payment", app="legacy_erp", data={"amount": "10.00"}):
            pass
        first = store.claim_item("payments", "robot-1")
        with ctx.transaction(first) as tx:
            tx.output["confirmation"] = "C-1"
        second = store.claim_item("payments", "robot-1")
        with ctx.transaction(second):
            raise BusinessFailure("UNMATCHED", "no open invoice")
    steps = store.list_steps(run.id)
    assert [s.action for s in steps] == ["post_payment", "transaction", "transaction"]
    assert [s.outcome for s in steps] == ["ok", "ok", "failed"]
    assert steps[0].started_at.tzinfo is not None and steps[0].data == {"amount": "10.00"}
    states = {i.reference: i.state for i in store.list_items("payments")}
    assert states == {"P01": "successful", "P02": "failed"}
