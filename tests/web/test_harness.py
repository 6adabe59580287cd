"""The harness itself: the live server answers, users sign in, API clients carry a token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page
from webharness import LiveServer

pytestmark = pytest.mark.web


def test_server_serves_static_and_openapi(live_server: LiveServer) -> None:
    assert httpx.get(f"{live_server.url}/static/app.css").status_code == 200
    assert httpx.get(f"{live_server.url}/api/v1/openapi.json").status_code == 200


def test_sign_in_lands_on_the_app(page_as: Callable[[str], Page]) -> None:
    page = page_as("support")
    page.goto("/")
    assert "/login" not in page.url


def test_api_client_sends_a_bearer_token(api: Callable[[str], Any]) -> None:
    assert api("admin").get("/api/v1/openapi.json").status_code == 200
