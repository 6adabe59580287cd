"""The Bots pages and API: every bot found, what it declares, and a job started from a form
generated from its arguments, checked by the same service as the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from webharness import LiveServer

from orchestrator.services.bot_models import ArgumentOut
from orchestrator.web.bot_pages import form_args

pytestmark = pytest.mark.web


@pytest.fixture(autouse=True)
def _no_pending_jobs_left(live_server: LiveServer) -> Iterator[None]:
    """The server is shared: jobs these tests queue must not wait for another test's robot."""
    yield
    for job in live_server.store.list_jobs(status="pending", bot="web-ledger", limit=None):
        live_server.store.request_stop(job.id or 0, "web-test")


def test_form_args_reads_each_input_kind() -> None:
    arguments = [ArgumentOut(name=n, type=t, required=False)
                 for n, t in (("day", "date"), ("limit", "int"), ("dry_run", "bool"),
                              ("mode", "choice"), ("note", "str"))]
    raw = form_args(arguments, {"arg.day": ["2026-01-05"], "arg.limit": [" 5 "],
                                "arg.mode": [""], "arg.note": ["x"], "csrf_token": ["t"]})
    assert raw == {"day": "2026-01-05", "limit": "5", "dry_run": "false", "note": "x"}
    assert form_args(arguments, {"arg.dry_run": ["true"]}) == {"dry_run": "true"}


def test_the_bots_api_lists_every_bot_with_its_declaration(
    api: Callable[[str], Any], live_server: LiveServer
) -> None:
    client = api("support")
    bots = {b["name"]: b for b in client.get("/api/v1/bots").json()}
    assert {"web-ledger", "payment-posting"} <= set(bots)
    bot = bots["web-ledger"]
    assert (bot["version"], bot["apps"], bot["error"]) == ("0.2.0", ["ledger"], None)
    assert bot["credentials"] == {"ledger_credential": "ledger/web"}
    assert [(a["name"], a["type"]) for a in bot["arguments"]] == [
        ("day", "date"), ("limit", "int"), ("mode", "choice"), ("dry_run", "bool"),
        ("tolerance", "decimal"), ("note", "str")]
    assert bot["case_types"][0]["reason"] == "OVERPAID"
    assert bot["case_types"][0]["resolutions"][0] == {
        "name": "refund", "label": "Refund the difference", "approval": "refund",
        "carried_out": True}
    assert "webbots" in bot["origin"]

    job = api("operator").post("/api/v1/jobs", json={"bot": "web-ledger",
                                                     "args": {"limit": "3"}}).json()
    shown = client.get("/api/v1/bots/web-ledger", params={"runs": 3}).json()
    assert shown["last_runs"][0]["id"] == job["id"]
    assert client.get("/api/v1/bots/no-such-bot").status_code == 404


def test_a_wrong_argument_is_refused_by_the_api_naming_it(api: Callable[[str], Any],
                                                          live_server: LiveServer) -> None:
    before = len(live_server.store.list_jobs(bot="web-ledger", limit=None))
    bad = api("operator").post("/api/v1/jobs", json={"bot": "web-ledger",
                                                     "args": {"limit": "lots"}})
    assert bad.status_code == 422 and "argument 'limit' must be a int" in bad.text
    unknown = api("operator").post("/api/v1/jobs", json={"bot": "web-ledger",
                                                         "args": {"colour": "red"}})
    assert unknown.status_code == 422 and "no argument 'colour'" in unknown.text
    assert len(live_server.store.list_jobs(bot="web-ledger", limit=None)) == before

    job = api("operator").post("/api/v1/jobs", json={
        "bot": "web-ledger", "args": {"day": "2026-01-05", "dry_run": "yes"}}).json()
    assert job["args"] == {"day": "2026-01-05", "dry_run": True}
    assert live_server.store.get_run(job["id"]).credentials == ["ledger/web"]


def test_operator_starts_a_job_from_the_bots_form(page_as: Callable[[str], Page],
                                                  live_server: LiveServer) -> None:
    page = page_as("operator")
    page.goto("/bots")
    page.get_by_role("link", name="web-ledger").click()
    expect(page.get_by_role("heading", name="Case types")).to_be_visible()
    expect(page.get_by_text("Refund the difference")).to_be_visible()
    form = page.get_by_role("form", name="Start a job of web-ledger")
    assert form.get_by_label("day (date)").get_attribute("type") == "date"
    assert form.get_by_label("limit (int)").get_attribute("type") == "number"
    assert form.get_by_label("dry run").get_attribute("type") == "checkbox"
    assert form.get_by_label("mode (choice)").evaluate("e => e.tagName") == "SELECT"

    form.get_by_label("day (date)").fill("2026-02-27")
    form.get_by_label("limit (int)").fill("12")
    form.get_by_label("mode (choice)").select_option("full")
    form.get_by_label("dry run").check()
    form.get_by_label("tolerance (decimal)").fill("0.05")
    form.get_by_role("button", name="Start job").click()
    expect(page.get_by_role("status")).to_contain_text("queued")
    job = live_server.store.list_jobs(bot="web-ledger", limit=1)[0]
    assert job.args == {"day": "2026-02-27", "limit": 12, "mode": "full", "dry_run": True,
                        "tolerance": "0.05"}
    assert job.requested_by == "operator" and job.credentials == ["ledger/web"]

    page.goto("/bots/web-ledger")
    expect(page.get_by_role("link", name=f"#{job.id}")).to_be_visible()  # its last runs


def test_a_refused_argument_shows_the_form_again_with_the_reason(
    page_as: Callable[[str], Page], live_server: LiveServer
) -> None:
    page = page_as("operator")
    page.goto("/bots/web-ledger")
    form = page.get_by_role("form", name="Start a job of web-ledger")
    tolerance = form.get_by_label("tolerance (decimal)")
    tolerance.evaluate("e => e.type = 'text'")  # past the browser's own check
    tolerance.fill("a lot")
    before = len(live_server.store.list_jobs(bot="web-ledger", limit=None))
    form.get_by_role("button", name="Start job").click()
    expect(page.get_by_role("alert")).to_contain_text("argument 'tolerance' must be a decimal")
    expect(page.get_by_role("form", name="Start a job of web-ledger")
           .get_by_label("tolerance (decimal)")).to_have_attribute("value", "a lot")
    assert len(live_server.store.list_jobs(bot="web-ledger", limit=None)) == before


def test_the_form_sets_the_failures_in_a_row_that_stop_the_run(
    page_as: Callable[[str], Page], live_server: LiveServer
) -> None:
    page = page_as("operator")
    page.goto("/bots/web-ledger")
    form = page.get_by_role("form", name="Start a job of web-ledger")
    stop = form.get_by_label("Stop after application failures in a row")
    expect(form).to_contain_text("blank: the bot's 5; 0: never")
    before = len(live_server.store.list_jobs(bot="web-ledger", limit=None))
    stop.evaluate("e => e.removeAttribute('pattern')")  # past the browser's own check
    stop.fill("two")
    form.get_by_role("button", name="Start job").click()
    expect(page.get_by_role("alert")).to_contain_text("stop after failures in a row")
    assert len(live_server.store.list_jobs(bot="web-ledger", limit=None)) == before

    form = page.get_by_role("form", name="Start a job of web-ledger")
    form.get_by_label("Stop after application failures in a row").fill("2")
    form.get_by_role("button", name="Start job").click()
    expect(page.get_by_role("status")).to_contain_text("queued")
    job = live_server.store.list_jobs(bot="web-ledger", limit=1)[0]
    assert job.args["stop_after_failures"] == 2


def test_a_reader_sees_the_bots_but_no_start_form(page_as: Callable[[str], Page]) -> None:
    page = page_as("support")
    page.goto("/bots/web-ledger")
    expect(page.get_by_role("heading", name="Arguments")).to_be_visible()
    expect(page.get_by_role("form", name="Start a job of web-ledger")).to_have_count(0)
    page.goto("/jobs")
    expect(page.get_by_role("link", name="Bots", exact=True)).to_be_visible()
