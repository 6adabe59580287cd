"""Steps written in batches by a background thread still all arrive, in order."""

from __future__ import annotations

from pathlib import Path

from bots.runtime import MemorySink
from bots.runtime.step_writer import BatchingStepSink
from orchestrator.store import Store


def test_every_queued_step_reaches_the_sink_in_order() -> None:
    sink = MemorySink()
    writer = BatchingStepSink(sink, interval_s=0.01, batch=7)
    for n in range(50):
        writer.add_step("r1", action=f"a{n}")
    writer.close()
    assert [s["action"] for s in sink.steps] == [f"a{n}" for n in range(50)]
    assert writer.written == 50


def test_batches_use_one_transaction_per_batch_in_the_store(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    store.register_bot("b", "1")
    run = store.start_run("b", {}, host="h", pid=1)
    writer = BatchingStepSink(store, interval_s=0.01)
    for n in range(30):
        writer.add_step(run.id, action=f"a{n}", outcome="ok")
    writer.close()
    steps = store.list_steps(run.id)
    assert [s.seq for s in steps] == list(range(1, 31))
    assert [s.action for s in steps] == [f"a{n}" for n in range(30)]
