"""Paging parameters out of range (2**63, negative, not a number) are refused with a 422
naming the parameter (the inbox page: a 400 page saying what is wrong), never a 500.

Every API operation that takes ``offset``, ``limit`` or ``line`` is found in the OpenAPI
document, so a list added later is checked too; the pages are listed by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.store import Store

BAD = ("9223372036854775808", "-1", "abc")  # 2**63: past any 64-bit integer column
PAGING = ("offset", "limit", "line")
CUSTOMER = "C7001"
#: what a list needs besides its paging to answer at all
REQUIRED = {"/api/v1/customers": {"q": "paging"}}


@dataclass
class Site:
    client: TestClient
    run_id: int
    queue: str


def admin_token(store: Store, name: str = "paging-admin") -> str:
    accounts.add_user(store, name, "Pw-for-paging-tests-1!", ["admin"])
    try:
        return accounts.create_token(store, name, ["admin"], owner=name)[1]
    except TypeError:  # tokens without an owner
        return accounts.create_token(store, name, ["admin"])[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home: Path = tmp_path_factory.mktemp("paging")
    store = Store(f"sqlite:///{home / 'data' / 'finbots.db'}")
    app = create_app(store)
    app.state.runs_dir = home / "runs"
    run = store.start_run("paging-bot", {}, "host", 1)
    store.ensure_queue("paging-q")
    store.add_item("paging-q", "REF-1", {})
    store.put_record("paging-bot", "customer", CUSTOMER, {"number": CUSTOMER,
                                                         "name": "Paging Oy"},
                     customer_id=CUSTOMER)
    log = home / "runs" / str(run.id) / "bot.log"
    log.parent.mkdir(parents=True)
    log.write_text("2026-12-01 10:00:00 | INFO | bot | started\n")
    with TestClient(app, headers={"Authorization": f"Bearer {admin_token(store)}"},
                    raise_server_exceptions=False) as client:
        yield Site(client, run.id or 0, "paging-q")
    store.close()


def _api_operations() -> list[tuple[str, str]]:
    """``(path template, parameter)`` of every GET operation with a paging parameter."""
    document = create_app(Store("sqlite://")).openapi()
    found = []
    for path, item in document["paths"].items():
        for param in item.get("get", {}).get("parameters", []):
            if param["in"] == "query" and param["name"] in PAGING:
                found.append((path, param["name"]))
    return found


API = _api_operations()
PAGES = [("/runs", "offset"), ("/queues/{queue}", "offset"), ("/runs/{run_id}/log", "offset"),
         ("/runs/{run_id}/log", "line"), ("/admin/audit", "offset")]


def _url(site: Site, template: str) -> str:
    return (template.replace("{run_id}", str(site.run_id)).replace("{queue}", site.queue)
            .replace("{name}", site.queue).replace("{customer_id}", CUSTOMER))


def test_every_api_list_is_checked() -> None:
    paths = {p for p, _ in API}
    assert {"/api/v1/runs", "/api/v1/cases", "/api/v1/items", "/api/v1/audit",
            "/api/v1/runs/{run_id}/log"} <= paths


@pytest.mark.parametrize(("template", "name"), API, ids=[f"{p} {n}" for p, n in API])
def test_api_refuses_paging_out_of_range(site: Site, template: str, name: str) -> None:
    url, needed = _url(site, template), REQUIRED.get(template, {})
    assert site.client.get(url, params=needed).status_code == 200, url  # the list works
    for value in BAD:
        response = site.client.get(url, params={**needed, name: value})
        assert response.status_code == 422, (url, name, value, response.status_code)
        assert name in {str(p) for d in response.json()["detail"] for p in d["loc"]}


@pytest.mark.parametrize(("template", "name"), PAGES, ids=[f"{p} {n}" for p, n in PAGES])
def test_pages_refuse_paging_out_of_range(site: Site, template: str, name: str) -> None:
    url = _url(site, template)
    assert site.client.get(url).status_code == 200, url
    for value in BAD:
        response = site.client.get(url, params={name: value})
        assert response.status_code == 422, (url, name, value, response.status_code)
        assert name in response.text


@pytest.mark.parametrize("name", ["offset", "limit"])
def test_the_inbox_page_says_which_parameter_is_wrong(site: Site, name: str) -> None:
    assert site.client.get("/inbox", params={name: "1"}).status_code == 200
    for value in BAD:
        page = site.client.get("/inbox", params={name: value})
        assert page.status_code == 400, (name, value)
        assert f"{name} must be" in page.text
        rows: Any = site.client.get("/inbox/rows", params={name: value})
        assert rows.status_code == 200 and f"{name} must be" in rows.text  # shown in place


def test_the_largest_offsets_allowed_still_answer(site: Site) -> None:
    """The bounds are generous: the last allowed offset gives an empty page, not an error."""
    assert site.client.get("/api/v1/runs", params={"offset": 10**9}).json()["runs"] == []
    assert site.client.get("/runs", params={"offset": 10**9}).status_code == 200
    assert site.client.get("/inbox", params={"offset": 10**9}).status_code == 200
    log = site.client.get(f"/api/v1/runs/{site.run_id}/log", params={"offset": 2**62})
    assert log.status_code == 200 and log.json()["lines"] == []


def _integer_parameters() -> list[tuple[str, str]]:
    """``(path template, parameter)`` of every integer query parameter of a GET operation."""
    document = create_app(Store("sqlite://")).openapi()
    found = []
    for path, item in document["paths"].items():
        for param in item.get("get", {}).get("parameters", []):
            schema = param.get("schema", {})
            kinds = {schema.get("type"), *(s.get("type") for s in schema.get("anyOf", []))}
            if param["in"] == "query" and "integer" in kinds:
                found.append((path, param["name"]))
    return found


INTEGERS = _integer_parameters()


@pytest.mark.parametrize(("template", "name"), INTEGERS, ids=[f"{p} {n}" for p, n in INTEGERS])
def test_no_integer_parameter_past_64_bits_is_a_server_error(site: Site, template: str,
                                                             name: str) -> None:
    url, needed = _url(site, template), REQUIRED.get(template, {})
    for value in ("9223372036854775808", "-9223372036854775809"):
        response = site.client.get(url, params={**needed, name: value})
        assert response.status_code == 422, (url, name, value, response.status_code)


def test_vault_access_by_run_is_among_them() -> None:
    assert ("/api/v1/vault/access", "run_id") in INTEGERS


def test_an_artifact_name_too_long_for_the_file_system_is_not_found(site: Site) -> None:
    response = site.client.get(f"/runs/{site.run_id}/artifacts/{'a' * 300}.png")
    assert response.status_code == 404


def test_a_body_nested_too_deeply_is_refused_not_a_server_error(site: Site) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    batch = site.client.post(f"/api/v1/queues/{site.queue}/items", content=deep,
                             headers={"Content-Type": "application/json"})
    assert batch.status_code == 422 and "nested too deeply" in batch.text
    one = site.client.post("/api/v1/items", content='{"queue": "paging-q", "reference": '
                           '"R", "payload": {"a": ' + deep + "}}",
                           headers={"Content-Type": "application/json"})
    assert one.status_code in (400, 422), one.status_code  # a body that cannot be read


def test_a_time_limit_past_a_week_is_refused_for_the_jobs_page_as_for_the_api(
        site: Site) -> None:
    """The jobs page hands its time limit to the same service as the API (which its model
    bounds already): 2**63 seconds is a 422 there too, before anything is stored."""
    from fastapi import HTTPException

    from orchestrator.services.fleet_actions import start_job

    store = site.client.app.state.store  # type: ignore[attr-defined]
    for limit in (2**63, 0, 7 * 86400 + 1):
        with pytest.raises(HTTPException) as refused:
            start_job(store, None, "payment-posting", {}, limit)  # type: ignore[arg-type]
        assert refused.value.status_code == 422 and "time limit" in str(refused.value.detail)
