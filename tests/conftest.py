"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from bots.runtime.browser import shared_browser, shutdown_browser


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """The one Chromium of the test process (Playwright's sync API allows one driver)."""
    yield shared_browser()
    shutdown_browser()
