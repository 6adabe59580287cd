"""The posting workload as a bare Playwright script: no selectors file, no step records.

It is what a developer writes by hand against the ERP: the same browser flags, images and
fonts blocked, the same waits on conditions. The finbots bot's overhead is measured
against it. With ``shots_dir`` it also keeps a full-page screenshot of each receipt, the
evidence the bot keeps by default, as a hand-written script would take it.
"""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Frame, Page, Route, sync_playwright

from bench.posting_workload import ERP_PASSWORD, ERP_USER, Posting, run_alone
from bots.runtime.chromium import find_chromium, launch_args


def _block(route: Route) -> None:
    if route.request.resource_type in ("image", "font", "media"):
        route.abort()
    else:
        route.fallback()


def _load(main: Frame, click: object) -> None:
    with main.expect_navigation(wait_until="load"):
        click()  # type: ignore[operator]


def _post_one(page: Page, posting: Posting, shots_dir: Path | None = None) -> str:
    menu, main = page.frame(name="menu"), page.frame(name="main")
    assert menu is not None and main is not None
    _load(main, lambda: menu.click("text=Payment Inquiry"))
    main.fill("form[name=searchForm] input[name=bankRef]", posting.bank_reference)
    _load(main, lambda: main.click("form[name=searchForm] input[type=submit]"))
    found = main.locator("xpath=//tr[td[1][normalize-space()='Confirmation No.']]"
                         "/following-sibling::tr/td[1]")
    if found.count():
        return found.first.inner_text().strip()
    _load(main, lambda: menu.click("text=Cash Receipt"))
    main.fill("input[name=custId]", posting.customer_id)
    main.fill("input[name=valueDate]", posting.value_date.isoformat())
    main.fill("input[name=bankRef]", posting.bank_reference)
    main.fill("input[name=pmtAmount]", f"{posting.amount:.2f}")
    for n, row in enumerate(posting.rows, start=1):
        main.fill(f"input[name=inv{n}]", row.invoice)
        main.fill(f"input[name=amt{n}]", f"{row.applied:.2f}")
        if row.diff:
            main.fill(f"input[name=diff{n}]", f"{row.diff:.2f}")
            main.select_option(f"select[name=reason{n}]", row.reason)
    _load(main, lambda: main.click("form[name=cashReceipt] input[type=submit]"))
    cell = main.locator("xpath=//td[normalize-space()='Confirmation No.:']"
                        "/following-sibling::td[1]")
    number = cell.inner_text().strip()
    if shots_dir is not None:
        page.screenshot(path=shots_dir / f"receipt-{posting.bank_reference}.png", full_page=True)
    return number


def post_all(erp_url: str, items: list[Posting], shots_dir: Path | None = None,
             loop_seconds: list[float] | None = None) -> list[str]:
    """Post ``items``; ``loop_seconds`` gets the seconds of the posting loop alone (without
    the browser's start and the sign-on)."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(find_chromium()), args=launch_args())
        context = browser.new_context()
        context.route("**/*", _block)
        page = context.new_page()
        page.goto(f"{erp_url}/ar/login.do")
        page.fill("input[name=userid]", ERP_USER)
        page.fill("input[name=password]", ERP_PASSWORD)
        page.click("input[type=submit]")
        page.frame_locator("frame[name=main]").locator("text=/^Welcome, /").wait_for()
        started = time.perf_counter()
        numbers = [_post_one(page, p, shots_dir) for p in items]
        if loop_seconds is not None:
            loop_seconds.append(time.perf_counter() - started)
        browser.close()
    return numbers


def main() -> None:
    run_alone("playwright", post_all)


if __name__ == "__main__":
    main()
