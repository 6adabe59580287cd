"""``finbots serve``: web app, scheduler and robots in one process tree; Ctrl-C stops all."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
from robothelp import REPO, robot_env, wait_for

from orchestrator.auth import service as accounts
from orchestrator.auth.throttle import PAIR_FREE
from orchestrator.robots.supervisor import TRUSTED_PROXIES_ENV
from orchestrator.store import Store, pid_alive


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_serve_runs_everything_and_stops_cleanly(tmp_path: Path) -> None:
    url, port = f"sqlite:///{tmp_path / 'finbots.db'}", _free_port()
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "serve", "--robots", "2", "--port",
         str(port), "--poll", "0.2", "--stop-grace", "5"],
        cwd=REPO, env=robot_env(url, tmp_path), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/login"), 60, "the web app")
        store = Store(url, create=False)
        wait_for(lambda: len(store.list_robots()) == 2, 120, "both robots")
        run_id = store.create_job("robot_testbots:QUICK").id
        job = wait_for(lambda: (j := store.get_run(run_id)).status != "pending"
                       and j.status != "running" and j, 60, "the job to end")
        assert job.status == "successful", job.error
        robot_pids = [r.pid for r in store.list_robots()]
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        assert proc.wait(40) == 0, (tmp_path / "serve.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert {r.status for r in store.list_robots()} == {"stopped"}
    assert not any(pid and pid_alive(pid) for pid in robot_pids)
    assert not _answers(f"http://127.0.0.1:{port}/login")


@contextlib.contextmanager
def _serving(env: dict[str, str], port: int) -> Iterator[str]:
    """``finbots serve`` with no robots and no scheduler on ``port``; its base URL. Ctrl-C
    stops it when the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "serve", "--robots", "0", "--port",
         str(port), "--no-scheduler", "--stop-grace", "1"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/login"), 60, "the web app")
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _failed_sign_ins(base: str, forwarded: list[str]) -> list[int]:
    """Wrong passwords for one name, each try naming another client in X-Forwarded-For."""
    codes = []
    with httpx.Client(base_url=base, timeout=10) as client:
        for n, address in enumerate(forwarded):
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            codes.append(client.post("/login", headers={"X-Forwarded-For": address}, data={
                "username": "alice", "password": f"wrong-{n}", "next": "/",
                "csrf_token": token.group(1)}, follow_redirects=False).status_code)
    return codes


def test_a_client_cannot_name_itself_another_to_escape_the_sign_in_throttle(
        tmp_path: Path) -> None:
    """Unless FINBOTS_TRUSTED_PROXIES names a proxy, X-Forwarded-For is not believed: the
    failures of one client add up whatever address it writes there."""
    url, port = f"sqlite:///{tmp_path / 'finbots.db'}", _free_port()
    store = Store(url)
    accounts.add_user(store, "alice", "correct-horse-battery-staple", ["finance_reviewer"])
    env = {k: v for k, v in robot_env(url, tmp_path).items() if k != TRUSTED_PROXIES_ENV}
    try:
        with _serving(env, port) as base:
            codes = _failed_sign_ins(base, [f"203.0.113.{n}" for n in range(PAIR_FREE + 3)])
    finally:
        store.close()
    assert codes[:PAIR_FREE] == [401] * PAIR_FREE
    assert 429 in codes[PAIR_FREE:], codes


def test_command_line_writes_beside_the_server_leave_its_store_whole(tmp_path: Path) -> None:
    """``finbots serve`` opens the store twice in one process (its supervisor and its web
    app). Opening the database file a second time once dropped the first connection's locks,
    so a CLI command closing its own connection took itself for the last one and deleted
    the write-ahead log under the server: every later request failed with "database disk
    image is malformed"."""
    url, port = f"sqlite:///{tmp_path / 'finbots.db'}", _free_port()
    store = Store(url)
    accounts.add_user(store, "adm", "correct-horse-battery-staple", ["admin"])
    token = accounts.create_token(store, "adm-t", ["admin"], owner="adm")[1]
    store.close()
    env = robot_env(url, tmp_path)
    auth = {"Authorization": f"Bearer {token}"}
    codes = []
    with _serving(env, port) as base, \
            httpx.Client(base_url=base, headers=auth, timeout=20) as client:
        for n in range(4):
            codes.append(client.post("/api/v1/tokens", json={
                "name": f"api-{n}", "roles": ["admin"]}).status_code)
            done = subprocess.run(
                [sys.executable, "-m", "orchestrator.cli", "users", "add", f"cli-{n}",
                 "--role", "support", "--password-stdin"], input="user-password-123\n",
                cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
        codes.append(client.post("/api/v1/tokens", json={
            "name": "api-last", "roles": ["admin"]}).status_code)
        users = client.get("/api/v1/users").json()
    assert codes == [201] * 5
    assert {f"cli-{n}" for n in range(4)} <= {u["username"] for u in users}
    after = Store(url, create=False)
    try:
        assert {f"api-{n}" for n in range(4)} | {"api-last"} <= {
            t.name for t in after.list_tokens()}
    finally:
        after.close()
