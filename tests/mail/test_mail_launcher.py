"""The launcher starts and stops the mail server with the other targets; the vault entry
names the ports of the mail server it is given."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from sandbox.credentials import mail_entry
from sandbox.launcher import SandboxConfig, health, start_servers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


@pytest.fixture
def mail_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxConfig:
    config = SandboxConfig(base_dir=tmp_path, host="127.0.0.1")
    config.ports = {**config.ports, "sandbox_mail": _free_port(), "mail_smtp": 0,
                    "mail_imap": 0}
    monkeypatch.setattr(SandboxConfig, "apps", lambda self: ["sandbox_mail"])
    return config


def test_the_launcher_serves_the_mail_server_and_stops_all_of_it(
        mail_only: SandboxConfig) -> None:
    servers = start_servers(mail_only)
    url = mail_only.urls()["sandbox_mail"]
    try:
        assert health(url) == {"app": "sandbox_mail", "ok": True}
        ports = httpx.get(f"{url}/_sandbox/ports", timeout=10).json()
        assert not _refused(ports["smtp_port"]) and not _refused(ports["imap_port"])
        entry = mail_entry(url)
        assert (entry["smtp_port"], entry["imap_port"]) == (str(ports["smtp_port"]),
                                                             str(ports["imap_port"]))
    finally:
        for server in servers.values():
            server.stop()
    assert _refused(ports["smtp_port"]) and _refused(ports["imap_port"])
    assert not (mail_only.base_dir / "mail" / "dovecot.pid").exists()


def test_a_mail_server_that_cannot_start_leaves_the_others_running(
        mail_only: SandboxConfig, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        mail_only.ports["mail_imap"] = taken.getsockname()[1]
        servers = start_servers(mail_only)
    assert servers == {}
    err = capsys.readouterr().err
    assert "sandbox_mail: not started" in err and "already in use" in err
    assert mail_entry("http://127.0.0.1:9")["smtp_port"] == "8025"  # unreachable: defaults
