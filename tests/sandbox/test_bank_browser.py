"""The sandbox bank in real Chromium, driven through selectors/sandbox_bank.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyotp
import pytest
import yaml
from lxml import etree

from sandbox.scenario import CREDENTIALS, build_scenario

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

    from tests.sandbox.conftest import Target

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SELECTORS_FILE = (Path(__file__).resolve().parents[2] / "bots" / "payment_posting" / "selectors"
                  / "sandbox_bank.yaml")

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium")]


def selectors() -> dict[str, list[str]]:
    raw: dict[str, Any] = yaml.safe_load(SELECTORS_FILE.read_text())["selectors"]
    return {name: spec if isinstance(spec, list) else spec["locators"]
            for name, spec in raw.items()}


SELECTORS = selectors()


def find(page: Page, name: str) -> Locator:
    """The first locator of ``name`` that matches on the current page, tried in order."""
    for candidate in SELECTORS[name]:
        locator = page.locator(candidate)
        if locator.count() > 0:
            return locator.first
    raise AssertionError(f"no locator of {name!r} matches on {page.url}")


@pytest.fixture(scope="module")
def browser(chromium: Browser) -> Browser:
    return chromium


@pytest.mark.parametrize("alt_layout", [False, True], ids=["classic", "alt"])
def test_login_with_totp_and_download_a_statement(
        bank: Target, browser: Browser, tmp_path: Path, alt_layout: bool) -> None:
    bank.faults(alt_layout=alt_layout)
    scenario = build_scenario()
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{bank.url}/login")
        find(page, "login.username").fill(CREDENTIALS.bank_username)
        find(page, "login.password").fill(CREDENTIALS.bank_password)
        find(page, "login.submit").click()
        page.wait_for_url("**/login/mfa")
        find(page, "mfa.code").fill(pyotp.TOTP(CREDENTIALS.bank_totp_seed).now())
        find(page, "mfa.submit").click()
        page.wait_for_url("**/accounts")
        assert scenario.company_iban in find(page, "accounts.iban").inner_text()
        find(page, "nav.statements").click()
        page.wait_for_url("**/statements")
        find(page, "statements.date").fill("2026-11-20")
        find(page, "statements.format").select_option("camt053")
        with page.expect_download() as info:
            find(page, "statements.download").click()
        download = info.value
        assert download.suggested_filename == f"STMT_{scenario.company_iban}_20261120.xml"
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        find(page, "logout").click()
        page.wait_for_url("**/login?logged_out=1")
    finally:
        context.close()
    root = etree.parse(str(target), etree.XMLParser(resolve_entities=False)).getroot()
    ns = {"c": root.nsmap[None]}
    closing = root.xpath("//c:Bal[c:Tp/c:CdOrPrtry/c:Cd='CLBD']/c:Amt/text()", namespaces=ns)
    assert closing == [str(scenario.closing_balance)]
    assert bank.truth()["logins"] == 1
    assert [d["format"] for d in bank.truth()["downloads"]] == ["camt053"]
