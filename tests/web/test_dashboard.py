"""The dashboard shows the store's figures for seeded history, with its charts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from webharness import LiveServer
from webseed import seed_fleet

from orchestrator.store import utcnow
from orchestrator.store.figures import midnight

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> dict[str, int]:
    return seed_fleet(live_server.store, bot="web-dash-bot", tag="D")


def test_dashboard_renders_the_figures(
    page_as: Callable[[str], Page], live_server: LiveServer, seeded: dict[str, int]
) -> None:
    store = live_server.store
    page = page_as("support")
    page.goto("/")
    today = sum(store.runs_by_status(midnight(utcnow())).values())
    expect(page.locator("[data-figure=runs-today]")).to_have_text(str(today))
    # seed_fleet: 10 items of which 8 successful, by runs of its own bot
    expect(page.locator("[data-rate='web-dash-bot']")).to_have_text("80.0 %")
    open_total = sum(r.total for r in store.open_cases_by_age())
    expect(page.locator("[data-figure=open-exceptions]")).to_contain_text(str(open_total))
    assert open_total >= seeded["open_cases"]
    # three cases resolved 2 h, 6 h and 30 h after creation: median 6 h, one late
    sla = store.sla_figures(utcnow().replace(year=2000))
    if sla.resolved == 3:
        expect(page.locator("[data-figure=median-resolve]")).to_contain_text("6h 00m")
    expect(page.locator("svg.chart[role=img]")).to_have_count(5)
    expect(page.get_by_role("img", name="Runs per day, last 14 days: successful and failed")
           ).to_be_visible()
    ages = page.locator("section", has=page.get_by_role("heading",
                                                        name="Open exceptions by reason"))
    expect(ages.locator("tr", has_text="SHORT_PAYMENT")).to_be_visible()


def test_dashboard_api_gives_the_same_figures(
    api: Callable[[str], Any], live_server: LiveServer, seeded: dict[str, int]
) -> None:
    body = api("auditor").get("/api/v1/dashboard").json()
    bots = {b["bot"]: b for b in body["bots"]}
    assert bots["web-dash-bot"]["processed"] == 10
    assert bots["web-dash-bot"]["success_rate"] == pytest.approx(0.8)
    assert len(body["runs_per_day"]) == 14
    assert body["age_buckets"] == ["< 1 d", "1–3 d", "3–7 d", "> 7 d"]
    assert body["sla"]["open_overdue"] >= 3  # cases 5, 9 and 12 days old, SLA 48 h
    assert {r["name"] for r in body["robots"]} >= {"d-robot-1", "d-robot-2"}
