"""Launcher (in-process and detached) and the ``finbots sandbox`` commands."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from sandbox import cli
from sandbox.background import start_detached, stop_detached
from sandbox.launcher import SandboxConfig, ensure_running, health, is_running, start_servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config_for(base_dir: Path) -> SandboxConfig:
    config = SandboxConfig(base_dir=base_dir, host="127.0.0.1")
    config.ports = {app_id: free_port() for app_id in config.ports}
    return config


@pytest.fixture
def running(tmp_path: Path) -> Iterator[SandboxConfig]:
    """All installed targets served in this process on free ports."""
    config = config_for(tmp_path)
    servers = start_servers(config)
    try:
        yield config
    finally:
        for server in servers.values():
            server.stop()


def _answers_within(urls: dict[str, str], seconds: float) -> bool:
    """Whether every target answers its health check within ``seconds`` (one check takes
    up to a second; a machine busy with other tests may miss the first)."""
    deadline = time.monotonic() + seconds
    while not is_running(urls):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_start_servers_serves_every_installed_target(running: SandboxConfig) -> None:
    urls = running.urls()
    assert "sandbox_bank" in urls
    assert _answers_within(urls, 20)
    assert {app_id: health(url)["app"] for app_id, url in urls.items()} == {
        app_id: app_id for app_id in urls}
    assert (running.base_dir / "bank.db").exists()


def test_is_running_is_false_for_a_dead_address() -> None:
    assert not is_running([f"http://127.0.0.1:{free_port()}"])
    assert not is_running([])


def test_detached_start_ensure_and_stop(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    pid = start_detached(config, timeout_s=60)
    try:
        assert config.pid_file.read_text().strip() == str(pid)
        assert _answers_within(config.urls(), 20)
        assert ensure_running(config) == config.urls()  # already up: nothing started
        assert config.pid_file.read_text().strip() == str(pid)
    finally:
        assert stop_detached(config)
    assert not is_running(config.urls())
    assert not config.pid_file.exists()
    assert not stop_detached(config)
    assert config.log_file.exists()


def _hold_ports(config: SandboxConfig) -> list[socket.socket]:
    """Listen on every port of ``config`` without answering, as a sandbox still starting."""
    holders = []
    for port in config.ports.values():
        sock = socket.socket()
        sock.bind(("127.0.0.1", port))
        sock.listen()
        holders.append(sock)
    return holders


def test_a_sandbox_slow_to_answer_is_waited_for_not_started_twice(tmp_path: Path) -> None:
    """Ports already served (a sandbox busy starting) but not yet healthy: ensure_running
    waits for it and starts no second sandbox (which could not bind the ports)."""
    config = config_for(tmp_path)
    holders = _hold_ports(config)
    servers: dict[str, Any] = {}

    def answer_late() -> None:
        time.sleep(1.5)
        for sock in holders:
            sock.close()
        servers.update(start_servers(config))

    thread = threading.Thread(target=answer_late)
    thread.start()
    try:
        assert ensure_running(config, timeout_s=60) == config.urls()
        thread.join()
        assert servers  # the late targets answered the call
        assert not config.log_file.exists()  # and no second sandbox was started
    finally:
        thread.join()
        for server in servers.values():
            server.stop()


def test_ports_held_by_something_else_are_named_not_started_over(tmp_path: Path) -> None:
    config = config_for(tmp_path)
    holders = _hold_ports(config)
    try:
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="does not answer the sandbox's health check"):
            ensure_running(config, timeout_s=2)
        assert time.monotonic() - started >= 2  # it waited for them first
        assert not config.log_file.exists()  # and started nothing
    finally:
        for sock in holders:
            sock.close()


@pytest.fixture
def invoke(running: SandboxConfig, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(cli, "SandboxConfig", lambda: running)
    return CliRunner()


def test_cli_faults_truth_reset_status(invoke: CliRunner, running: SandboxConfig) -> None:
    bank = running.urls()["sandbox_bank"]
    result = invoke.invoke(cli.app, ["faults", "--app", "bank", "--latency-ms", "5",
                                     "--alt-layout", "--session-expiry", "4"])
    assert result.exit_code == 0, result.output
    knobs = httpx.get(f"{bank}/_sandbox/faults").json()
    assert (knobs["latency_ms"], knobs["alt_layout"], knobs["session_expiry_requests"]) == (
        5, True, 4)
    invoke.invoke(cli.app, ["faults", "--app", "bank", "--error-rate", "0.2"])
    assert httpx.get(f"{bank}/_sandbox/faults").json()["latency_ms"] == 5  # kept
    assert invoke.invoke(cli.app, ["faults", "--clear", "--app", "bank"]).exit_code == 0
    assert not httpx.get(f"{bank}/_sandbox/faults").json()["alt_layout"]
    result = invoke.invoke(cli.app, ["truth", "--app", "bank"])
    assert result.exit_code == 0 and '"logins": 0' in result.output
    result = invoke.invoke(cli.app, ["reset", "--app", "bank", "--extra-exact", "2"])
    assert result.exit_code == 0 and "sandbox_bank: reset" in result.output
    assert httpx.get(f"{bank}/_sandbox/truth").json()["accounts"][0]["entries"] == 20
    result = invoke.invoke(cli.app, ["status"])
    assert result.exit_code == 0 and f"{bank}  up" in result.output
    assert invoke.invoke(cli.app, ["truth", "--app", "nope"]).exit_code != 0


def test_cli_check_exit_codes(invoke: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    import sandbox.check

    monkeypatch.setattr(sandbox.check, "run_check", lambda *urls: [])
    result = invoke.invoke(cli.app, ["check"])
    assert result.exit_code == 0 and "no differences" in result.output
    monkeypatch.setattr(sandbox.check, "run_check", lambda *urls: ["INV-2026-1001: open 1190"])
    result = invoke.invoke(cli.app, ["check"])
    assert result.exit_code == 1 and "INV-2026-1001: open 1190" in result.output


def test_cli_status_when_down(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = config_for(tmp_path)
    monkeypatch.setattr(cli, "SandboxConfig", lambda: config)
    result = CliRunner().invoke(cli.app, ["status"])
    assert result.exit_code == 1 and "DOWN" in result.output
