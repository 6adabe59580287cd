"""Crashes and faults: no payment posted twice, none lost, evidence of what went wrong."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import pytest

from orchestrator.runner import run_bot
from sandbox.scenario import STATEMENT_DATE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
DAY = ("--arg", f"date={STATEMENT_DATE.isoformat()}")  # the sandbox's statement day


def test_sigkill_in_the_middle_of_posting_then_rerun(home: Any, sandbox: Any) -> None:
    bot = home.spawn("run", "payment-posting", *DAY)
    deadline = time.monotonic() + 180
    while len(sandbox.postings()) < 3:  # killed right after its third posting
        assert bot.poll() is None, bot.stdout.read() if bot.stdout else ""
        assert time.monotonic() < deadline, "the bot posted nothing in time"
        time.sleep(0.05)
    os.kill(bot.pid, signal.SIGKILL)
    bot.wait(timeout=30)
    assert 3 <= len(sandbox.postings()) < 11

    rerun = home.finbots("run", "payment-posting", *DAY, "--json")

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert sandbox.check() == []  # every expected posting exactly once
    store = home.store()
    runs = {r.id: r for r in store.list_runs()}
    assert runs[1].status == "abandoned"
    assert runs[2].status == "successful"
    assert runs[2].summary["recovered"]["abandoned_runs"] == 1
    references = [p["bank_reference"] for p in sandbox.postings()]
    assert len(references) == len(set(references))


def test_fault_injected_run_still_completes(home: Any, sandbox: Any) -> None:
    for app in sandbox.urls:
        sandbox.faults(app, latency_ms=20, error_rate=0.05, seed=11)
    sandbox.faults("legacy_erp", session_expiry_requests=120)
    sandbox.faults("billing_portal", session_expiry_requests=60)

    outcome = run_bot("payment-posting", {"date": STATEMENT_DATE.isoformat()})

    assert outcome.status == "successful", outcome.error
    assert sandbox.check() == []
    steps = home.store().list_steps(outcome.run_id)
    failed = [s for s in steps if s.outcome == "failed"]
    assert failed, "5% server errors and expiring sessions must have been met"
    shots = [s for s in failed if s.evidence]
    assert shots, "a failed step keeps a screenshot of the screen"
    for step in shots:
        assert (outcome.run_dir / step.evidence).stat().st_size > 0
        assert step.message  # says what went wrong
