"""The payment-posting bot SIGKILLed at random moments across intake and posting, each
run recovering the one before, then a run to completion: nothing posted twice, nothing
missing, every payment posted or in the inbox, every posting in the audit trail.

The small version of ``bench/kill_trials.py`` (which makes 100 kills).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.kill_trials import Tally, Trials
from bench.posting_http import login, post_one
from bench.posting_workload import Posting, Row
from sandbox.scenario import STATEMENT_DATE, build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_random_kills_lose_nothing_and_double_nothing(sandbox: Any, tmp_path: Path) -> None:
    # kill moments from the start of the browser to the middle of the postings
    trials = Trials(sandbox.urls, tmp_path, seed=5, span=(3.0, 12.0))
    tally = Tally()

    while tally.kills < 6:
        env = trials.trial(tally.trials + 1, 6 - tally.kills, tally)

    assert tally.kills == 6 and tally.final_runs_failed == 0
    found = tally.findings
    assert found.notes == []  # each finding names its payment
    assert (found.duplicates, found.missing_postings, found.lost_cases,
            found.missing_audit, found.check_differences) == (0, 0, 0, 0, 0)

    # the counting itself: a payment posted twice behind finbots' back (to an invoice the
    # scenario leaves open) is one duplicate and two postings without their audit record
    invoice = build_scenario().invoice("INV-2026-1010")
    behind = Posting(invoice.customer_id, STATEMENT_DATE, "BEHIND-1", Decimal("1.00"),
                     (Row(invoice.invoice_number, Decimal("1.00")),))
    with httpx.Client(base_url=sandbox.urls["legacy_erp"], follow_redirects=True,
                      timeout=30) as erp:
        login(erp)
        post_one(erp, behind)
        post_one(erp, behind)
    found = trials.evaluate(env)
    assert (found.duplicates, found.missing_audit, found.lost_cases) == (1, 2, 0)
