"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings
from playwright.sync_api import Browser

from bots.runtime.browser import shared_browser, shutdown_browser

# CI replays the same examples every time (a red build names a change, not a dice roll);
# HYPOTHESIS_PROFILE=explore searches fresh examples, more of them, when hunting for bugs.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """The one Chromium of the test process (Playwright's sync API allows one driver)."""
    yield shared_browser()
    shutdown_browser()
