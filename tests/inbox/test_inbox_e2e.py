"""The whole loop in a real browser: the bot stops on a payment, a finance user applies it to
the right invoice, an approver approves, the bot posts it in the ERP, the case closes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from webharness import REPO, LiveServer, login, new_context, seed_users, start_server

from bots.runtime.vault import Vault
from sandbox.credentials import store_sandbox_credentials
from sandbox.scenario import STATEMENT_DATE, build_scenario

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sandbox: Any) -> Iterator[LiveServer]:
    """An orchestrator of its own (its store holds this test's bot runs), the sandbox's
    logins in its vault, one user per role."""
    sandbox.reset()
    srv = start_server(tmp_path_factory.mktemp("inbox-e2e"), timeout=120)
    srv.env.update({f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()})
    srv.env["FINBOTS_TIMEOUT_MS"] = "10000"
    with pytest.MonkeyPatch.context() as mp:
        for key in ("FINBOTS_HOME", "FINBOTS_MASTER_KEY"):
            mp.setenv(key, srv.env[key])
        store_sandbox_credentials(Vault())
    seed_users(srv.store, ("finance_reviewer", "approver"))
    yield srv
    srv.stop()


def run_bot(server: LiveServer, *args: str) -> dict[str, Any]:
    """``finbots run payment-posting`` in a child process, on the server's store."""
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", "run", "payment-posting", "--json",
         f"--arg=date={STATEMENT_DATE.isoformat()}", *[f"--arg={a}" for a in args]],
        cwd=REPO, env=server.env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    outcome: dict[str, Any] = json.loads(done.stdout[done.stdout.index("{"):])
    return outcome


def signed_in(chromium: Browser, server: LiveServer, user: str) -> Page:
    page = new_context(chromium, server).new_page()
    login(page, user)
    return page


def test_a_person_applies_a_stopped_payment_and_the_bot_posts_it(
        chromium: Browser, server: LiveServer, sandbox: Any) -> None:
    first = run_bot(server, "update_portal=false", "receipt_screenshots=false")
    assert first["status"] == "successful"
    scenario = build_scenario()
    p07 = next(p for p in scenario.payments if p.key == "P07")  # two invoices of 2000.00
    assert p07.expected_reason == "AMBIGUOUS"

    finance = signed_in(chromium, server, "finance_reviewer")
    finance.goto("/inbox")
    expect(finance.locator("tr[data-case]")).to_have_count(
        len(scenario.expected_exceptions()))
    finance.locator("a.chip[data-reason=AMBIGUOUS]").click()
    rows = finance.locator("tr[data-case]")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Fjord Marine AS")
    rows.locator("a", has_text="#").click()

    # the evidence, side by side
    line = finance.locator(".facts-bank-line")  # the bot's declared evidence
    expect(line.locator(".fact-amount")).to_have_text("2,000.00")
    expect(line.locator(".fact-currency")).to_have_text("EUR")
    expect(line).to_contain_text(p07.counterparty_iban or "")
    expect(finance.locator(".why")).to_contain_text("AMBIGUOUS")
    candidates = finance.locator("table.candidates")
    expect(candidates).to_contain_text("INV-2026-1010")
    expect(candidates).to_contain_text("INV-2026-1011")
    step = finance.get_by_role("link", name=f"run {first['run_id']}, the step")
    assert re.fullmatch(rf"/runs/{first['run_id']}#step-\d+", step.get_attribute("href") or "")
    shots = finance.locator(".gallery img")
    if shots.count():  # lazy images load once scrolled to: scroll, then wait for it
        shots.first.scroll_into_view_if_needed()
        assert shots.first.evaluate(
            "img => img.complete ? img.naturalWidth > 0 : new Promise(done => {"
            " img.onload = () => done(img.naturalWidth > 0); img.onerror = () => done(false);"
            " })")

    # apply to INV-2026-1010: above the threshold, so an approver signs it off first
    finance.get_by_label("Pick INV-2026-1010").check()
    expect(finance.locator("#allocation-check")).to_contain_text("fully allocated")
    finance.get_by_label("Note").first.fill("customer confirmed INV-2026-1010 by phone")
    finance.get_by_role("button", name="Apply to invoices").click()
    expect(finance.locator(".notice")).to_contain_text("Sent for approval")
    case_url = finance.url.split("?")[0]

    approver = signed_in(chromium, server, "approver")
    approver.goto(case_url)
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator(".notice")).to_contain_text("Decision recorded")
    expect(approver.locator("h1 .pill")).to_have_text("awaiting posting")

    posted = run_bot(server, "phase=post")
    assert posted["status"] == "successful"

    erp = sandbox.postings()
    mine = [p for p in erp if p["bank_reference"] == p07.bank_reference]
    assert len(mine) == 1
    assert [(ln["invoice_number"], ln["amount"]) for ln in mine[0]["lines"]] == [
        ("INV-2026-1010", "2000.00")]
    finance.goto(case_url)
    expect(finance.locator("h1 .pill")).to_have_text("resolved")
    history = finance.locator(".events")
    expect(history.locator(".kind-created")).to_contain_text("bot:payment-posting")
    expect(history.locator(".kind-approval_requested")).to_contain_text("finance_reviewer")
    expect(history.locator(".kind-approval_decided")).to_contain_text("approver")
    expect(history.locator(".kind-resolved")).to_contain_text(
        f"resolved by the bot, confirmation {mine[0]['confirmation']}")
    finance.context.close()
    approver.context.close()
