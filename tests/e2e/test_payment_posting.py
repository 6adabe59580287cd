"""The payment-posting bot against the sandbox: what finance sees after a run.

The first three tests read one run of the day's statement (:func:`day_run`); the last of
them runs it again. The tests after them start from a fresh home and a reseeded sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from orchestrator.runner import RunOutcome, run_bot
from sandbox.scenario import STATEMENT_DATE, build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
DAY = {"date": STATEMENT_DATE.isoformat()}  # the sandbox's statement day


@dataclass
class DayRun:
    home: Any
    outcome: RunOutcome
    postings: list[dict[str, Any]]  # the ERP's, right after the run
    portal: dict[str, Any]  # the portal's ground truth, right after the run


@pytest.fixture(scope="module")
def day_run(module_home: Any, sandbox: Any) -> DayRun:
    """One run of the day's statement on a fresh home and a reseeded sandbox."""
    outcome = run_bot("payment-posting", DAY)
    assert outcome.status == "successful", outcome.error
    return DayRun(module_home, outcome, sandbox.postings(), sandbox.truth("billing_portal"))


def test_one_run_posts_what_the_scenario_expects_and_cases_the_rest(
        day_run: DayRun, sandbox: Any) -> None:
    home, outcome = day_run.home, day_run.outcome

    assert sandbox.check() == []
    scenario = build_scenario()
    store = home.store()
    cases = store.list_cases(run_id=outcome.run_id)
    assert {c.reference: c.reason_code for c in cases} == scenario.expected_exceptions()
    ambiguous = next(c for c in cases if c.reason_code == "AMBIGUOUS")
    assert {c["invoice_number"] for c in ambiguous.candidates} >= {
        "INV-2026-1010", "INV-2026-1011"}
    assert ambiguous.amount == Decimal("2000.00")
    assert ambiguous.data["bank_line"]["counterparty_name"] == "Fjord Marine AS"
    assert ambiguous.rule and ambiguous.summary
    posted = [i for i in store.list_items("payment-posting", state="successful")]
    assert len(posted) == sum(p.expected_posting is not None for p in scenario.payments)
    assert all(i.output["confirmation"].startswith("CR-") for i in posted)
    steps = store.list_steps(outcome.run_id)
    posting_steps = [s for s in steps if s.action == "post_cash_receipt"]
    assert len(posting_steps) == len(posted)
    assert all(s.rule and s.data["allocations"] for s in posting_steps)
    assert (outcome.run_dir / "steps.jsonl").is_file()
    assert (outcome.run_dir / "bot.log").is_file()


def test_each_case_screenshot_shows_the_payment_that_failed(day_run: DayRun) -> None:
    """The screenshot of a case is the page of its own payment (its ERP inquiry, which the
    bot opens before it hands the payment over), never a page another payment left open."""
    outcome = day_run.outcome

    store = day_run.home.store()
    steps = store.list_steps(outcome.run_id)
    cases = store.list_cases(run_id=outcome.run_id)
    assert cases
    shots = [c.evidence[0] for c in cases]
    assert len(set(shots)) == len(shots)
    items = [n for n, s in enumerate(steps) if s.action == "transaction"]
    for case, shot in zip(cases, shots, strict=True):
        assert shot.endswith(".png") and (outcome.run_dir / shot).stat().st_size > 0
        end = next(n for n in items if steps[n].evidence == shot)
        start = max((n for n in items if n < end), default=-1) + 1
        tx, own = steps[end], steps[start:end]  # the item's release and its own steps
        assert tx.data["reference"] == case.reference
        assert tx.data["evidence_app"] == "legacy_erp", case.reference
        last = [s for s in own if s.app == tx.data["evidence_app"]][-1]
        assert last.action == "show_payment", (case.reference, last.action)
        assert last.data["shown"] == case.reference  # the reference on the page shot
        # the image's own step says what the page showed: this payment, no other
        page_text = tx.data["page_text"]
        assert case.reference in page_text, (case.reference, page_text[:300])
        others = {c.reference for c in cases} - {case.reference}
        assert not any(ref in page_text for ref in others), case.reference


def test_each_posting_keeps_the_erp_receipt_as_it_read(day_run: DayRun) -> None:
    """A posting's evidence is the ERP's confirmation page as the bot read it: its text
    (with the confirmation number and the payment's own reference) in the receipt step,
    without an image unless the run asks for one."""
    store = day_run.home.store()
    steps = store.list_steps(day_run.outcome.run_id)
    posted = {i.reference: i.output["confirmation"]
              for i in store.list_items("payment-posting", state="successful")
              if not i.output.get("already_posted")}
    receipts = {s.data["label"].removeprefix("erp-receipt-"): s for s in steps
                if s.action == "checkpoint" and s.data.get("label", "").startswith("erp-receipt-")}
    assert set(receipts) == set(posted)
    for reference, step in receipts.items():
        assert step.evidence is None and step.app == "legacy_erp"
        assert posted[reference] in step.data["page_text"], (reference, step.data)
        assert reference in step.data["page_text"]
    assert not list((day_run.outcome.run_dir / "screenshots").glob("*erp-receipt*"))


def test_running_the_same_statement_again_posts_nothing_new(
        day_run: DayRun, sandbox: Any) -> None:
    home, postings, statuses = day_run.home, day_run.postings, day_run.portal
    assert sandbox.postings() == postings, "the sandbox was reseeded since the first run"

    again = run_bot("payment-posting", DAY)

    assert again.status == "successful", again.error
    assert again.summary["intake"]["new_items"] == 0
    assert sandbox.postings() == postings
    assert [i["status"] for i in sandbox.truth("billing_portal")["invoices"]] == [
        i["status"] for i in statuses["invoices"]]
    assert home.store().list_cases(run_id=again.run_id) == []
    assert sandbox.check() == []


@pytest.mark.parametrize("fmt", ["mt940", "bai2", "csv"])
def test_every_statement_format_gives_the_same_decisions(
        home: Any, sandbox: Any, fmt: str) -> None:
    """Posting does not depend on the format (the camt.053 run above posts): the decisions do.

    So intake alone, per format: every payment gets the scenario's reason or exactly its
    expected allocations.
    """
    outcome = run_bot("payment-posting", {**DAY, "format": fmt, "phase": "intake"})

    assert outcome.status == "successful", outcome.error
    items = {i.reference: i.payload for i in home.store().list_items("payment-posting")}
    for payment in build_scenario().payments:
        if not payment.credit:
            continue
        payload = items[payment.bank_reference]
        if payment.expected_posting is None:
            assert payload["decision"] != "post", payment.key
            continue
        assert payload["decision"] == "post", (payment.key, payload["explanation"])
        cash = {(a["invoice_number"], Decimal(a["amount"])) for a in payload["allocations"]}
        assert cash == set(payment.expected_posting.allocations), payment.key
    assert sandbox.postings() == []  # intake posts nothing


def test_the_new_page_layout_of_every_target_is_handled_by_selector_fallbacks(
        home: Any, sandbox: Any) -> None:
    for app in sandbox.urls:
        sandbox.faults(app, alt_layout=True)

    outcome = run_bot("payment-posting", DAY)

    assert outcome.status == "successful", outcome.error
    assert sandbox.check() == []
    steps = home.store().list_steps(outcome.run_id)
    used = {s.locator for s in steps if s.app == "legacy_erp" and s.locator}
    assert any("customer_no" in loc for loc in used)  # the fallback, recorded in the step
    assert not any("custId" in loc for loc in used)
