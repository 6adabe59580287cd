"""Desktop fixtures: one Xvfb for the session (DISPLAY set for every program started from
the tests), the sandbox targets on free ports, an isolated finbots home per test.

Everything here needs a real X server: the tests skip, saying why, only when Xvfb is not
installed and no $DISPLAY answers, or when xdotool/xclip are missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from bots.runtime.desktop.display import Xvfb, display_answers
from bots.runtime.desktop.process import stop_apps
from bots.runtime.errors import ConfigError
from bots.runtime.vault import Vault
from sandbox.background import running_on_free_ports
from sandbox.credentials import store_sandbox_credentials

APPS = ("sandbox_bank", "legacy_erp", "billing_portal")


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """A private Xvfb (or the $DISPLAY that answers), exported as DISPLAY."""
    missing = [tool for tool in ("xdotool", "xclip") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"desktop tests need {', '.join(missing)} (Debian packages)")
    previous = os.environ.get("DISPLAY")
    server = None
    if shutil.which("Xvfb") is not None:
        server = Xvfb()
        try:
            name = server.start()
        except ConfigError as exc:
            pytest.skip(f"desktop tests need an X server; Xvfb did not start: {exc}")
    elif display_answers(previous):
        name = str(previous)
    else:
        pytest.skip("desktop tests need an X server: Xvfb is not installed (Debian 'xvfb') "
                    "and $DISPLAY does not answer")
    os.environ["DISPLAY"] = name
    yield name
    stop_apps()
    if server is not None:
        server.stop()
    if previous is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = previous


@dataclass
class Sandbox:
    urls: dict[str, str]
    base_dir: Path

    @property
    def erp_db(self) -> Path:
        return self.base_dir / "erp.db"

    def reset(self) -> None:
        for app in APPS:
            httpx.post(f"{self.urls[app]}/_sandbox/reset", json={}, timeout=30) \
                .raise_for_status()

    def truth(self, app: str) -> dict[str, Any]:
        return httpx.get(f"{self.urls[app]}/_sandbox/truth", timeout=30).json()

    def postings(self) -> list[dict[str, Any]]:
        return list(self.truth("legacy_erp")["postings"])


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory, display: str) -> Iterator[Sandbox]:
    base = tmp_path_factory.mktemp("sandbox")
    env = {"FINBOTS_ERP_SLOW_MS": "0", "FINBOTS_PORTAL_DELAY_MS": "0-20"}
    with running_on_free_ports(base, env) as urls:
        yield Sandbox(urls, base)


@pytest.fixture
def home(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh finbots home, the sandbox reseeded, the vault holding its logins; the
    desktop client (started by the bot, kept between tests) works on the sandbox's
    database, a little slow."""
    sandbox.reset()
    env = {
        "FINBOTS_HOME": str(tmp_path),
        "FINBOTS_DB_URL": f"sqlite:///{tmp_path / 'data' / 'finbots.db'}",
        "FINBOTS_MASTER_KEY": Fernet.generate_key().decode(),
        "FINBOTS_TIMEOUT_MS": "10000",
        "FINBOTS_SANDBOX_DIR": str(sandbox.base_dir),
        "FINBOTS_DESKTOP_ERP_SLOW_MS": "20-60",
        **{f"FINBOTS_{app.upper()}_URL": url for app, url in sandbox.urls.items()},
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "runs").mkdir()
    store_sandbox_credentials(Vault())
    return tmp_path
