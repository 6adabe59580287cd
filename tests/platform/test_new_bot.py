"""``finbots new bot`` writes a package that passes its own test and ruff, outside the repo."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.scaffold import FILES

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).with_name("ruff")


def new_bot(folder: Path, name: str = "ledger-check") -> Path:
    result = CliRunner().invoke(app, ["new", "bot", name, "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    return folder / name


def test_writes_the_package_with_its_entry_point(tmp_path: Path) -> None:
    bot = new_bot(tmp_path)
    assert not bot.resolve().is_relative_to(REPO)
    written = sorted(p.relative_to(bot).as_posix() for p in bot.rglob("*") if p.is_file())
    assert len(written) == len(FILES)
    assert "ledger_check/selectors/ledger_check.yaml" in written
    project = tomllib.loads((bot / "pyproject.toml").read_text())
    assert project["project"]["entry-points"]["finbots.bots"] == {
        "ledger-check": "ledger_check:BOT"}


def test_refuses_a_bad_name_or_a_folder_in_use(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("Ledger_Check", "json", "2fast", "a--b"):
        result = runner.invoke(app, ["new", "bot", name, "--dir", str(tmp_path)])
        assert result.exit_code == 2, (name, result.output)
    new_bot(tmp_path)
    again = runner.invoke(app, ["new", "bot", "ledger-check", "--dir", str(tmp_path)])
    assert again.exit_code == 2 and "not empty" in again.output


def test_generated_code_is_ruff_clean(tmp_path: Path) -> None:
    bot = new_bot(tmp_path)
    result = subprocess.run([str(RUFF), "check", "--no-cache", "."], cwd=bot,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_test_passes(tmp_path: Path) -> None:
    """The package's own test, run as its author would: pytest in its folder."""
    bot = new_bot(tmp_path)
    env = {**os.environ, "FINBOTS_BOTS_PATH": str(tmp_path), "FINBOTS_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q"], cwd=bot, env=env,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
