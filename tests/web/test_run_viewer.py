"""Support engineers read why a bot failed: the run list, the failing step, its screenshot,
a huge log page by page, live updates of an active run."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from webharness import LiveServer
from webseed import seed_failed_run, write_log

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def failed_run(live_server: LiveServer) -> int:
    return seed_failed_run(live_server.store, live_server.runs, bot="web-viewer-bot")


def test_support_follows_a_failed_run_to_the_failing_step_and_its_screenshot(
    page_as: Callable[[str], Page], failed_run: int
) -> None:
    page = page_as("support")
    page.goto("/runs")
    page.get_by_label("Bot", exact=True).select_option("web-viewer-bot")
    page.get_by_label("Status", exact=True).select_option("failed")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=f"#{failed_run}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("web-viewer-bot")
    expect(page.get_by_role("alert")).to_contain_text("ERP_TIMEOUT")

    page.get_by_role("link", name="Jump to first failure").click()
    assert page.url.endswith("#step-3")
    row = page.locator("#step-3")
    expect(row).to_have_class("failed")
    expect(row).to_contain_text("posting.submit")
    expect(row).to_contain_text("Timeout 15000ms")
    expect(row).to_contain_text("exact match")  # the rule applied
    expect(row).to_contain_text("INV-1007")  # the data used

    row.get_by_role("link", name="Screenshot of step 3, enlarge").click()
    box = page.locator(".lightbox:target")
    expect(box).to_be_visible()
    image = box.locator("img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 320
    box.get_by_role("link", name="Close").click()
    expect(page.locator(".lightbox:target")).to_have_count(0)
    trace = page.get_by_role("link", name="Download trace.zip")
    assert trace.get_attribute("href") == f"/runs/{failed_run}/trace.zip"
    expect(page.get_by_text("playwright show-trace trace.zip")).to_be_visible()


def test_a_100000_line_log_loads_quickly_and_pages(
    page_as: Callable[[str], Page], live_server: LiveServer, failed_run: int
) -> None:
    run_id = seed_failed_run(live_server.store, live_server.runs, bot="web-log-bot")
    write_log(live_server.run_dir(run_id) / "bot.log", 100_000, error_every=997)
    page = page_as("support")
    started = time.monotonic()
    page.goto(f"/runs/{run_id}")
    lines = page.locator("#log-lines .ln")
    expect(lines).to_have_count(500)
    assert time.monotonic() - started < 5
    page.get_by_role("link", name="Load more").click()
    expect(lines).to_have_count(1000)
    expect(lines.last).to_contain_text("line 1000:")
    expect(lines.last.locator(".no")).to_have_text("1000")

    page.get_by_label("Level at least").select_option("ERROR")
    page.get_by_role("button", name="Show").click()
    expect(lines.first).to_contain_text("line 997:")
    assert all("ERROR" in t for t in lines.all_inner_texts())

    page.get_by_label("Level at least").select_option("")
    page.get_by_label("Text").fill("line 54321:")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#log-lines")).to_contain_text("keep looking")
    for _ in range(5):  # each page scans a bounded part of the file
        if lines.count():
            break
        page.locator("#log-lines").get_by_role("link", name="Load more").click()
        page.wait_for_load_state("networkidle")
    expect(lines).to_have_count(1)
    expect(lines.first.locator(".no")).to_have_text("54321")

    page.goto(f"/runs/{run_id}/log?tail=1")
    expect(lines).to_have_count(500)
    expect(lines.last.locator(".no")).to_have_text("100000")


def test_a_running_run_updates_live_and_stops_polling_when_it_ends(
    page_as: Callable[[str], Page], live_server: LiveServer
) -> None:
    store = live_server.store
    run = store.start_run("web-live-bot", {})
    assert run.id is not None
    page = page_as("support")
    page.goto(f"/runs/{run.id}")
    expect(page.locator("#live .pill").first).to_have_text("running")
    assert page.locator("#live").get_attribute("hx-trigger") == "every 2s"
    store.add_step(run.id, action="open", app="billing_portal", outcome="ok", duration_ms=5)
    store.finish_run(run.id, "successful", {"items_ok": 1})
    expect(page.locator("#live .pill").first).to_have_text("successful", timeout=8000)
    expect(page.locator("#step-1")).to_contain_text("billing_portal")
    assert page.locator("#live").get_attribute("hx-trigger") is None
    expect(page.get_by_role("status")).to_have_text(f"Run {run.id} is now successful.")
