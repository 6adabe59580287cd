"""Selector files in an ordered list of folders: FINBOTS_SELECTORS_DIR, the bot's own
folder, the installation's selectors/."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.runtime import Bot, BrowserSession, Redactor, RunContext, StepRecorder
from bots.runtime import selectors as selectors_module
from bots.runtime.desktop.selectors import load_desktop_selectors
from bots.runtime.errors import ConfigError
from bots.runtime.selectors import load_selectors, selector_search_path

WEB = "app: ledger\nbase_url: {url}\nselectors:\n  title: [\"css=h1\"]\n"
DESKTOP = """app: thick
window_class: Thick
launch: ["thick", "--from", "{where}"]
windows: {{main: {{title: "^Thick", main: true}}}}
selectors: {{name: {{window: main, locators: ["keys=alt+n"]}}}}
"""


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """An installation folder, a bot folder and an override folder; no override set."""
    out = {name: tmp_path / name for name in ("installed", "bot", "override")}
    for name, folder in out.items():
        folder.mkdir()
        (folder / "ledger.yaml").write_text(WEB.format(url=f"http://{name}.test"))
    (out["installed"] / "only_installed.yaml").write_text(
        WEB.replace("ledger", "only_installed").format(url="http://installed.test"))
    monkeypatch.setattr(selectors_module, "installed_selectors_dir", lambda: out["installed"])
    monkeypatch.delenv("FINBOTS_SELECTORS_DIR", raising=False)
    monkeypatch.delenv("FINBOTS_LEDGER_URL", raising=False)
    monkeypatch.delenv("FINBOTS_ONLY_INSTALLED_URL", raising=False)
    return out


def test_the_bot_folder_comes_before_the_installation(folders: dict[str, Path]) -> None:
    path = selector_search_path(folders["bot"])
    assert path == [folders["bot"], folders["installed"]]
    ledger = load_selectors("ledger", selectors_dirs=path)
    assert ledger.base_url == "http://bot.test" and ledger.source.parent == folders["bot"]
    # an app the bot does not ship is still found in the installation (compatibility)
    assert load_selectors("only_installed", selectors_dirs=path).base_url == \
        "http://installed.test"
    assert load_selectors("ledger").base_url == "http://installed.test"  # no bot: default


def test_the_override_folder_comes_first(
        folders: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINBOTS_SELECTORS_DIR", str(folders["override"]))
    path = selector_search_path(folders["bot"], None, folders["bot"])  # each folder once
    assert path == [folders["override"], folders["bot"], folders["installed"]]
    assert load_selectors("ledger", selectors_dirs=path).base_url == "http://override.test"


def test_a_missing_file_names_every_folder_tried(folders: dict[str, Path]) -> None:
    with pytest.raises(ConfigError, match="no selectors for app 'nope'") as err:
        load_selectors("nope", selectors_dirs=selector_search_path(folders["bot"]))
    assert str(folders["bot"]) in str(err.value) and str(folders["installed"]) in str(err.value)


def test_browser_session_and_run_context_search_the_bot_folder(
        folders: dict[str, Path], tmp_path: Path) -> None:
    recorder = StepRecorder("r", tmp_path / "r")
    session = BrowserSession(tmp_path / "r", recorder, Redactor(),
                             selectors_dirs=[folders["bot"]])
    assert session.selectors_dirs == [folders["bot"], folders["installed"]]
    alias = BrowserSession(tmp_path / "r", recorder, Redactor(), selectors_dir=folders["bot"])
    assert alias.selectors_dirs == session.selectors_dirs  # one-folder alias
    bot = Bot(name="ledger-check", version="0.1", apps=("ledger",), selectors=folders["bot"])
    with RunContext("sel-1", tmp_path / "run", bot=bot) as ctx:
        assert ctx.browser.selectors_dirs[0] == folders["bot"]


def test_desktop_selector_files_use_the_same_folders(folders: dict[str, Path]) -> None:
    for name in ("bot", "installed"):
        (folders[name] / "thick.yaml").write_text(DESKTOP.format(where=name))
    path = selector_search_path(folders["bot"])
    assert load_desktop_selectors("thick", selectors_dirs=path).launch[-1] == "bot"
    assert load_desktop_selectors("thick").launch[-1] == "installed"
    assert load_desktop_selectors("thick", folders["installed"]).launch[-1] == "installed"
