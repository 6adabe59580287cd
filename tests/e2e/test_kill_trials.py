"""The payment-posting bot SIGKILLed at random moments across intake and posting, each
run recovering the one before, then a run to completion: nothing posted twice, nothing
missing, every payment posted or in the inbox, every posting in the audit trail.

The suite's representative set: three kills chained in one trial (seed 1 draws 4.2 s,
10.6 s and 9.9 s after each run's start: the first run dies early, in the browser's start or
intake, the two runs recovering it die in the middle of their postings), then the run to
completion. ``bench/kill_trials.py`` holds the full set (100 kills and more, ``make bench``).
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
KILLS = 3


def test_random_kills_lose_nothing_and_double_nothing(sandbox: Any, tmp_path: Path) -> None:
    # kill moments from the start of the browser to the middle of the postings
    trials = Trials(sandbox.urls, tmp_path, seed=1, span=(3.0, 12.0))
    tally = Tally()

    while tally.kills < KILLS:
        env = trials.trial(tally.trials + 1, KILLS - tally.kills, tally)

    assert tally.kills == KILLS and tally.final_runs_failed == 0
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
