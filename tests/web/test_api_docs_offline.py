"""The API's docs page works with no internet: its Swagger UI files come from finbots
itself, and a browser that may reach nothing but the orchestrator still shows the API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, Route
from webharness import LiveServer

from orchestrator.app import create_app
from orchestrator.store import Store

pytestmark = pytest.mark.web

DOCS = "/api/v1/docs"
_LINK = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
_ANY_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+""")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Store("sqlite://")), base_url="http://finbots.test") as c:
        yield c


def test_the_docs_page_names_no_other_host(client: TestClient) -> None:
    page = client.get(DOCS)
    assert page.status_code == 200
    hosts = {urlsplit(urljoin("http://finbots.test/", u)).hostname
             for u in _ANY_URL.findall(page.text)}
    assert hosts <= {"finbots.test"}, hosts
    assert '"validatorUrl": null' in page.text  # Swagger UI's online validator is off


def test_the_docs_assets_are_served_locally(client: TestClient) -> None:
    links = _LINK.findall(client.get(DOCS).text)
    assert any(u.endswith(".js") for u in links) and any(u.endswith(".css") for u in links)
    for url in links:
        assert url.startswith("/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    js = next(u for u in links if u.endswith(".js"))
    assert b"SwaggerUIBundle" in client.get(js).content


def test_the_docs_page_shows_the_api_with_nothing_but_the_server(
    page: Page, live_server: LiveServer,
) -> None:
    """Real Chromium, every request to another host refused: the operations still show."""
    own = urlsplit(live_server.url).netloc
    refused: list[str] = []

    def only_the_server(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == own or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", only_the_server)
    failures: list[str] = []
    page.on("pageerror", lambda exc: failures.append(str(exc)))
    page.goto(DOCS)
    page.locator(".opblock").first.wait_for(timeout=20_000)
    assert page.locator(".opblock").count() > 20  # the API's operations, rendered
    assert "finbots orchestrator" in page.locator(".title").first.inner_text()
    assert refused == [] and failures == []
