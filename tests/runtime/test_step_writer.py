"""Steps written in batches by a background thread still all arrive, in order."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
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


class CountingSink(MemorySink):
    """Counts the transactions (``add_steps`` calls) the writer makes."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def add_steps(self, run_id: str, records: list[dict]) -> None:
        self.batches.append(len(records))
        for fields in records:
            self.add_step(run_id, **fields)


def test_steps_of_one_interval_gather_into_one_transaction() -> None:
    sink = CountingSink()
    writer = BatchingStepSink(sink, interval_s=0.3)
    for n in range(12):  # a bot's burst of steps, well within one interval
        writer.add_step("r1", action=f"a{n}")
    deadline = time.monotonic() + 5
    while writer.written < 12 and time.monotonic() < deadline:
        time.sleep(0.02)
    # written while the run goes on (no close needed), in one transaction, not twelve
    assert writer.written == 12 and sink.batches == [12]
    writer.add_step("r1", action="later")
    writer.close()  # close writes what is left at once
    assert sink.batches == [12, 1] and sink.steps[-1]["action"] == "later"


def test_a_batch_never_exceeds_its_size() -> None:
    sink = CountingSink()
    writer = BatchingStepSink(sink, interval_s=0.2, batch=5)
    for n in range(12):
        writer.add_step("r1", action=f"a{n}")
    writer.close()
    assert max(sink.batches) <= 5 and sum(sink.batches) == 12
    assert [s["action"] for s in sink.steps] == [f"a{n}" for n in range(12)]


_KILLED_RUN = """
import os, signal, sys, time
from pathlib import Path
from bots.runtime.step_writer import BatchingStepSink
from bots.runtime.steps import StepRecorder
from orchestrator.store import Store

store = Store(sys.argv[1])
writer = BatchingStepSink(store, interval_s=0.2)
recorder = StepRecorder(int(sys.argv[2]), Path(sys.argv[3]), writer)
for n in range(5):
    with recorder.step(f"early{n}"):
        pass
time.sleep(1.0)  # the store catches up while the run goes on
for n in range(3):
    with recorder.step(f"late{n}"):
        pass
os.kill(os.getpid(), signal.SIGKILL)  # no close, no flush: the process dies here
"""


def test_a_killed_run_keeps_every_completed_step(tmp_path: Path) -> None:
    """What "durable" means: every completed step is in steps.jsonl however the process
    ends; the store has them up to the last batch interval before the kill."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = Store(url)
    store.register_bot("b", "1")
    run = store.start_run("b", {}, host="h", pid=1)
    run_dir = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", _KILLED_RUN, url, str(run.id), str(run_dir)],
                          cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert done.returncode == -signal.SIGKILL
    lines = [json.loads(x) for x in (run_dir / "steps.jsonl").read_text().splitlines()]
    assert [x["action"] for x in lines] == [f"early{n}" for n in range(5)] + [
        f"late{n}" for n in range(3)]
    stored = [s.action for s in store.list_steps(run.id)]
    assert stored[:5] == [f"early{n}" for n in range(5)]  # written before the kill


def test_a_run_without_steps_starts_no_writer_thread() -> None:
    import threading

    before = {t.ident for t in threading.enumerate()}
    writer = BatchingStepSink(MemorySink(), interval_s=0.01)
    assert not [t for t in threading.enumerate()
                if t.ident not in before and t.name == "step-writer"]
    writer.close()
    writer.close()  # twice: nothing to write, nothing raised
    assert writer.written == 0
