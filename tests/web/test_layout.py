"""The layout: navigation by permission, keyboard use with visible focus, live inbox badge."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from webharness import LiveServer
from webseed import seed_failed_run

pytestmark = pytest.mark.web

NAV = ["Dashboard", "Finance", "Inbox", "Collections", "Customers", "Statements", "Billing",
       "Disputes", "Runs", "Jobs", "Bots", "Queues", "Schedules", "Robots", "Learned", "Admin"]


@pytest.mark.parametrize(("role", "shown"), [
    ("admin", NAV),
    ("support", ["Dashboard", "Finance", "Inbox", "Disputes", "Runs", "Jobs", "Bots", "Queues",
                 "Schedules", "Robots", "Learned"]),
    ("finance_reviewer", ["Dashboard", "Finance", "Inbox", "Collections", "Customers",
                          "Statements", "Billing", "Disputes", "Runs", "Queues", "Learned"]),
    ("approver", ["Dashboard", "Finance", "Inbox", "Approvals", "Collections", "Customers",
                  "Statements", "Billing", "Disputes", "Runs", "Learned"]),
    ("auditor", ["Dashboard", "Finance", "Inbox", "Collections", "Customers", "Statements",
                 "Billing", "Disputes", "Runs", "Jobs", "Bots", "Queues", "Schedules", "Robots",
                 "Learned", "Admin"]),
])
def test_navigation_shows_what_the_role_may_open(
    page_as: Callable[[str], Page], role: str, shown: list[str]
) -> None:
    page = page_as(role)
    page.goto("/runs")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link").first).to_be_visible()  # the page has loaded
    names = [" ".join(n.split()) for n in nav.get_by_role("link").all_inner_texts()]
    assert [n.rstrip("0123456789 ") for n in names] == shown
    expect(nav.get_by_role("link", name="Runs")).to_have_attribute("aria-current", "page")


def _focus_is_visible(page: Page) -> bool:
    return bool(page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return false;
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
               && r.width > 0 && r.height > 0;
    }"""))


def test_main_pages_work_by_keyboard_with_visible_focus(
    page_as: Callable[[str], Page], live_server: LiveServer
) -> None:
    run_id = seed_failed_run(live_server.store, live_server.runs, bot="web-keys-bot")
    page = page_as("operator")
    for path in ("/", "/runs", f"/runs/{run_id}", "/jobs", "/queues", "/schedules",
                 "/robots"):
        page.goto(path)
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Skip to content")
        assert _focus_is_visible(page), path
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main", path
        if page.locator("main a, main button, main select, main input").count():
            page.keyboard.press("Tab")
            focused = page.evaluate("document.activeElement.closest('main') !== null")
            assert focused, f"{path}: Tab after the skip link goes into the content"
            assert _focus_is_visible(page), path
    # The nav is reachable by Tab, in order, and a link opens by Enter.
    page.goto("/")
    seen: list[str] = []
    while "Runs" not in seen and len(seen) < 12:
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.textContent.trim()"))
    names = [" ".join(s.split()).rstrip("0123456789 ") for s in seen]
    assert names[:5] == ["Skip to content", "fb finbots", "Dashboard", "Finance", "Runs"], seen
    page.keyboard.press("Enter")
    page.wait_for_url("**/runs")
    # Step anchors: the failure link moves to the failed row by keyboard.
    page.goto(f"/runs/{run_id}")
    page.get_by_role("link", name="Jump to first failure").focus()
    page.keyboard.press("Enter")
    assert page.url.endswith("#step-3")


def test_inputs_have_labels(page_as: Callable[[str], Page]) -> None:
    page = page_as("admin")
    for path in ("/runs", "/jobs", "/queues"):
        page.goto(path)
        unlabeled = page.evaluate("""() => [...document.querySelectorAll(
            'main input:not([type=hidden]), main select, main textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name)""")
        assert unlabeled == [], path
