"""The customer pages and API on a live orchestrator: search, the customer's status, the
timeline's bounds, audited reads, and the customer-service role that sees customers only."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import fastapi.routing
import pytest
from customerseed import seed_customer
from fastapi.routing import APIRoute
from webharness import LiveServer

from orchestrator.roles import ROLE_PERMISSIONS, Permission, Role

pytestmark = pytest.mark.web

CID = "C7301"


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> int:
    return seed_customer(live_server.store, CID, "Polarstern Apparatebau KG", run_id="77")


def _views(server: LiveServer, customer: str) -> list[Any]:
    return server.store.list_audit(action="customer.view", target=f"customer:{customer}")


def test_service_finds_a_customer_and_reads_its_status_through_the_api(
        seeded: int, live_server: LiveServer, api: Callable[[str], Any]) -> None:
    client = api("customer_service")
    hits = client.get("/api/v1/customers", params={"q": "polarstern"}).json()
    assert [h["customer_id"] for h in hits] == [CID] and hits[0]["found_by"] == "name"
    before = len(_views(live_server, CID))
    body = client.get(f"/api/v1/customers/{CID}").json()
    assert body["name"] == "Polarstern Apparatebau KG"
    assert {i["number"]: i["status"] for i in body["invoices"]}[f"INV-7002-{CID}"] == \
        "partially paid"
    assert body["cases"][0]["id"] == seeded and body["cases"][0]["owner"] is None
    assert body["freshness"]["invoices"]["run_id"] == "77"
    assert body["timeline"]["total"] == 5
    page = client.get(f"/api/v1/customers/{CID}/timeline",
                      params={"offset": 4, "limit": 2}).json()
    assert page["total"] == 5 and len(page["events"]) == 1
    views = _views(live_server, CID)
    assert len(views) == before + 2  # the customer and its timeline: each read audited
    assert views[0].actor.endswith("customer_service")
    assert views[0].details["via"] == "api"


def test_bad_input_is_refused_naming_the_field(seeded: int,
                                               api: Callable[[str], Any]) -> None:
    client = api("customer_service")
    short = client.get("/api/v1/customers", params={"q": "-"})
    assert short.status_code == 422 and "at least 2" in short.text
    assert client.get(f"/api/v1/customers/{CID}/timeline",
                      params={"limit": 10_000}).status_code == 422
    assert client.get("/api/v1/customers/C0000000").status_code == 404
    assert client.get("/api/v1/customers/bad%20id").status_code == 422


def test_the_page_shows_the_sections_escaped_and_audits_the_read(
        seeded: int, live_server: LiveServer, api: Callable[[str], Any]) -> None:
    live_server.store.put_record("payment-posting", "customer", "C7302", {
        "number": "C7302", "name": "<script>alert(1)</script> Oy"}, customer_id="C7302")
    client = api("customer_service")
    html = client.get("/customers", params={"q": "C7302"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Oy" in html and "<script>alert" not in html
    page = client.get(f"/customers/{CID}").text
    for section in ("Invoices", "Payments received", "Open and recent cases",
                    "Promises to pay", "Credit", "Refunds", "Timeline"):
        assert f">{section}</h2>" in page
    assert "by run 77" in page and "SO-77" in page
    assert f'href="/cases/{seeded}"' not in page  # a service person cannot open cases
    assert _views(live_server, CID)[0].details["via"] == "page"


def test_customer_service_holds_only_customers_disputes_and_self() -> None:
    assert ROLE_PERMISSIONS[Role.CUSTOMER_SERVICE] == {Permission.SELF_READ,
                                                       Permission.CUSTOMERS_READ,
                                                       Permission.DISPUTES_READ}
    for role in (Role.ADMIN, Role.FINANCE_REVIEWER, Role.APPROVER, Role.CREDIT_ANALYST,
                 Role.CREDIT_MANAGER, Role.AUDITOR):
        assert Permission.CUSTOMERS_READ in ROLE_PERMISSIONS[role], role


def _needs(dependant: Any) -> set[Permission]:
    found: set[Permission] = set()
    for sub in dependant.dependencies:
        permission = getattr(sub.call, "permission", None)
        if isinstance(permission, Permission):
            found.add(permission)
        found |= _needs(sub)
    return found


def test_customer_service_gets_403_on_every_operations_route(
        seeded: int, api: Callable[[str], Any]) -> None:
    client = api("customer_service")
    allowed = ROLE_PERMISSIONS[Role.CUSTOMER_SERVICE]
    wrong, checked = [], 0
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)  # FastAPI >= 0.130
    for route in flatten(client.app.routes) if flatten else client.app.routes:
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        needed = _needs(route.dependant)
        if not needed or needed <= allowed:
            continue
        for method in sorted(set(route.methods) - {"HEAD", "OPTIONS"}):
            url = re.sub(r"{[^}]+}", "1", route.path)
            code = client.request(method, url, json={}).status_code
            checked += 1
            if code != 403:
                wrong.append(f"{method} {url}: {code}")
    assert checked > 50 and wrong == []


def test_customer_service_starts_on_the_customer_search(
        live_server: LiveServer, api: Callable[[str], Any]) -> None:
    home = api("customer_service").get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/customers"
    assert api("finance_reviewer").get("/", follow_redirects=False).status_code == 200
