"""Legacy ERP in real Chromium, driven only through selectors/legacy_erp.yaml (both layouts)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Dialog, Locator, Page, expect
from playwright.sync_api import Error as PlaywrightError

from bots.runtime.locate import resolve
from bots.runtime.selectors import AppSelectors, load_selectors
from sandbox.erp.app import create_app
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

pytestmark = pytest.mark.browser
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SELECTORS = Path(__file__).resolve().parents[2] / "bots" / "payment_posting" / "selectors"


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "150-400")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser_page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context()
    yield context.new_page()
    context.close()


class Ui:
    """Logical selector names resolved with the runtime's fallback logic."""

    def __init__(self, page: Page, selectors: AppSelectors) -> None:
        self.page, self.selectors = page, selectors

    def all(self, name: str, page: Page | None = None) -> Locator:
        spec = self.selectors.spec(name)
        return resolve(page or self.page, "legacy_erp", spec, 10_000, "visible")[1]

    def __call__(self, name: str, page: Page | None = None) -> Locator:
        return self.all(name, page).first


@pytest.mark.parametrize("alt_layout", [False, True], ids=["classic", "alt"])
def test_post_cash_receipt_in_frameset(erp_url: str, browser_page: Page, alt_layout: bool) -> None:
    httpx.post(f"{erp_url}/_sandbox/reset").raise_for_status()
    httpx.post(f"{erp_url}/_sandbox/faults", json={"alt_layout": alt_layout}).raise_for_status()
    page, ui = browser_page, Ui(browser_page, load_selectors("legacy_erp", SELECTORS))
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", on_dialog)
    try:
        _drive(page, ui, dialogs, erp_url)
    finally:
        page.remove_listener("dialog", on_dialog)


def _drive(page: Page, ui: Ui, dialogs: list[str], erp_url: str) -> None:
    page.goto(f"{erp_url}/ar/login.do")
    ui("login.username").fill(CREDENTIALS.erp_username)
    ui("login.password").fill(CREDENTIALS.erp_password)
    ui("login.submit").click()
    ui("main.welcome")
    ui("menu.open_items").click()
    expect(ui.all("open_items.rows")).to_have_count(10)
    ui("open_items.next_page").click()
    # the count of pages follows the extensions' seeded items (collections, credit)
    expect(ui("open_items.page_info")).to_contain_text("Page 2 of ")
    with page.expect_download() as download:
        ui("export_csv").click()
    header = Path(download.value.path()).read_text().splitlines()[0]
    assert header.startswith("invoice_number,customer_id,customer_name,customer_iban")

    ui("menu.post").click()
    ui("post.customer")

    with page.expect_event("dialog"):  # empty form: the client-side check alerts
        ui("post.submit").click()
    assert dialogs == ["Customer is required."]

    with page.expect_popup() as popup_info:
        ui("post.customer_lookup").click()
    popup = popup_info.value
    popup.wait_for_load_state()
    ui("lookup.search_text", popup).fill("Dunmore")
    ui("lookup.search", popup).click()
    # the popup fills the opener's field and closes, maybe before Playwright's click returns
    with popup.expect_event("close"), contextlib.suppress(PlaywrightError):
        ui("lookup.first_result", popup).click(no_wait_after=True)
    assert ui("post.customer").input_value() == "C1004"

    ui("post.value_date").fill("20.11.2026")
    ui("post.bank_reference").fill("NWB2026112000013")
    ui("post.amount").fill("1799,20")
    ui("post.row1.invoice").fill("INV-2026-1015")
    ui("post.row1.applied").fill("1799.20")
    ui("post.row1.diff").fill("0.80")
    ui("post.row1.reason").select_option("BANK_CHARGES")
    with page.expect_event("dialog"):
        ui("post.submit").click()
    assert dialogs[1] == "Invalid payment amount '1799,20': use a dot as decimal separator."

    ui("post.amount").fill("1799.20")
    ui("post.row2.invoice").fill("INV-2026-1001")  # another customer's invoice
    with page.expect_event("dialog"):  # server side: the form comes back with an alert
        ui("post.submit").click()
    assert dialogs[2] == "Invoice INV-2026-1001 belongs to customer C1001, not C1004."
    assert "belongs to customer C1001" in ui("post.error").inner_text()
    assert ui("post.bank_reference").input_value() == "NWB2026112000013"

    ui("post.row2.invoice").fill("")
    ui("post.submit").click()
    number = ui("confirmation.number").inner_text().strip()
    assert number.startswith("CR-")
    truth = httpx.get(f"{erp_url}/_sandbox/truth").json()
    assert [p["confirmation"] for p in truth["postings"]] == [number]
    assert truth["postings"][0]["lines"][0]["write_off"] == "0.80"

    ui("menu.payment_search").click()
    ui("payment_search.bank_reference").fill("NWB2026112000013")
    ui("payment_search.submit").click()
    assert ui("payment_search.confirmations").inner_text().strip() == number
