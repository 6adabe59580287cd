"""``finbots sandbox check|reset|truth|faults|status`` against a sandbox on other ports:
addresses from ``--bank/--erp/--portal`` or from the ``FINBOTS_<APP>_URL`` variables."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sandbox import cli
from sandbox.launcher import SandboxConfig, start_servers

NO_ADDRESSES = {f"FINBOTS_{app.upper()}_URL": None
                for app in ("sandbox_bank", "legacy_erp", "billing_portal", "sandbox_mail")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The targets on free ports; the CLI's own configuration points at dead ports."""
    config = SandboxConfig(base_dir=tmp_path_factory.mktemp("elsewhere"), host="127.0.0.1")
    config.ports = {app_id: _free_port() for app_id in config.ports}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        mp.setenv("FINBOTS_PORTAL_DELAY_MS", "0")
        servers = start_servers(config)
    try:
        yield config.urls()
    finally:
        for server in servers.values():
            server.stop()


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    nowhere = SandboxConfig(base_dir=tmp_path, host="127.0.0.1")
    nowhere.ports = {app_id: _free_port() for app_id in nowhere.ports}  # nothing listens
    monkeypatch.setattr(cli, "SandboxConfig", lambda: nowhere)
    return CliRunner(env=NO_ADDRESSES)


def _options(urls: dict[str, str]) -> list[str]:
    return ["--bank", urls["sandbox_bank"], "--erp", urls["legacy_erp"],
            "--portal", urls["billing_portal"], "--mail", urls["sandbox_mail"]]


def test_check_and_reset_by_options(runner: CliRunner, elsewhere: dict[str, str]) -> None:
    assert runner.invoke(cli.app, ["reset", *_options(elsewhere)]).exit_code == 0
    result = runner.invoke(cli.app, ["check", *_options(elsewhere)])
    # nothing posted yet: every expected posting is named as missing
    assert result.exit_code == 1, result.output
    assert "difference(s)" in result.output and "NWB" in result.output
    # the fixed ports answer nothing: the same check without the addresses cannot run
    result = runner.invoke(cli.app, ["check"])
    assert result.exit_code == 2 and "cannot check" in result.output


def test_truth_faults_and_status_by_environment(runner: CliRunner,
                                                elsewhere: dict[str, str]) -> None:
    env = {f"FINBOTS_{app.upper()}_URL": url for app, url in elsewhere.items()}
    result = runner.invoke(cli.app, ["faults", "--app", "erp", "--latency-ms", "3"], env=env)
    assert result.exit_code == 0, result.output
    erp = elsewhere["legacy_erp"]
    assert httpx.get(f"{erp}/_sandbox/faults").json()["latency_ms"] == 3
    result = runner.invoke(cli.app, ["truth", "--app", "erp"], env=env)
    assert result.exit_code == 0 and '"postings": []' in result.output
    result = runner.invoke(cli.app, ["status"], env=env)
    assert result.exit_code == 0 and f"{erp}  up" in result.output
    # an option wins over the variable
    wrong = {**env, "FINBOTS_LEGACY_ERP_URL": f"http://127.0.0.1:{_free_port()}"}
    result = runner.invoke(cli.app, ["faults", "--clear", "--app", "erp", "--erp", erp],
                           env=wrong)
    assert result.exit_code == 0, result.output
    assert httpx.get(f"{erp}/_sandbox/faults").json()["latency_ms"] == 0


def test_an_address_that_is_not_a_url_is_refused_by_name(runner: CliRunner) -> None:
    result = runner.invoke(cli.app, ["truth", "--erp", "localhost:8102"])
    assert result.exit_code != 0
    assert "legacy_erp" in result.output and "localhost:8102" in result.output
