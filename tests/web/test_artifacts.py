"""A run's files are served from its folder and nowhere else."""

from __future__ import annotations

import http.client
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from webharness import LiveServer
from webseed import seed_failed_run

pytestmark = pytest.mark.web


@pytest.fixture(scope="module")
def run_id(live_server: LiveServer) -> int:
    rid = seed_failed_run(live_server.store, live_server.runs, bot="web-files-bot")
    folder = live_server.run_dir(rid)
    secret = live_server.home / "outside.txt"
    secret.write_text("not for you")
    os.symlink(secret, folder / "link-out.txt")
    return rid


def _raw_get(server: LiveServer, path: str) -> int:
    """A request whose path goes to the server as written (no client-side clean-up)."""
    url = urlsplit(server.url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    conn.putrequest("GET", path, skip_accept_encoding=True)
    conn.putheader("Authorization", f"Bearer {server.token('support')}")
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


def test_files_of_the_run_are_served(api: Callable[[str], Any], run_id: int) -> None:
    client = api("support")
    shot = client.get(f"/runs/{run_id}/artifacts/screenshots/0003-failed-post.png")
    assert shot.status_code == 200
    assert shot.headers["content-type"] == "image/png"
    assert shot.content.startswith(b"\x89PNG")
    log = client.get(f"/runs/{run_id}/artifacts/bot.log")
    assert log.status_code == 200 and "text/plain" in log.headers["content-type"]
    trace = client.get(f"/runs/{run_id}/trace.zip")
    assert trace.status_code == 200
    assert "attachment" in trace.headers["content-disposition"]
    steps = client.get(f"/runs/{run_id}/artifacts/steps.jsonl")
    assert "nosniff" in steps.headers["x-content-type-options"]
    assert steps.headers["content-security-policy"] == "sandbox"


@pytest.mark.parametrize("path", [
    "..%2F..%2Ffinbots.db",
    "..%2Foutside.txt",
    "%2Fetc%2Fpasswd",
    "screenshots%2F..%2F..%2F..%2Fouti.txt",
    "link-out.txt",
    "",
    "screenshots",
])
def test_paths_outside_the_run_folder_are_refused(
    api: Callable[[str], Any], run_id: int, path: str
) -> None:
    assert api("support").get(f"/runs/{run_id}/artifacts/{path}").status_code == 404


def test_raw_dot_dot_paths_are_refused(live_server: LiveServer, run_id: int) -> None:
    other = seed_failed_run(live_server.store, live_server.runs, bot="web-files-bot")
    assert _raw_get(live_server, f"/runs/{run_id}/artifacts/bot.log") == 200
    assert _raw_get(live_server, f"/runs/{run_id}/artifacts/../../finbots.db") == 404
    assert _raw_get(live_server, f"/runs/{run_id}/artifacts/../{other}/bot.log") == 404
    assert _raw_get(live_server, f"/runs/{run_id}/artifacts/%2e%2e/%2e%2e/finbots.db") == 404


def test_files_need_the_runs_permission(api: Callable[[str], Any], run_id: int) -> None:
    assert api("robot").get(f"/runs/{run_id}/artifacts/bot.log").status_code == 403
