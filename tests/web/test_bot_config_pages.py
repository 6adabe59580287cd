"""A bot's configuration on the web and the API: the CoE changes a policy in the browser,
the change is checked and audited, and a reader can see but not change it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from webharness import LiveServer

pytestmark = pytest.mark.web


def test_developer_changes_a_document_in_the_browser(page_as: Callable[[str], Page],
                                                     live_server: LiveServer) -> None:
    page = page_as("developer")
    page.goto("/bots/web-ledger")
    page.get_by_role("link", name="limits").click()
    expect(page.locator("#config-text")).to_contain_text("tolerance: '0.05'")
    page.get_by_label("YAML").fill("tolerance: lots\n")
    page.get_by_label("Why it changes").fill("wider tolerance")
    page.get_by_role("button", name="Check and save").click()
    expect(page.get_by_role("alert")).to_contain_text("tolerance: an amount such as 0.05")
    assert live_server.store.latest_config("web-ledger", "limits") is None

    page.get_by_label("YAML").fill("tolerance: '0.10'\n")
    page.get_by_label("Why it changes").fill("wider tolerance")
    page.get_by_role("button", name="Check and save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as version 1")
    expect(page.locator("#config-diff")).to_contain_text("+tolerance: '0.10'")
    expect(page.get_by_role("cell", name="wider tolerance")).to_be_visible()
    audit = [r for r in live_server.store.list_audit(action="config.change")
             if r.target == "bot:web-ledger/config:limits"]
    assert audit and audit[0].actor == "developer"


def test_a_reader_sees_the_document_but_cannot_change_it(
        page_as: Callable[[str], Page], api: Callable[[str], Any]) -> None:
    page = page_as("support")
    page.goto("/bots/web-ledger/config/limits")
    expect(page.locator("#config-text")).to_contain_text("tolerance")
    expect(page.get_by_role("button", name="Check and save")).to_have_count(0)

    change = {"content": "tolerance: '9.99'\n", "note": "mine"}
    refused = api("finance_reviewer").put("/api/v1/bots/web-ledger/config/limits", json=change)
    assert refused.status_code == 403
    shown = api("support").get("/api/v1/bots/web-ledger/config/limits").json()
    assert "9.99" not in shown["content"]
    assert api("support").get("/api/v1/bots/web-ledger/config/nothing").status_code == 404


def test_the_api_refuses_a_lost_update(api: Callable[[str], Any]) -> None:
    client = api("developer")
    before = client.get("/api/v1/bots/web-ledger/config/limits").json()
    first = client.put("/api/v1/bots/web-ledger/config/limits", json={
        "content": f"tolerance: '{len(before['content'])}.01'\n", "note": "first",
        "previous_sha256": before["sha256"]})
    assert first.status_code == 200, first.text
    stale = client.put("/api/v1/bots/web-ledger/config/limits", json={
        "content": "tolerance: '0.02'\n", "note": "stale", "previous_sha256": before["sha256"]})
    assert stale.status_code in (409, 422) and "meanwhile" in stale.text + "reload"
    history = client.get("/api/v1/bots/web-ledger/config/limits/history").json()
    assert history[0]["note"] == "first" and history[-1]["version"] == 0


def test_a_raised_refund_limit_is_approved_by_a_second_person_in_the_browser(
        page_as: Callable[[str], Page], api: Callable[[str], Any],
        live_server: LiveServer) -> None:
    url = "/bots/refunds/config/refund_policy"
    page = page_as("developer")
    page.goto(url)
    text = page.get_by_label("YAML").input_value()
    page.get_by_label("YAML").fill(text.replace('"250.00"', '"900.00"'))
    page.get_by_label("Why it changes").fill("more refunds without a person")
    page.get_by_role("button", name="Check and save").click()
    expect(page.get_by_role("status")).to_contain_text("once a second person approves it")
    expect(page.locator("#pending-diff")).to_contain_text('+auto_refund_up_to: "900.00"')
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # a developer
    expect(page.locator("#config-text")).to_contain_text('"250.00"')  # still in use

    checker = page_as("approver")  # on the approvals page, beside the cases' requests
    checker.goto("/approvals")
    change = checker.locator("[data-config^='refunds/refund_policy/']")
    expect(change).to_contain_text('+auto_refund_up_to: "900.00"')
    expect(change).to_contain_text("more refunds without a person")
    change.get_by_role("textbox").fill("agreed with the controller")
    change.get_by_role("button", name="Approve").click()
    expect(checker.get_by_role("status")).to_contain_text("Decision recorded")
    expect(checker.locator("[data-config^='refunds/refund_policy/']")).to_have_count(0)
    page.goto(url)
    expect(page.locator("#config-text")).to_contain_text('"900.00"')
    expect(page.locator("#pending-version")).to_have_count(0)
    decided = [r for r in live_server.store.list_audit(action="config.approve")
               if r.target == "bot:refunds/config:refund_policy"]
    assert decided and decided[0].actor == "approver"
    # put the limit back as it was, the same way
    back = api("developer").put("/api/v1/bots/refunds/config/refund_policy",
                                json={"content": text, "note": "back"}).json()
    assert api("approver").post(
        f"/api/v1/bots/refunds/config/refund_policy/versions/{back['version']}/decide",
        json={"approve": True}).status_code == 200
