"""Desktop selector files and the desktop client's fault knobs (no display needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.payment_posting import BOT
from bots.runtime.desktop.locators import key_path
from bots.runtime.desktop.selectors import load_desktop_selectors, parse_desktop_selectors
from bots.runtime.errors import ConfigError, SelectorError
from sandbox.desktop_erp.knobs import Knobs, clear_faults, write_faults


def test_the_shipped_selector_file_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINBOTS_SANDBOX_DIR", "/data/sandbox")
    monkeypatch.delenv("FINBOTS_DESKTOP_ERP_CMD", raising=False)
    sel = load_desktop_selectors("desktop_erp", BOT.selectors)
    assert sel.command()[-2:] == ["--db", "/data/sandbox/erp.db"]
    assert sel.is_main("NWC Financials AR 4.2 - Cash Receipt Entry [Busy]")
    assert not sel.is_main("NWC Financials - Run-time Error")
    assert sel.element("login.password").secret and sel.element("login.password").mask
    assert sel.element("receipt.row3.reason").locators[0] == "keys=alt+i Tab*11"
    with pytest.raises(SelectorError, match="unknown selector name 'nope'"):
        sel.element("nope")
    monkeypatch.setenv("FINBOTS_DESKTOP_ERP_CMD", "/opt/erp/client --db '/my db'")
    assert sel.command() == ["/opt/erp/client", "--db", "/my db"]


@pytest.mark.parametrize(("text", "message"), [
    ("app: [", "not valid YAML"),
    ("window_class: X\nwindows: {}\nselectors: {}\n", "launch must be"),
    ("launch: [a]\nwindows: {}\nselectors: {}\n", "window_class is missing"),
    ("launch: [a]\nwindow_class: X\nwindows: {w: {main: true}}\nselectors: {}\n",
     "windows.w must be a title"),
    ("launch: [a]\nwindow_class: X\nwindows: {w: '('}\nselectors: {}\n",
     "not a regular expression"),
    ("launch: [a]\nwindow_class: X\nwindows: {w: t}\nselectors: {e: {window: v, "
     "locators: [keys=a]}}\n", "selectors.e.window must name"),
    ("launch: [a]\nwindow_class: X\nwindows: {w: t}\nselectors: {e: {window: w, "
     "locators: [css=a]}}\n", "selectors.e.locators must be"),
    ("launch: [a]\nwindow_class: X\nwindows: {w: t}\nselectors: {e: {window: w, "
     "locators: [keys=a], mask: [1, 2]}}\n", "mask must be"),
])
def test_invalid_files_name_the_file_and_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as err:
        parse_desktop_selectors("app", text, Path("selectors/app.yaml"))
    assert "app.yaml" in str(err.value)


def test_key_paths_repeat() -> None:
    assert key_path("alt+i Tab*3 F9") == ["alt+i", "Tab", "Tab", "Tab", "F9"]
    assert key_path("") == []


def test_the_modal_error_knob_hits_the_nth_reference_every_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINBOTS_DESKTOP_ERP_MODAL_ERROR_ON_POST", raising=False)
    path = tmp_path / "faults.json"
    knobs = Knobs(path)
    assert not knobs.modal_error_for("R1")
    write_faults(path, modal_error_on_post=2)
    assert [knobs.modal_error_for(r) for r in ("R1", "R2", "R2", "R3", "R2")] == [
        False, True, True, False, True]
    write_faults(path, modal_error_on_post=1, slow_ms="5-10")  # a new file: counted anew
    assert knobs.modal_error_for("R9") and not knobs.modal_error_for("R1")
    assert knobs.slow_bounds() == (5, 10)
    clear_faults(path)
    monkeypatch.setenv("FINBOTS_DESKTOP_ERP_MODAL_ERROR_ON_POST", "1")
    assert knobs.modal_error_for("R5") and not knobs.modal_error_for("R6")
