"""Posting benchmark, browser variant: rpaframework's Selenium library on headless Chromium.

Goes through the ERP's frameset the way a person does: menu link in frame "menu", the
page in frame "main", payment inquiry by bank reference, then the cash receipt form,
then the confirmation number read from the answer page.

    python -m bench.posting_selenium [--extra-exact N]
"""

from __future__ import annotations

from RPA.Browser.Selenium import Selenium
from selenium.webdriver import ChromeOptions
from selenium.webdriver.chrome.service import Service as ChromeService

from bench.posting_workload import ERP_PASSWORD, ERP_USER, Posting, run_alone

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage")
TIMEOUT = "30 s"

MENU_SEARCH = "xpath://a[normalize-space()='Payment Inquiry']"
MENU_POST = "xpath://a[normalize-space()='Cash Receipt']"
SEARCH_REF = "css:form[name=searchForm] input[name=bankRef]"
SEARCH_SUBMIT = "css:form[name=searchForm] input[type=submit]"
SEARCH_NONE = "xpath://font[starts-with(normalize-space(), 'No payments found')]"
SEARCH_ROW = "xpath://tr[td[1][normalize-space()='Confirmation No.']]/following-sibling::tr/td[1]"
SEARCH_DONE = ("xpath://font[starts-with(normalize-space(), 'No payments found')]"
               " | //td[normalize-space()='Confirmation No.']")
FORM = "css:form[name=cashReceipt] "
POST_SUBMIT = FORM + "input[type=submit][value='Post']"
CONFIRMATION = "xpath://td[normalize-space()='Confirmation No.:']/following-sibling::td[1]"


def chromium_options() -> ChromeOptions:
    options = ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"profile.managed_default_content_settings.images": 2})
    return options


def open_menu(browser: Selenium, link: str) -> None:
    """Click a menu link, then work in the content frame."""
    browser.unselect_frame()
    browser.select_frame("name:menu")
    browser.click_element(link)
    browser.unselect_frame()
    browser.select_frame("name:main")


def login(browser: Selenium, erp_url: str) -> None:
    browser.open_browser(f"{erp_url}/ar/login.do", browser="chrome", options=chromium_options(),
                         service=ChromeService(executable_path=CHROMEDRIVER))
    browser.wait_until_element_is_visible("name:userid")
    browser.input_text("name:userid", ERP_USER)
    # input_password needs a running Robot Framework context; input_text does not
    browser.input_text("name:password", ERP_PASSWORD)
    browser.click_element("css:form[name=logonForm] input[type=submit]")
    browser.wait_until_page_contains_element("css:frame[name=menu]")
    browser.select_frame("name:menu")
    browser.wait_until_element_is_visible(MENU_POST)


def already_posted(browser: Selenium, bank_reference: str) -> str | None:
    """The confirmation number of an existing posting of this reference, if any."""
    open_menu(browser, MENU_SEARCH)
    browser.wait_until_element_is_visible(SEARCH_REF)
    browser.input_text(SEARCH_REF, bank_reference)
    browser.click_element(SEARCH_SUBMIT)
    browser.wait_until_page_contains_element(SEARCH_DONE)
    if browser.get_element_count(SEARCH_NONE):
        return None
    return str(browser.get_text(SEARCH_ROW)).strip()


def post_one(browser: Selenium, posting: Posting) -> str:
    open_menu(browser, MENU_POST)
    browser.wait_until_element_is_visible(FORM + "input[name=custId]")
    browser.input_text(FORM + "input[name=custId]", posting.customer_id)
    browser.input_text(FORM + "input[name=valueDate]", posting.value_date.isoformat())
    browser.input_text(FORM + "input[name=bankRef]", posting.bank_reference)
    browser.input_text(FORM + "input[name=pmtAmount]", str(posting.amount))
    for n, row in enumerate(posting.rows, start=1):
        browser.input_text(FORM + f"input[name=inv{n}]", row.invoice)
        browser.input_text(FORM + f"input[name=amt{n}]", str(row.applied))
        if row.diff:
            browser.input_text(FORM + f"input[name=diff{n}]", str(row.diff))
        if row.reason != "NONE":
            browser.select_from_list_by_value(FORM + f"select[name=reason{n}]", row.reason)
    browser.click_element(POST_SUBMIT)
    browser.wait_until_element_is_visible(CONFIRMATION)
    return str(browser.get_text(CONFIRMATION)).strip()


def post_all(erp_url: str, postings: list[Posting]) -> list[str]:
    """Post every posting (skipping those already in the ERP); confirmation numbers."""
    browser = Selenium(timeout=TIMEOUT)
    result: list[str] = []
    try:
        login(browser, erp_url)
        for posting in postings:
            existing = already_posted(browser, posting.bank_reference)
            result.append(existing or post_one(browser, posting))
    finally:
        browser.close_all_browsers()
    return result


def main(argv: list[str] | None = None) -> None:
    run_alone("selenium", post_all, argv)


if __name__ == "__main__":
    main()
