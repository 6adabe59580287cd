from __future__ import annotations

from pathlib import Path

import pytest

from bots.runtime import chromium
from bots.runtime.browser import shared_playwright
from bots.runtime.chromium import find_chromium, launch_args, launch_chromium
from bots.runtime.errors import BrowserNotFoundError


def _no_system_chromium(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FINBOTS_CHROMIUM", raising=False)
    monkeypatch.setattr(chromium, "SYSTEM_DIRS", (tmp_path,))
    monkeypatch.setenv("PATH", str(tmp_path))


def test_not_found_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _no_system_chromium(monkeypatch, tmp_path)
    with pytest.raises(BrowserNotFoundError) as err:
        find_chromium(None)
    message = str(err.value)
    assert "apt-get install -y chromium" in message and "FINBOTS_CHROMIUM" in message
    assert "playwright install chromium" in message


def test_env_path_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FINBOTS_CHROMIUM", str(tmp_path / "nope"))
    with pytest.raises(BrowserNotFoundError, match="FINBOTS_CHROMIUM="):
        find_chromium(None)


def test_launch_failure_is_clear(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("FINBOTS_CHROMIUM", str(fake))
    with pytest.raises(BrowserNotFoundError, match="could not launch"):
        launch_chromium(shared_playwright())


def test_system_chromium_and_args(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINBOTS_CHROMIUM", raising=False)
    assert find_chromium(None) == "/usr/bin/chromium"
    args = launch_args()
    assert "--disable-gpu" in args and "--no-first-run" in args
    assert "--disable-dev-shm-usage" in args
    monkeypatch.setattr(chromium.os, "geteuid", lambda: 0)
    assert "--no-sandbox" in launch_args()
    monkeypatch.setattr(chromium.os, "geteuid", lambda: 1000)
    assert "--no-sandbox" not in launch_args()
