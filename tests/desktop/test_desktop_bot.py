"""The payment-posting bot on the ERP's desktop client (real Xvfb, Tk, xdotool)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bots.runtime.desktop import ocr
from orchestrator.runner import run_bot
from orchestrator.store import Store
from sandbox.bank.db import BankDB
from sandbox.bank.formats import render
from sandbox.check import compare_erp, run_check
from sandbox.desktop_erp.knobs import clear_faults, faults_path, write_faults
from sandbox.scenario import COMPANY_IBAN, CREDENTIALS, STATEMENT_DATE, build_scenario

pytestmark = [pytest.mark.desktop, pytest.mark.e2e, pytest.mark.browser]

DESKTOP = {"erp": "desktop", "date": STATEMENT_DATE.isoformat()}


def _store() -> Store:
    import os

    return Store(os.environ["FINBOTS_DB_URL"])


def _statement_file(sandbox: Any, folder: Path) -> Path:
    """The day's camt.053 as the bank serves it, without a browser to fetch it."""
    statement = BankDB(sandbox.base_dir / "bank.db").statement(COMPANY_IBAN, STATEMENT_DATE)
    assert statement is not None
    content, name, _ = render("camt053", statement)
    path = folder / name
    path.write_bytes(content)
    return path


def test_desktop_bot_posts_the_scenario_and_a_rerun_posts_nothing(
        home: Path, sandbox: Any) -> None:
    outcome = run_bot("payment-posting", {**DESKTOP, "receipt_screenshots": "true"})

    assert outcome.status == "successful", outcome.error
    scenario = build_scenario()
    assert run_check(*(sandbox.urls[a] for a in ("sandbox_bank", "legacy_erp",
                                                 "billing_portal"))) == []
    store = _store()
    cases = store.list_cases(run_id=outcome.run_id)
    assert {c.reference: c.reason_code for c in cases} == scenario.expected_exceptions()
    posted = store.list_items("payment-posting", state="successful")
    assert len(posted) == sum(p.expected_posting is not None for p in scenario.payments)
    assert all(i.output["confirmation"].startswith("CR-") for i in posted)
    steps = store.list_steps(outcome.run_id)
    receipts = [s for s in steps if s.action == "post_cash_receipt"]
    assert len(receipts) == len(posted) and {s.app for s in receipts} == {"desktop_erp"}
    desktop = [s for s in steps if s.app == "desktop_erp" and s.action == "fill"]
    assert desktop and all(s.locator for s in desktop)  # the key path used is recorded
    shots = [s.evidence for s in steps if s.action == "checkpoint" and s.app == "desktop_erp"]
    # a receipt the client took but whose answer came too late (a loaded machine) is found
    # posted when the bot looks again: no second receipt, so no second picture of one
    entered = [i for i in posted if not i.output.get("already_posted")]
    assert len(shots) == len(entered) and len(entered) >= len(posted) - 1, (
        shots, [(i.reference, i.output.get("already_posted")) for i in posted])
    assert all((outcome.run_dir / e).stat().st_size > 5000 for e in shots)
    run_text = (outcome.run_dir / "steps.jsonl").read_text() + \
        (outcome.run_dir / "bot.log").read_text()
    assert CREDENTIALS.erp_password not in run_text

    again = run_bot("payment-posting", {**DESKTOP, "update_portal": "false"})

    assert again.status == "successful", again.error
    assert again.summary["intake"]["new_items"] == 0
    assert compare_erp(sandbox.truth("legacy_erp"), scenario) == []


def test_an_unexpected_modal_error_fails_the_item_and_the_next_items_still_post(
        home: Path, sandbox: Any) -> None:
    knobs = faults_path(sandbox.erp_db)
    write_faults(knobs, modal_error_on_post=2)  # the second payment posted meets it
    try:
        outcome = run_bot("payment-posting", {
            **DESKTOP, "update_portal": "false", "max_retries": "0",
            "statement_file": str(_statement_file(sandbox, home))})
    finally:
        clear_faults(knobs)

    assert outcome.status == "successful", outcome.error
    store = _store()
    failed = store.list_items("payment-posting", state="failed")
    application = [i for i in failed if i.failure_kind == "application"]
    assert len(application) == 1, [(i.reference, i.failure_code) for i in failed]
    item = application[0]
    assert item.failure_code == "UNEXPECTED_DIALOG"
    # everything else is as expected: only the failed payment is missing in the ERP
    problems = compare_erp(sandbox.truth("legacy_erp"), build_scenario())
    assert problems and all(p.startswith(item.reference) or "open amount" in p
                            for p in problems), problems
    assert sum(p.startswith(item.reference) for p in problems) == 1
    # the failed step kept a screenshot of the dialog
    steps = store.list_steps(outcome.run_id)
    met = [s for s in steps if s.outcome == "failed" and s.app == "desktop_erp"
           and "Run-time Error" in (s.message or "")]
    assert met and all(s.evidence for s in met)
    shot = outcome.run_dir / met[0].evidence
    with Image.open(shot) as image:
        assert image.width > 300 and image.height > 200
        assert len(set(image.convert("L").getdata())) > 10  # not a blank image
    if ocr.available():
        assert "run-time error" in ocr.image_text(shot).lower()
    recovered = Counter(s.action for s in steps if s.action == "dismiss_dialogs")
    assert recovered["dismiss_dialogs"] >= 1
    case = next(c for c in store.list_cases(run_id=outcome.run_id)
                if c.reference == item.reference)
    assert case.reason_code == "UNEXPECTED_DIALOG"
