"""The inbox in a real Chromium against the live server: filtering without a reload,
maker-checker on a write-off, and bot-supplied text that must stay text."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from caseseed import candidate, seed_case
from playwright.sync_api import Browser, Page, expect
from webharness import PASSWORD, LiveServer, login, new_context

from bots.runtime.errors import DuplicateError
from orchestrator.auth import service as accounts

pytestmark = [pytest.mark.browser, pytest.mark.web]

MAKER = "maker.approver"  # works cases and approves: must still never approve their own


@pytest.fixture(scope="module")
def maker(live_server: LiveServer, users: dict[str, str]) -> str:
    """The maker's user, and a bearer token of the same name (the same person on the API)."""
    roles = ["finance_reviewer", "approver"]
    with contextlib.suppress(DuplicateError):
        accounts.add_user(live_server.store, MAKER, PASSWORD, roles)
    if MAKER not in live_server._tokens:
        live_server._tokens[MAKER] = accounts.create_token(live_server.store, MAKER, roles,
                                                           owner=MAKER)[1]
    return MAKER


@pytest.fixture
def page_of(chromium: Browser, live_server: LiveServer) -> Iterator[Callable[[str], Page]]:
    contexts: list[Any] = []

    def make(username: str) -> Page:
        context = new_context(chromium, live_server)
        contexts.append(context)
        page = context.new_page()
        login(page, username)
        return page

    yield make
    for context in contexts:
        context.close()


def test_filtering_updates_the_table_without_a_reload(
        page_as: Callable[[str], Page], live_server: LiveServer) -> None:
    store = live_server.store
    mine = [seed_case(store, reason=r, customer="C-FILTER", payer=f"Filter Payer {r}")
            for r in ("UNMATCHED", "DUPLICATE", "DUPLICATE")]
    page = page_as("finance_reviewer")
    page.goto("/inbox?customer=C-FILTER")
    expect(page.locator("tr[data-case]")).to_have_count(3)
    page.evaluate("window.__same_page = true")

    page.locator("a.chip[data-reason=DUPLICATE]").click()

    expect(page.locator("tr[data-case]")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/inbox\?.*reason=DUPLICATE"))
    assert page.evaluate("window.__same_page") is True  # swapped by HTMX, not reloaded
    expect(page.locator("#f-reason")).to_have_value("DUPLICATE")
    page.select_option("#f-reason", "UNMATCHED")
    expect(page.locator(f"tr[data-case='{mine[0].id}']")).to_be_visible()
    expect(page.locator("tr[data-case]")).to_have_count(1)
    badge = page.locator("nav .badge")
    expect(badge).to_have_text(re.compile(r"^\d+$"))

    page.get_by_label("all on this page").check()
    page.get_by_label("Bulk action").select_option("claim")
    page.get_by_role("button", name="Apply to ticked").click()
    expect(page.locator(".notice")).to_have_text("Claim: 1 done.")
    expect(page.locator(f"tr[data-case='{mine[0].id}']")).to_contain_text("finance_reviewer")
    assert page.evaluate("window.__same_page") is True


def test_a_write_off_above_the_threshold_needs_a_second_person(
        page_of: Callable[[str], Page], maker: str, live_server: LiveServer) -> None:
    case = seed_case(live_server.store, reason="SHORT_PAYMENT", amount="4750.00",
                     payer="Helios Energy SE", customer="C1008",
                     candidates=[candidate("INV-2026-1012", "5000.00", "C1008")])
    page = page_of(maker)
    page.goto(f"/cases/{case.id}")
    form = page.locator("form.action-write_off")
    form.get_by_label("Amount").fill("250.00")
    form.get_by_label("Write-off reason").select_option("DEDUCTION")
    form.get_by_label("Dispute reason").fill("damaged goods")
    form.get_by_label("Note").fill("credit agreed with sales")
    form.get_by_role("button", name="Write off difference").click()

    expect(page.locator(".notice")).to_contain_text("Sent for approval")
    expect(page.locator(".approval-pending")).to_contain_text("You asked for this")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    page.goto("/approvals")
    row = page.locator("tr[data-approval]", has_text=f"#{case.id}")
    expect(row).to_contain_text("your request")
    expect(row.get_by_role("button", name="Approve")).to_have_count(0)
    approval = live_server.store.list_approvals("pending", case_id=case.id)[0]
    own = httpx.post(f"{live_server.url}/api/v1/approvals/{approval.id}/decide",
                     json={"approve": True},
                     headers={"Authorization": f"Bearer {live_server._tokens[maker]}"})
    assert own.status_code == 403, own.text
    assert "cannot approve it" in own.json()["detail"]

    checker = page_of("approver")
    checker.goto("/approvals")
    checker.locator("tr[data-approval]", has_text=f"#{case.id}").get_by_role(
        "button", name="Approve").click()
    expect(checker.locator(".notice")).to_contain_text("Decision recorded")

    page.goto(f"/cases/{case.id}")
    expect(page.locator("h1 .pill")).to_have_text("awaiting posting")  # the bot books it
    history = page.locator(".events")
    expect(history).to_contain_text("250.00 EUR written off on INV-2026-1012 (deduction: "
                                    "damaged goods): credit agreed with sales")
    expect(history.locator(".kind-approval_decided")).to_contain_text("approver")
    expect(history.locator(".kind-approval_requested")).to_contain_text(maker)


def test_bot_supplied_html_is_shown_as_text(
        page_as: Callable[[str], Page], live_server: LiveServer) -> None:
    nasty = "<script>window.__xss=1</script><img src=x onerror=\"window.__xss=2\">"
    case = seed_case(live_server.store, reason="UNMATCHED", amount="12.34", candidates=[],
                     customer="C-XSS", payer=f"Evil {nasty} Ltd", text=f"Invoice {nasty}")
    page = page_as("finance_reviewer")
    for url in ("/inbox?customer=C-XSS", f"/cases/{case.id}"):
        page.goto(url)
        expect(page.locator("main")).to_contain_text(f"Evil {nasty} Ltd")
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.locator("main img[src=x]").count() == 0
    expect(page.locator(".fact-remittance-text")).to_have_text(f"Invoice {nasty}")
