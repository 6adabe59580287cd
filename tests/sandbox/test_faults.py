"""The shared fault knobs and machine endpoints (sandbox/faults.py) on a tiny app."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse

from sandbox.faults import Faults, Sessions, install_sandbox_routes


def make_app() -> tuple[Starlette, Faults, list[int]]:
    resets: list[int] = []

    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse("hello")

    async def html(request: Request) -> HTMLResponse:
        return HTMLResponse("<p>hello</p>")

    app = Starlette()
    app.add_route("/page", page)
    app.add_route("/html", html)
    faults = install_sandbox_routes(app, name="tiny", reset=resets.append,
                                    truth=lambda: {"resets": len(resets)})
    return app, faults, resets


@pytest.fixture
def tiny(serve: Callable[[Any], str]) -> tuple[str, Faults, list[int]]:
    app, faults, resets = make_app()
    return serve(app), faults, resets


def test_machine_endpoints(tiny: tuple[str, Faults, list[int]]) -> None:
    url, _, resets = tiny
    assert httpx.get(f"{url}/_sandbox/health").json() == {"app": "tiny", "ok": True}
    assert httpx.post(f"{url}/_sandbox/reset", json={"extra_exact": 3}).status_code == 200
    assert httpx.post(f"{url}/_sandbox/reset").status_code == 200
    assert resets == [3, 0]
    assert httpx.get(f"{url}/_sandbox/truth").json() == {"resets": 2}


def test_faults_update_only_given_knobs_and_clear(tiny: tuple[str, Faults, list[int]]) -> None:
    url, faults, _ = tiny
    httpx.post(f"{url}/_sandbox/faults", json={"latency_ms": 5, "alt_layout": True})
    knobs = httpx.post(f"{url}/_sandbox/faults", json={"session_expiry_requests": 4}).json()
    assert knobs == {"latency_ms": 5, "page_delay_ms": "0", "error_rate": 0.0,
                     "session_expiry_requests": 4, "alt_layout": True, "seed": 0}
    assert faults.alt_layout is True
    cleared = httpx.post(f"{url}/_sandbox/faults", json={"clear": True}).json()
    assert cleared == Faults().as_dict()


def test_latency_is_added(tiny: tuple[str, Faults, list[int]]) -> None:
    url, _, _ = tiny
    httpx.post(f"{url}/_sandbox/faults", json={"latency_ms": 1000})
    start = time.monotonic()
    assert httpx.get(f"{url}/page").text == "hello"
    assert time.monotonic() - start >= 0.95
    start = time.monotonic()
    httpx.get(f"{url}/_sandbox/health")
    assert time.monotonic() - start < 0.9  # machine endpoints are never slowed down


def test_page_delay_holds_back_html_pages_only(tiny: tuple[str, Faults, list[int]]) -> None:
    url, faults, _ = tiny
    knobs = httpx.post(f"{url}/_sandbox/faults", json={"page_delay_ms": "1200-1300"}).json()
    assert knobs["page_delay_ms"] == "1200-1300"
    with httpx.Client(base_url=url) as c:
        start = time.monotonic()
        assert c.get("/html").text == "<p>hello</p>"
        assert time.monotonic() - start >= 1.19  # a page: held back 1200-1300 ms
        start = time.monotonic()
        assert c.get("/page").text == "hello"  # not a page (plain text, like a download)
        assert c.get("/_sandbox/health").status_code == 200
        assert time.monotonic() - start < 1.0  # neither held back (a loaded machine: slow)
    faults.update({"page_delay_ms": "300-400"})
    delays = [faults.draw_page_delay() for _ in range(50)]
    assert all(0.3 <= d <= 0.4 for d in delays) and len(set(delays)) > 1  # drawn per page
    faults.update({"seed": 3})
    first = [faults.draw_page_delay() for _ in range(5)]
    faults.update({"seed": 3})
    assert [faults.draw_page_delay() for _ in range(5)] == first  # seeded


@pytest.mark.parametrize("bad", ["800-300", "fast", "-5", "1-99999999"])
def test_page_delay_refuses_a_bad_range(tiny: tuple[str, Faults, list[int]], bad: str) -> None:
    url, faults, _ = tiny
    answer = httpx.post(f"{url}/_sandbox/faults", json={"page_delay_ms": bad, "latency_ms": 9})
    assert answer.status_code == 400
    assert "page_delay_ms" in answer.json()["error"] and bad in answer.json()["error"]
    assert faults.latency_ms == 0 and faults.page_delay_ms == "0"  # nothing changed


def test_error_rate_is_seeded_and_spares_machine_endpoints(
        tiny: tuple[str, Faults, list[int]]) -> None:
    url, _, _ = tiny
    with httpx.Client(base_url=url) as c:

        def run() -> list[int]:
            c.post("/_sandbox/faults", json={"error_rate": 0.5, "seed": 7})
            return [c.get("/page").status_code for _ in range(30)]

        first = run()
        assert 200 in first and {500, 503} & set(first)
        assert run() == first  # same seed, same sequence
        error = c.get("/page")
        while error.status_code == 200:
            error = c.get("/page")
        assert "<h1>" in error.text and error.headers["content-type"].startswith("text/html")
        c.post("/_sandbox/faults", json={"error_rate": 1.0})
        assert all(c.get("/_sandbox/health").status_code == 200 for _ in range(5))
        assert c.get("/page").status_code in (500, 503)


def test_session_expiry_after_n_requests() -> None:
    faults = Faults(session_expiry_requests=2)
    sessions = Sessions(faults)
    sid = sessions.create("user", csrf="x")
    assert sessions.get(sid) is not None and sessions.get(sid).data == {"csrf": "x"}
    assert [sessions.touch(sid), sessions.touch(sid)] == ["ok", "ok"]
    assert sessions.touch(sid) == "expired"
    assert sessions.touch(sid) == "missing"
    assert sessions.touch(None) == "missing"
    assert not Faults().session_expired(10_000)


def test_session_idle_timeout() -> None:
    sessions = Sessions(Faults(), idle_timeout_s=0.05)
    sid = sessions.create("user")
    assert sessions.touch(sid) == "ok"
    time.sleep(0.1)  # the idle timeout is the behaviour under test
    assert sessions.touch(sid) == "expired"
