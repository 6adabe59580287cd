"""Jobs, queues and items, schedules, robots: the buttons call the store and are audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from webharness import LiveServer

from orchestrator.scheduler import Leadership, leader_lock
from orchestrator.scheduler import schedules as scheduling
from orchestrator.store import ItemState

pytestmark = pytest.mark.web


def _audited(server: LiveServer, actor: str, action: str, target: str) -> bool:
    return any(r.actor == actor and r.target == target
               for r in server.store.list_audit(limit=50, action=action))


def test_operator_starts_stops_and_kills_jobs_from_the_jobs_page(
    page_as: Callable[[str], Page], live_server: LiveServer
) -> None:
    store = live_server.store
    page = page_as("operator")
    page.goto("/jobs")
    page.get_by_text("Start a job").click()
    form = page.get_by_role("form", name="Start a job")
    form.get_by_label("Bot", exact=True).select_option("web-ledger")
    form.get_by_label("Arguments").fill("mode=full\nlimit=5")
    form.get_by_role("button", name="Start job").click()
    expect(page.get_by_role("status")).to_contain_text("queued")
    job = store.list_jobs(status="pending", bot="web-ledger", limit=1)[0]
    assert job.args == {"mode": "full", "limit": 5}  # checked and typed by the bot's arguments
    assert job.requested_by == "operator" and job.trigger == "manual"
    assert _audited(live_server, "operator", "job.start", f"job:{job.id}")

    page.get_by_role("button", name=f"Stop job {job.id}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Job {job.id}: stop requested")
    assert store.get_run(job.id or 0).status == "stopped"
    assert _audited(live_server, "operator", "job.stop", f"job:{job.id}")

    running = store.create_job("payment-posting", {}, requested_by="cli")
    claimed = store.claim_job("web-robot")
    assert claimed is not None and claimed.id == running.id
    page.goto("/jobs")
    page.get_by_role("button", name=f"Kill job {running.id}").click()
    expect(page.get_by_role("status")).to_contain_text("kill requested")
    assert store.get_run(running.id or 0).kill_requested_at is not None
    assert _audited(live_server, "operator", "job.kill", f"job:{running.id}")


def test_an_unknown_bot_is_refused_with_the_reason(page_as: Callable[[str], Page]) -> None:
    page = page_as("operator")
    response = page.request.post("/jobs", form={"bot": "no-such-bot", "args": ""},
                                 headers={"X-CSRF-Token": _csrf(page)})
    assert response.status == 422
    assert "no-such-bot" in response.text()


def _csrf(page: Page) -> str:
    page.goto("/jobs")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    return token


def test_people_without_the_permission_see_no_buttons(page_as: Callable[[str], Page]) -> None:
    page = page_as("support")
    page.goto("/jobs")
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    expect(page.get_by_text("Start a job")).to_have_count(0)


def test_queue_items_retry_and_delete(
    page_as: Callable[[str], Page], live_server: LiveServer
) -> None:
    store = live_server.store
    store.ensure_queue("web-q", max_retries=0)
    store.add_item("web-q", "WQ-FAIL", {"amount": "5.00"})
    failed = store.claim_item("web-q", "robot-x")
    assert failed is not None and failed.id is not None
    store.fail_item(failed.id, "business", "UNMATCHED", "no invoice for WQ-FAIL")
    fresh = store.add_item("web-q", "WQ-NEW", {"amount": "7.00"})
    assert fresh is not None

    page = page_as("developer")
    page.goto("/queues")
    page.get_by_role("link", name="1 failed in web-q").click()
    page.get_by_role("link", name=f"#{failed.id}", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("no invoice for WQ-FAIL")
    expect(page.locator("pre").first).to_contain_text('"amount": "5.00"')
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status")).to_contain_text("Item retried as item")
    assert store.get_item(failed.id).state == ItemState.RETRIED
    assert _audited(live_server, "developer", "item.retry", f"web-q/WQ-FAIL:{failed.id}")

    page.goto(f"/items/{fresh.id}")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text(f"Item {fresh.id} deleted")
    assert store.get_item(fresh.id or 0).state == ItemState.DELETED

    page.goto("/queues/web-q")
    page.get_by_text("Add an item").click()
    form = page.get_by_role("form", name="Add an item")
    form.get_by_label("Reference").fill("WQ-ADDED")
    form.get_by_label("Payload").fill('{"amount": "9.99"}')
    form.get_by_role("button", name="Add item").click()
    expect(page.get_by_role("status")).to_contain_text("added")
    added = store.find_item("web-q", "WQ-ADDED")
    assert added is not None and added.payload == {"amount": "9.99"}


def test_schedules_pause_and_resume(
    page_as: Callable[[str], Page], live_server: LiveServer
) -> None:
    store = live_server.store
    scheduling.add_schedule(store, "web-nightly", "payment-posting", "cron",
                            {"cron": "30 22 * * *"})
    page = page_as("developer")
    page.goto("/schedules")
    row = page.locator("tr", has_text="web-nightly")
    expect(row.locator("time")).to_have_count(3)  # the next fire times
    row.get_by_role("button", name="Pause web-nightly").click()
    expect(page.get_by_role("status")).to_contain_text("paused")
    assert store.get_schedule("web-nightly").enabled is False
    page.locator("tr", has_text="web-nightly").get_by_role(
        "button", name="Resume web-nightly").click()
    assert store.get_schedule("web-nightly").enabled is True
    assert _audited(live_server, "developer", "schedule.pause", "web-nightly")


def test_robots_page_shows_state_and_heartbeat_age(
    page_as: Callable[[str], Page], live_server: LiveServer
) -> None:
    live_server.store.register_robot("web-robot-a", "host-w", 4321, 2)
    page = page_as("support")
    page.goto("/robots")
    row = page.locator("tr", has_text="web-robot-a")
    expect(row).to_contain_text("idle")
    expect(row).to_contain_text("ago")
    expect(page.get_by_text("No node leads the scheduler")).to_be_visible()

    leadership = Leadership(leader_lock(live_server.store, "node-west"), "node-west")
    assert leadership.beat()
    try:
        page.goto("/robots")
        expect(page.get_by_text("Scheduler leader: node-west")).to_be_visible()
        expect(page.locator("tr", has_text="node-west")).to_contain_text("leader")
    finally:
        leadership.stop()
