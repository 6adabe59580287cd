"""A secret typed into the browser appears nowhere a run leaves behind."""

from __future__ import annotations

import zipfile
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from loguru import logger
from PIL import Image

from bots.runtime import MemorySink, RunContext

pytestmark = pytest.mark.browser

SECRET = "S3cr3t!Pass word&42"
OTP = "918273"


def _every_byte(run_dir: Path) -> list[tuple[str, bytes]]:
    found = []
    for path in run_dir.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        found.append((str(path), data))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                found += [(f"{path}!{n}", zf.read(n)) for n in zf.namelist()]
    return found


def _login_and_fail(run: RunContext) -> None:
    app = run.browser.app("testapp")
    app.open("/login")
    app.fill("login.username", "clerk")
    app.fill("login.password", SECRET)
    app.fill("login.otp", OTP)
    app.checkpoint("filled")
    app.click("login.submit")
    app.text("home.welcome")
    run.log.info("logged in with {}", SECRET)
    logger.info("global logger also sees {}", SECRET)
    try:
        raise RuntimeError(f"login rejected for password {SECRET}")
    except RuntimeError:
        run.log.exception("while logging in")
    raise RuntimeError(f"bot crashed holding {SECRET}")


def test_secret_nowhere_in_run_dir_trace_log_steps(
    tmp_path: Path, selectors_dir: Path, posted: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINBOTS_TRACE", "always")  # the fill itself must be in the trace
    sink = MemorySink()
    elsewhere: list[str] = []  # another sink of the process, as stderr would be
    handler = logger.add(elsewhere.append, format="{message}\n{exception}")
    run = RunContext("secret-run", tmp_path / "run", store=sink, selectors_dir=selectors_dir)
    try:
        with pytest.raises(RuntimeError), run:
            _login_and_fail(run)
    finally:
        logger.remove(handler)
    assert quote_plus(SECRET).encode() in posted[-1]  # it really was typed and sent
    trace = run.run_dir / "trace.zip"
    assert run.trace_path == trace and trace.is_file()
    with zipfile.ZipFile(trace) as zf:
        events = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".trace"))
    assert b'"value":"***"' in events  # the fill was traced, with the value replaced
    files = _every_byte(run.run_dir)
    assert any(name.endswith("bot.log") for name, _ in files)
    for secret in (SECRET, quote_plus(SECRET), OTP):
        leaks = [name for name, data in files if secret.encode() in data]
        assert leaks == [], f"{secret!r} found in {leaks}"
        assert secret not in repr(sink.steps)
        assert secret not in "".join(elsewhere)
    assert "global logger also sees ***" in "".join(elsewhere)
    log = (run.run_dir / "bot.log").read_text()
    assert "logged in with ***" in log and "login rejected for password ***" in log
    assert "Traceback" in log and "bot crashed holding ***" in log


def test_successful_run_keeps_no_trace(tmp_path: Path, selectors_dir: Path) -> None:
    with RunContext("ok-run", tmp_path / "run", selectors_dir=selectors_dir) as run:
        run.browser.app("testapp").open("/home")
    assert run.trace_path is None
    assert not (run.run_dir / "trace.zip").exists()
    assert (run.run_dir / "steps.jsonl").is_file()


def test_screenshot_masks_secret_fields(ctx: RunContext) -> None:
    app = ctx.browser.app("testapp")
    app.open("/login")
    app.page.set_viewport_size({"width": 800, "height": 300})
    app.fill("login.password", SECRET)
    app.fill("login.otp", OTP)
    app.fill("login.username", "clerk")
    shot = Image.open(ctx.run_dir / app.checkpoint("masked")).convert("RGB")
    text = ctx.recorder.steps[-1].data["page_text"]  # what the image's step says it shows
    assert "clerk" in text and SECRET not in text and OTP not in text
    for name, masked in (("pwd", True), ("otp", True), ("userid", False)):
        box = app.page.locator(f"input[name={name}]").bounding_box()
        assert box
        centre = (int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2))
        assert (shot.getpixel(centre) == (255, 0, 255)) is masked, name


def test_a_text_checkpoint_keeps_the_page_text_without_secrets_and_no_image(
        ctx: RunContext) -> None:
    app = ctx.browser.app("testapp")
    app.open("/login")
    app.fill("login.password", SECRET)
    app.fill("login.otp", OTP)
    app.fill("login.username", "clerk")

    assert app.checkpoint("typed", image=False) is None

    step = ctx.recorder.steps[-1]
    assert step.action == "checkpoint" and step.evidence is None
    assert step.data["label"] == "typed" and "clerk" in step.data["page_text"]
    assert SECRET not in step.data["page_text"] and OTP not in step.data["page_text"]
    assert not list(ctx.run_dir.rglob("*.png"))


def test_by_default_the_trace_starts_at_the_first_failure(
    tmp_path: Path, selectors_dir: Path
) -> None:
    run = RunContext("late-trace", tmp_path / "run", store=MemorySink(),
                     selectors_dir=selectors_dir, timeout_ms=3000)
    with pytest.raises(RuntimeError), run:
        app = run.browser.app("testapp")
        app.open("/login")
        app.fill("login.username", "before-any-failure")
        with pytest.raises(Exception):
            app.click("no.such.button")  # fails: the trace starts here
        app.fill("login.username", "after-the-failure")
        raise RuntimeError("the run fails")
    with zipfile.ZipFile(run.run_dir / "trace.zip") as zf:
        events = b"".join(zf.read(n) for n in zf.namelist() if n.endswith(".trace"))
    assert b"after-the-failure" in events
    assert events.count(b'"method":"fill"') == 1  # only the fill after the failure
