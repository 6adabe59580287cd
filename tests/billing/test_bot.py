"""The billing-validation bot on the seeded billing run (the session's sandbox, real
Chromium): exactly the clean drafts are released in the portal, each with a schema-valid
EN 16931 e-invoice; every faulty draft is one case naming the rule the scenario expects;
every rule result is a step and a record; a rerun releases nothing twice and opens no
second case; ``finbots sandbox check`` finds the portal as expected."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sandboxharness import Sandbox

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from botharness import BillingHome, Portal, billing_home

from bots.billing.case_types import FAILED
from bots.billing.einvoice import check_einvoice
from bots.runtime.finance_events import FINANCE_EVENT
from orchestrator.app import create_app
from orchestrator.auth import service as accounts

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def home(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BillingHome]:
    with billing_home(tmp_path_factory.mktemp("billing-bot"), sandbox) as found:
        yield found


@pytest.fixture(scope="module")
def first_run(home: BillingHome) -> dict[str, Any]:
    return home.run()


def expected(portal: Portal) -> tuple[set[str], dict[str, str]]:
    """The drafts the scenario expects released, and the rule of each expected case."""
    truth = portal.truth()["expected"]
    clean = {n for n, outcome in truth.items() if outcome == "release"}
    faulty = {n: outcome.split(":", 1)[1] for n, outcome in truth.items()
              if outcome.startswith("case:")}
    return clean, faulty


def test_exactly_the_clean_drafts_are_released_with_a_valid_einvoice(
        first_run: dict[str, Any], sandbox: Sandbox) -> None:
    portal = Portal(sandbox)
    clean, faulty = expected(portal)
    assert clean and faulty
    assert first_run["checked"] == len(clean) + len(faulty)
    invoices = portal.invoices()
    released = {n for n in clean | set(faulty) if invoices[n]["status"] == "released"}
    assert released == clean
    for number in sorted(clean):
        assert check_einvoice(portal.einvoice(number)) == [], number
        assert invoices[number]["xml_sha256"]
    assert all(invoices[n]["status"] == "draft" for n in faulty)


def test_every_faulty_draft_is_one_case_naming_its_rule(
        first_run: dict[str, Any], home: BillingHome, sandbox: Sandbox) -> None:
    _, faulty = expected(Portal(sandbox))
    cases = home.store.list_cases(reason_code=FAILED)
    by_draft: dict[str, list[Any]] = {}
    for case in cases:
        by_draft.setdefault(case.data["draft"]["number"], []).append(case)
    assert set(by_draft) == set(faulty)
    unnamed = {}
    for number, rule in faulty.items():
        [case] = by_draft[number]
        named = {r["rule"] for r in case.data["failed_rules"]}
        if rule not in named:
            unnamed[number] = (rule, sorted(named))
        assert case.rule in named and case.data["expected"] and case.data["found"]
        assert case.data["contract"]["lines"] and case.data["draft"]["lines"]
        assert case.reference.startswith(f"{number}#")
    assert unnamed == {}  # draft: (the rule the scenario expects, the rules the case names)


def test_every_rule_result_is_a_step_and_each_check_a_record(
        first_run: dict[str, Any], home: BillingHome, sandbox: Sandbox) -> None:
    clean, faulty = expected(Portal(sandbox))
    checks = {r.key: r.data for r in home.store.find_records("billing_check")}
    assert {n for n, d in checks.items() if d["outcome"] == "released"} == clean
    assert {n for n, d in checks.items() if d["outcome"] == "failed"} == set(faulty)
    run = home.store.list_runs(bot="billing-validation", limit=None)[-1]  # the first
    rules = [s for s in home.store.list_steps(run.id or 0) if s.action == "billing_rule"]
    assert {s.data["draft"] for s in rules} == clean | set(faulty)
    assert all({"rule", "expected", "found"} <= set(s.data) for s in rules)
    visits = [s.data["url"] for s in home.store.list_steps(run.id or 0)
              if isinstance(s.data, dict) and "url" in s.data]
    assert visits and not [u for u in visits if "***" in u]  # addresses readable, not masked
    for number, rule in faulty.items():
        assert any(s.data["draft"] == number and s.rule == rule and s.outcome == "failed"
                   for s in rules), (number, rule)
    events = {r.key for r in home.store.find_records(FINANCE_EVENT)}
    assert {f"invoice_released:{n}" for n in clean} <= events


def test_a_rerun_releases_nothing_twice_and_opens_no_second_case(
        first_run: dict[str, Any], home: BillingHome, sandbox: Sandbox) -> None:
    portal = Portal(sandbox)
    log_before = portal.truth()["log"]
    cases_before = [c.id for c in home.store.list_cases()]
    again = home.run()
    assert again["queued"] == 0 and again["checked"] == 0
    assert [c.id for c in home.store.list_cases()] == cases_before
    releases = [e for e in portal.truth()["log"] if e["action"] == "released"]
    assert len(releases) == len({e["number"] for e in releases})
    assert portal.truth()["log"] == log_before


def test_the_sandbox_check_finds_the_portal_as_expected(
        first_run: dict[str, Any], sandbox: Sandbox) -> None:
    billing = [line for line in sandbox.check() if "billing" in line.lower()
               or "draft" in line.lower()]
    assert billing == []


def test_the_drafts_page_and_api_show_each_outcome_with_its_case(
        first_run: dict[str, Any], home: BillingHome, sandbox: Sandbox) -> None:
    clean, faulty = expected(Portal(sandbox))
    accounts.add_user(home.store, "fin", "Pw-for-tests-123!", ["finance_reviewer"])
    _, token = accounts.create_token(home.store, "fin", ["finance_reviewer"], owner="fin")
    client = TestClient(create_app(home.store), headers={"Authorization": f"Bearer {token}"})
    rows = {r["draft"]: r for r in client.get("/api/v1/billing/drafts").json()}
    assert {n for n, r in rows.items() if r["outcome"] == "released"} == clean
    for number, rule in faulty.items():
        assert rows[number]["case_id"] and rule in {f["rule"] for f in
                                                    rows[number]["failed_rules"]}
    page = client.get("/billing/drafts?outcome=failed").text
    assert all(f'data-draft="{n}"' in page for n in faulty)
    assert not any(f'data-draft="{n}"' in page for n in clean)
    assert f'href="/cases/{rows[sorted(faulty)[0]]["case_id"]}"' in page
