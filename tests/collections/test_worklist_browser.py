"""A collector records a promise to pay from the worklist in the browser (real Chromium);
the collections bot carries the request out in the legacy ERP sandbox: the ERP's ground
truth shows the promise, finbots keeps it, and the customer page shows it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from playwright.sync_api import Page, expect

from bots.collections import BOT
from bots.collections.erp import CollectionsErp
from bots.collections.worklist_actions import carry_out_requests
from bots.runtime import RunContext
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from sandbox.credentials import VAULT_ENTRIES
from sandbox.erp.app import create_app
from sandbox.scenario import STATEMENT_DATE, build_scenario
from sandbox.serve import serve_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
import webharness
from webharness import LiveServer

live_server, users, page_as = webharness.live_server, webharness.users, webharness.page_as

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield url


def test_promise_recorded_in_the_browser_is_entered_in_the_erp(
        page_as: Callable[[str], Page], live_server: LiveServer, erp_url: str,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = live_server.store
    store.put_record("collections", "account_snapshot", "C2001", {
        "customer_id": "C2001", "name": "Aurora Textilwerke GmbH", "collector": "Maria Weber",
        "risk_class": "B", "overdue_total": "1847.35", "oldest_days": 25,
        "as_of": STATEMENT_DATE, "buckets": {"1-30": "1847.35"}, "disputed": [],
        "promised": [], "dunning_level": 1, "dunning_block": False}, customer_id="C2001")

    page = page_as("finance_reviewer")
    page.goto("/collections")
    page.get_by_role("link", name="C2001 Aurora Textilwerke GmbH").click()
    form = page.locator("#form-record_promise")
    form.get_by_label("promised date").fill("2026-12-04")
    form.get_by_label("amount").fill("1847.35")
    form.get_by_label("invoices").fill("INV-2026-1101")
    form.get_by_role("button", name="Record a promise to pay").click()
    expect(page.locator("#queued")).to_contain_text("queued")

    monkeypatch.setenv("FINBOTS_LEGACY_ERP_URL", erp_url)
    monkeypatch.setenv("FINBOTS_TIMEOUT_MS", "10000")
    vault = Vault(tmp_path / "vault", key=Fernet.generate_key())
    vault.set("legacy_erp/collections", VAULT_ENTRIES["legacy_erp/collections"])
    store.register_bot(BOT.name, BOT.version, "", ())
    run = store.start_run(BOT.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "run", bot=BOT, store=store, vault=vault,
                    backend=StoreBackend(store, BOT.name)) as ctx:
        done = carry_out_requests(ctx, CollectionsErp(ctx, "legacy_erp/collections"),
                                  today=STATEMENT_DATE)
    assert done["record_promise"] == 1  # (other tests of the live server queue requests too)

    truth = httpx.get(f"{erp_url}/_sandbox/truth", timeout=10).json()
    entered = [p for p in truth["promises"] if p["customer_id"] == "C2001"]
    assert [(p["promised_date"], p["amount"], p["invoices"], p["source"]) for p in entered] \
        == [("2026-12-04", "1847.35", "INV-2026-1101", "call")]
    assert entered[0]["reference"].startswith("WL-record_promise/C2001/")
    page.reload()
    row = page.locator("table.promises tr[data-promise]")
    expect(row).to_contain_text("2026-12-04")
    expect(row.locator("td.status")).to_have_text("open")
    expect(page.locator("ul.requests")).to_contain_text("successful")


def test_a_request_without_the_forms_csrf_token_is_refused(
        page_as: Callable[[str], Page], live_server: LiveServer) -> None:
    live_server.store.put_record("collections", "account_snapshot", "C2005", {
        "customer_id": "C2005", "name": "Everest Hotels Ltd", "collector": "James Okafor",
        "risk_class": "B", "overdue_total": "4159.70", "oldest_days": 40}, customer_id="C2005")
    page = page_as("finance_reviewer")
    page.goto("/collections/C2005")
    before = len(live_server.store.list_items("collections-actions"))
    forged = page.request.post("/collections/C2005/actions",
                               form={"action": "dunning_block", "reason": "forged"})
    assert forged.status == 403
    reader = page_as("auditor")
    reader.goto("/collections/C2005")
    expect(reader.locator("h1")).to_contain_text("Everest Hotels")
    expect(reader.locator("form[action$='/actions']")).to_have_count(0)  # no forms to send
    assert len(live_server.store.list_items("collections-actions")) == before
