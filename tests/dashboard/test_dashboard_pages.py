"""The home page, the finance page, its API and /metrics on a live server holding only
the seeded history: each figure equals what the seed says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from history import Expected, History, expected, make_history, write_history
from playwright.sync_api import Browser, Page, expect
from prometheus_client.parser import text_string_to_metric_families
from webharness import LiveServer, login, new_context, seed_users, start_server

from orchestrator.auth import service as accounts
from orchestrator.store import utcnow

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, History]]:
    server = start_server(tmp_path_factory.mktemp("dashboard"), timeout=180)  # a busy machine
    try:
        seed_users(server.store)
        history = make_history(utcnow())
        write_history(server.store, history)
        # the finance reviewer is the collector of one customer with money overdue
        server.store.put_record("collections", "account_snapshot", "C20001", {
            "name": "Nordwind GmbH", "collector": "Finance Reviewer", "risk_class": "B",
            "overdue_total": "1840.00", "oldest_days": 41}, customer_id="C20001")
        yield server, history
    finally:
        server.stop()


@pytest.fixture
def page_of(chromium: Browser, seeded: tuple[LiveServer, History]
            ) -> Iterator[Callable[[str], Page]]:
    server, _ = seeded
    contexts: list[Any] = []

    def make(user: str) -> Page:
        context = new_context(chromium, server)
        contexts.append(context)
        page = context.new_page()
        login(page, user)
        return page

    yield make
    for context in contexts:
        context.close()


def _get(server: LiveServer, role: str, path: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {server.token(role)}"} if role else {}
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=30)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def test_the_approver_sees_their_four_approvals_first(
        page_of: Callable[[str], Page], seeded: tuple[LiveServer, History]) -> None:
    page = page_of("approver")
    page.goto("/")
    first = page.locator("main section.card").first
    expect(first.get_by_role("heading", name="Waiting for you")).to_be_visible()
    expect(first.locator("[data-figure=approvals-waiting]")).to_have_text("4")
    expect(first.locator("[data-waiting-block=approvals] li")).to_have_count(4)
    expect(page.locator("nav [data-badge=approvals]")).to_have_text("4")
    expect(page.get_by_text("Nothing waits")).to_have_count(0)
    page.locator("nav").get_by_role("link", name="Approvals").click()
    expect(page.locator("tr[data-approval]")).to_have_count(7)  # every pending one is listed


def test_the_finance_reviewer_sees_their_cases_and_worklist(
        page_of: Callable[[str], Page], seeded: tuple[LiveServer, History]) -> None:
    page = page_of("finance_reviewer")
    page.goto("/")
    first = page.locator("main section.card").first
    expect(first.locator("[data-figure=cases-assigned]")).to_have_text("3")
    expect(first.locator("[data-figure=worklist-customers]")).to_have_text("1")
    expect(first.locator("[data-waiting-block=worklist]")).to_contain_text("Nordwind GmbH")
    expect(first.locator("[data-waiting-block=approvals]")).to_have_count(0)
    expect(page.get_by_text("Nothing waits")).to_have_count(0)


def test_nothing_waits_is_said_only_when_nothing_waits(
        page_of: Callable[[str], Page]) -> None:
    page = page_of("auditor")  # reads everything, decides and works nothing
    page.goto("/")
    expect(page.locator("[data-waiting='0']")).to_contain_text("Nothing waits for you")


def test_the_finance_page_shows_the_seeded_figures(
        page_of: Callable[[str], Page], seeded: tuple[LiveServer, History]) -> None:
    _, history = seeded
    want = expected(history)
    page = page_of("finance_reviewer")
    page.goto("/finance")
    eur = want.cash_month.get("EUR", Decimal(0))
    expect(page.locator("[data-figure=cash-month]")).to_contain_text(_money(eur))
    expect(page.locator("[data-figure=unapplied]")).to_contain_text(_money(want.unapplied))
    expect(page.locator("[data-figure=past-sla]")).to_have_text(str(sum(want.past_sla.values())))
    finished = sum(f for f, _ in want.stp.values())
    rate = sum(s for _, s in want.stp.values()) / finished
    expect(page.locator("[data-figure=stp]")).to_have_text(f"{rate * 100:.1f} %")
    for reason in {r for r, _ in want.exceptions}:
        total = sum(a for (r, _), (_, a) in want.exceptions.items() if r == reason)
        expect(page.locator(f"tr[data-reason='{reason}'] [data-col=amount]")
               ).to_contain_text(_money(total))
    expect(page.locator("svg.chart[role=img]")).to_have_count(6)
    expect(page.locator("[data-figure=leakage]")).to_contain_text("1,234.56")


def _check_api(body: dict[str, Any], want: Expected) -> None:
    assert {r["currency"]: Decimal(r["amount"]) for r in body["cash_applied_today"]} \
        == want.cash_today
    assert Decimal(body["unapplied_waiting"]["amount"]) == want.unapplied
    per = {p["process"]: p for p in body["processes"]}
    for process, (finished, stp) in want.stp.items():
        assert (per[process]["items_finished"], per[process]["items_straight_through"]) \
            == (finished, stp)
    assert body["approvals"]["pending"] == want.approvals_pending
    assert body["approvals"]["median_seconds"] == pytest.approx(want.approval_median)


def test_the_api_and_metrics_give_the_same_figures(seeded: tuple[LiveServer, History]) -> None:
    server, history = seeded
    want = expected(history)
    _check_api(_get(server, "auditor", "/api/v1/dashboard/finance").json(), want)
    _record, token = accounts.create_token(server.store, "dash-approver", ["approver"],
                                           owner="approver")  # the approver's own token
    home = httpx.get(f"{server.url}/api/v1/home", timeout=30,
                     headers={"Authorization": f"Bearer {token}"}).json()
    assert home["approvals_waiting"] == 4

    response = _get(server, "support", "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    for currency, amount in want.cash_month.items():
        key = ("finbots_cash_applied_amount", (("currency", currency), ("period", "month")))
        assert Decimal(str(samples[key])) == Decimal(amount)  # to the cent
    for (reason, bucket), (count, amount) in want.exceptions.items():
        labels = (("bucket", bucket), ("reason", reason))
        assert samples[("finbots_exceptions_waiting", labels)] == count
        assert Decimal(str(samples[("finbots_exceptions_waiting_amount", labels)])) == \
            Decimal(amount)
    for process, n in want.past_sla.items():
        assert samples[("finbots_sla_breaches_open", (("process", process),))] == n
    for process, n in want.reopened.items():
        assert samples[("finbots_cases_reopened_30d", (("process", process),))] == n
    assert samples[("finbots_approvals_pending", ())] == want.approvals_pending
    assert samples[("finbots_approval_delay_seconds_30d", (("quantile", "0.9"),))] \
        == pytest.approx(want.approval_p90)
    assert samples[("finbots_revenue_leakage_amount", (("cause", "total"),))] == 1234.56


def test_metrics_need_a_token_that_may_read_them(seeded: tuple[LiveServer, History]) -> None:
    server, _ = seeded
    assert _get(server, "finance_reviewer", "/metrics").status_code == 403
    assert _get(server, "", "/metrics").status_code in (303, 401)
