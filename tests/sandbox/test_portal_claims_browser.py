"""The claims desk and the customer's dispute form in real Chromium."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from sandbox.portal.app import create_app
from sandbox.portal.claims import ACCESS_CODES
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_PORTAL_DELAY_MS", "0")
        app = create_app(tmp_path_factory.mktemp("claims") / "portal.db", build_scenario())
    with serve_app(app) as url:
        yield url


def _desk_sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/claims/desk")
    expect(page.locator("#login-message")).to_have_text("Please sign in.")
    page.fill("#username", CREDENTIALS.disputes_username)
    page.fill("#password", CREDENTIALS.disputes_portal_password)
    page.click("#sign-in")
    expect(page.locator("#claims")).to_be_visible()


def test_a_dispute_filed_rejected_and_a_credit_memo_released(
        portal_url: str, chromium: Browser) -> None:
    httpx.post(f"{portal_url}/_sandbox/reset").raise_for_status()
    png = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 90, 200)).save(png, format="PNG")
    customer, desk = chromium.new_context(), chromium.new_context()
    try:
        me = customer.new_page()
        me.goto(f"{portal_url}/customer/login")
        me.fill("#customer-id", "C1005")
        me.fill("#access-code", ACCESS_CODES["C1005"])
        me.click("#sign-in")
        me.click("tr.invoice[data-invoice='INV-2026-2007'] a >> nth=0")
        expect(me.locator("#invoice-lines tr.line")).to_have_count(1)
        me.click("#dispute")
        me.check("input[name=line][value='1']")
        me.fill("#amount", "100.00")
        me.fill("#text", "Four filter cartridges were the wrong size.")
        me.set_input_files("#attachment", files=[{"name": "cartridges.png",
                                                  "mimeType": "image/png",
                                                  "buffer": png.getvalue()}])
        me.click("#submit")
        expect(me.locator("#claim-id")).to_have_text("DSP-0006")
        expect(me.locator("#claim-status")).to_have_text("submitted")

        back = desk.new_page()
        _desk_sign_in(back, portal_url)
        row = back.locator("tr.claim[data-claim-id='DSP-0006']")
        expect(row.locator(".amount")).to_have_text("100.00")
        row.locator(".claim-id a").click()
        expect(back.locator("#lines li[data-line]")).to_have_count(1)
        with back.expect_download() as download:
            back.click("a#attachment")
        assert download.value.suggested_filename == "cartridges.png"
        back.fill("#case-ref-input", "DISPUTE-77")
        back.click("#receive")
        expect(back.locator("#status")).to_have_text("received")
        expect(back.locator("#case-ref")).to_have_text("DISPUTE-77")
        back.fill("#message-input", "The cartridges match order SO-50415; please return "
                                    "them for an exchange.")
        back.click("#reject")
        expect(back.locator("#status")).to_have_text("rejected")

        me.reload()
        expect(me.locator("#claim-status")).to_have_text("rejected")
        expect(me.locator("#claim-message")).to_contain_text("return them for an exchange")

        # the pallets never delivered: a credit memo above 1,000.00 needs two approvers
        back.goto(f"{portal_url}/claims/desk/DSP-0002")
        back.click("#request-credit-memo")
        expect(back.locator("#cm-invoice")).to_have_value("INV-2026-2002")
        expect(back.locator("#cm-claim")).to_have_value("DSP-0002")
        back.fill("#cm-amount", "1249.98")
        back.fill("#cm-reason", "10 pallets not delivered")
        back.fill("#cm-reference", "DISPUTE-78:credit")
        back.click("#cm-request")
        expect(back.locator("#request-status")).to_have_text("blocked")
        back.fill("#approved-by", "Dana Kurz")
        back.click("#release")
        expect(back.locator("#error")).to_contain_text("two approvers")
        back.fill("#approved-by", "Dana Kurz, Felix Ng")
        back.click("#release")
        expect(back.locator("#request-status")).to_have_text("released")
        expect(back.locator("#credit-memo-number")).to_have_text("CM-2026-1001")
        expect(back.locator("#approved-by-value")).to_have_text("Dana Kurz, Felix Ng")
        back.click("#cm-invoice-value")
        expect(back.locator("#invoice-status")).to_have_text("partially_credited")
        expect(back.locator("#credit-memos tr.credit-memo .number")).to_have_text(
            ["CM-2026-1001"])
    finally:
        customer.close()
        desk.close()
