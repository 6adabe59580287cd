"""Billing portal in real Chromium, driven only through selectors/billing_portal.yaml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from bots.runtime.locate import resolve
from bots.runtime.selectors import AppSelectors, load_selectors
from sandbox.portal.app import create_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SELECTORS = Path(__file__).resolve().parents[2] / "bots" / "payment_posting" / "selectors"


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_PORTAL_DELAY_MS", "300-800")
        app = create_app(tmp_path_factory.mktemp("portal") / "portal.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def context_factory(chromium: Browser) -> Browser:
    return chromium


class Ui:
    def __init__(self, page: Page, selectors: AppSelectors) -> None:
        self.page, self.selectors = page, selectors

    def all(self, name: str, state: str = "visible") -> Locator:
        spec = self.selectors.spec(name)
        return resolve(self.page, "billing_portal", spec, 10_000, state)[1]

    def __call__(self, name: str) -> Locator:
        return self.all(name).first


@pytest.mark.parametrize("alt_layout", [False, True], ids=["classic", "alt"])
def test_search_detail_and_status_change(portal_url: str, context_factory: object,
                                         alt_layout: bool) -> None:
    httpx.post(f"{portal_url}/_sandbox/reset").raise_for_status()
    httpx.post(f"{portal_url}/_sandbox/faults", json={"alt_layout": alt_layout})
    context = context_factory.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        ui = Ui(page, load_selectors("billing_portal", SELECTORS))
        page.goto(portal_url + "/")
        ui("login.username").fill(CREDENTIALS.portal_username)
        ui("login.password").fill(CREDENTIALS.portal_password)
        ui("login.submit").click()

        ui("search.customer").fill("Castellan")
        ui("search.submit").click()
        ui("search.spinner")  # results come after a delay, behind a spinner
        expect(ui.all("search.results_row")).to_have_count(5)  # and INV-2026-2006 of the claims
        ui.all("search.results_link").filter(has_text="INV-2026-1004").click()

        expect(ui("detail.status")).to_have_text("Open")
        assert ui("detail.number").inner_text() == "INV-2026-1004"
        assert ui("detail.amount").inner_text() == "750.00 EUR"
        ui("status.select").select_option("paid")
        ui("status.save").click()  # no note: refused in the page, nothing sent
        expect(ui("status.error")).not_to_be_empty()

        ui("status.note").fill("Cash receipt CR-2026-000101 posted")
        ui("status.save").click()
        expect(ui("toast")).to_have_text("Status updated")
        expect(ui("detail.status")).to_have_text("Paid")
        expect(ui.all("detail.history").first).to_contain_text("CR-2026-000101")
        expect(page.locator("#toasts > *")).to_have_count(0, timeout=5000)  # toast fades
    finally:
        context.close()
    truth = httpx.get(f"{portal_url}/_sandbox/truth").json()
    inv = next(i for i in truth["invoices"] if i["invoice_number"] == "INV-2026-1004")
    assert inv["status"] == "paid"
    assert inv["notes"][-1]["text"] == "Cash receipt CR-2026-000101 posted"
