"""A bot that opens the legacy ERP's first page in the process's browser (the browser
server's when ``FINBOTS_BROWSER_WS`` is set) and says what it saw."""

from __future__ import annotations

import os

from bots.runtime import Bot, RunContext
from bots.runtime.browser import shared_browser

BOT = Bot(name="mh-browse", version="1", description="Opens the ERP (multi-host test).")


@BOT.task
def browse(ctx: RunContext) -> dict[str, str]:
    browser = shared_browser()
    page = browser.new_page()
    try:
        page.goto(os.environ["FINBOTS_LEGACY_ERP_URL"])
        return {"title": page.title(), "remote": str(bool(os.environ.get("FINBOTS_BROWSER_WS")))}
    finally:
        page.close()
