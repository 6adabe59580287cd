"""DesktopSession on a real Tk window: logical names, fallbacks, secrets, dialogs, OCR."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from bots.runtime import Redactor, StepRecorder
from bots.runtime.desktop import DesktopSession, desktop_session, ocr
from bots.runtime.desktop.process import stop_apps
from bots.runtime.errors import SelectorError, UnexpectedDialogError

pytestmark = pytest.mark.desktop

PROBE = Path(__file__).with_name("probe_app.py")
SELECTORS = f"""
app: probe
version: "1"
window_class: FinbotsProbe
launch: [{json.dumps(sys.executable)}, {json.dumps(str(PROBE))}]
windows:
  main: {{title: "^Probe - ", main: true}}
  ready: {{title: "^Probe - Ready$", main: true}}
  done: {{title: "^Probe - Done$", main: true}}
  error: "^Probe Error$"
selectors:
  name: {{window: main, verify: true, locators: ["keys=alt+n"]}}
  name.by_label: {{window: main, verify: true, locators: ["text=Name@+120,0"]}}
  name.wrong_path_first: {{window: main, verify: true, locators: ["keys=alt+s", "xy=150,32"]}}
  secret: {{window: main, secret: true, locators: ["keys=alt+s"], mask: [100, 60, 200, 24]}}
  button: {{window: main, locators: ["xy=160,115"]}}
"""


class Ctx:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.redactor = Redactor()
        self.recorder = StepRecorder("t", run_dir, redactor=self.redactor)


@pytest.fixture
def ctx(tmp_path: Path) -> Ctx:
    return Ctx(tmp_path / "run")


@pytest.fixture
def session(ctx: Ctx, display: str, tmp_path: Path) -> Iterator[DesktopSession]:
    folder = tmp_path / "selectors"
    folder.mkdir()
    (folder / "probe.yaml").write_text(SELECTORS)
    app = desktop_session(ctx, "probe", selectors_dir=folder, timeout_ms=5000)
    assert app.launch() == "main"
    yield app
    stop_apps("probe")


def _steps(ctx: Ctx) -> list[dict]:
    return [json.loads(line) for line in (ctx.run_dir / "steps.jsonl").read_text().splitlines()]


def test_fill_press_wait_and_read_back(session: DesktopSession, ctx: Ctx) -> None:
    session.fill("name", "Borealis Foods")
    session.press("F5", "main")
    session.wait_for("main")
    assert session.value("name") == "Borealis Foods"
    session.press("F8", "main")
    assert session.wait_for_any(["done", "error"]) == "done"
    fills = [s for s in _steps(ctx) if s["action"] == "fill"]
    assert fills[0]["locator"] == "keys=alt+n" and fills[0]["data"]["value"] == "Borealis Foods"


def test_a_key_path_that_lands_elsewhere_falls_back_to_the_next_locator(
        session: DesktopSession, ctx: Ctx) -> None:
    session.fill("name.wrong_path_first", "C1002")
    assert session.value("name") == "C1002"
    step = [s for s in _steps(ctx) if s["action"] == "fill"][-1]
    assert step["locator"] == "xy=150,32"


def test_a_secret_is_masked_in_steps_and_screenshots(session: DesktopSession, ctx: Ctx) -> None:
    session.fill("secret", "Erp#Sandbox-42")
    session.click("button")
    label = session.checkpoint("after-secret")
    assert label is not None
    text = (ctx.run_dir / "steps.jsonl").read_text()
    assert "Erp#Sandbox-42" not in text and "***" in text
    assert ctx.redactor.redact("pw Erp#Sandbox-42") == "pw ***"
    with Image.open(ctx.run_dir / label) as image:
        field = image.convert("L").crop((102, 62, 298, 82))
        assert set(field.getdata()) == {0}  # painted over


def test_a_checkpoint_without_image_names_the_windows_shown(session: DesktopSession,
                                                             ctx: Ctx) -> None:
    assert session.checkpoint("no-image", image=False) is None
    step = _steps(ctx)[-1]
    assert step["action"] == "checkpoint" and step["evidence"] is None
    assert any(title.startswith("Probe - ") for title in step["data"]["windows"]), step
    assert not list(ctx.run_dir.rglob("*.png"))


def test_an_unexpected_dialog_raises_with_its_text_and_a_screenshot(
        session: DesktopSession, ctx: Ctx) -> None:
    session.press("F7", "main")
    with pytest.raises(UnexpectedDialogError, match="Something went wrong"):
        session.wait_for("done", timeout_ms=3000)
    failed = [s for s in _steps(ctx) if s["outcome"] == "failed"][-1]
    assert failed["evidence"] and (ctx.run_dir / failed["evidence"]).stat().st_size > 2000
    with pytest.raises(UnexpectedDialogError):
        session.fill("name", "blocked by the dialog")
    assert session.dismiss_dialogs() == ["[Probe Error]\n---\nSomething went wrong.\n---\nOK"]
    session.fill("name", "free again")


def test_a_dialog_just_answered_may_take_a_moment_to_close(session: DesktopSession) -> None:
    session.press("F7", "main")
    session.wait_for("error")
    session.press("ctrl+Return", "error")  # the dialog stays up 300 ms after the key
    session.wait_for("done", timeout_ms=3000)


def test_an_answered_dialog_that_stays_up_is_unexpected(session: DesktopSession) -> None:
    session.press("F7", "main")
    session.wait_for("error")
    session.press("F1", "error")  # a key the dialog ignores
    with pytest.raises(UnexpectedDialogError, match="Something went wrong"):
        session.wait_for("done", timeout_ms=5000)
    session.dismiss_dialogs()


def test_a_wait_names_what_is_shown_when_it_times_out(session: DesktopSession) -> None:
    with pytest.raises(SelectorError, match="Probe - Ready"):
        session.wait_for("done", timeout_ms=300)


@pytest.mark.skipif(not ocr.available(), reason="needs Tesseract (Debian tesseract-ocr)")
def test_ocr_finds_a_label_and_reads_the_window(session: DesktopSession, ctx: Ctx) -> None:
    session.fill("name.by_label", "by label")
    assert session.value("name") == "by label"
    session.wait_text("Secret", "main")
