"""Both desktop drivers against a real Tk window under Xvfb: keys, typing, windows,
clipboard, clicks, screenshots."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from bots.runtime.desktop import DesktopDriver, Window, make_driver

pytestmark = pytest.mark.desktop

PROBE = Path(__file__).with_name("probe_app.py")
CLASS = "FinbotsProbe"


def wait_until(check: Callable[[], object], timeout_s: float = 10) -> object:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def titled(driver: DesktopDriver, prefix: str) -> Window | None:
    return next((w for w in driver.windows(CLASS) if w.title.startswith(prefix)), None)


@pytest.fixture(params=["xdotool", "rpa"])
def driver(request: pytest.FixtureRequest, display: str) -> DesktopDriver:
    return make_driver(request.param, display)


@pytest.fixture
def probe(driver: DesktopDriver) -> Iterator[Window]:
    proc = subprocess.Popen([sys.executable, str(PROBE)])
    try:
        window = wait_until(lambda: titled(driver, "Probe - Ready"))
        assert isinstance(window, Window)
        driver.focus(window)
        yield window
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        wait_until(lambda: not driver.windows(CLASS))


def test_type_keys_and_wait_for_a_title(driver: DesktopDriver, probe: Window) -> None:
    driver.type_text("Acme 42-x.#", keys_before=["alt+n", "ctrl+a", "BackSpace"])
    driver.press(["F5"])
    assert wait_until(lambda: titled(driver, "Probe - Acme 42-x.#"))
    active = driver.active()
    assert active is not None and active.id == probe.id and active.box[2] == 420


def test_clipboard_reads_what_the_application_copied(
        driver: DesktopDriver, probe: Window) -> None:
    driver.type_text("INV-2026-1001", keys_before=["alt+n"])
    driver.write_clipboard("marker")
    assert driver.read_clipboard() == "marker"
    driver.press(["ctrl+a", "ctrl+c"])
    assert wait_until(lambda: driver.read_clipboard() == "INV-2026-1001")
    driver.type_text("hunter2", keys_before=["alt+s"])
    driver.press(["ctrl+a", "ctrl+c"])
    assert wait_until(lambda: driver.read_clipboard() == "*******")  # masked field


def test_a_dialog_window_appears_and_goes(driver: DesktopDriver, probe: Window) -> None:
    driver.press(["F7"])
    dialog = wait_until(lambda: titled(driver, "Probe Error"))
    assert isinstance(dialog, Window)
    assert wait_until(lambda: (driver.active() or Window(0, "")).title == "Probe Error")
    driver.press(["Return"])
    assert wait_until(lambda: titled(driver, "Probe Error") is None)
    driver.press(["F8"])
    assert wait_until(lambda: titled(driver, "Probe - Done"))


def test_click_and_screenshot(driver: DesktopDriver, probe: Window, tmp_path: Path) -> None:
    left, top, width, height = driver.box(probe).box
    assert (width, height) == (420, 200)
    driver.click(left + 150, top + 115)
    assert wait_until(lambda: titled(driver, "Probe - clicked"))
    shot = tmp_path / "probe.png"
    driver.screenshot(shot, (left, top, width, height))
    with Image.open(shot) as image:
        assert image.size == (420, 200)
        assert len(set(image.convert("L").getdata())) > 5
