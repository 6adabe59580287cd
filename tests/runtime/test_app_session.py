"""AppSession against a real Chromium and a local HTTP server."""

from __future__ import annotations

import json
import time

import pytest

from bots.runtime import (
    ApplicationFailure,
    MemorySink,
    RunContext,
    SelectorError,
    UnexpectedDialogError,
)

pytestmark = pytest.mark.browser


def test_fallback_uses_second_locator_and_records_it(ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    app.open("/login")
    app.fill("login.username", "clerk")
    app.fill("login.password", "Pw-Secret-123")
    app.click("login.submit")
    app.wait_for("home.welcome")
    assert app.text("home.welcome") == "Welcome"
    steps = {(s["action"], s["selector"]): s for s in sink.steps}
    assert steps[("fill", "login.password")]["locator"] == "css=input[name=pwd]"
    assert steps[("click", "login.submit")]["locator"] == "role=button[name='Sign in']"
    assert steps[("fill", "login.username")]["data"] == {"value": "clerk"}
    assert steps[("fill", "login.password")]["data"] == {"value": "***"}


def test_steps_written_to_jsonl_and_sink(ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    app.open("/home")
    assert app.count("home.welcome") == 1
    assert app.count("nothing") == 0
    lines = [json.loads(x) for x in ctx.recorder.jsonl.read_text().splitlines()]
    assert [x["action"] for x in lines] == ["open", "count", "count"]
    assert [x["seq"] for x in lines] == [1, 2, 3]
    for rec, stored in zip(lines, sink.steps, strict=True):
        assert {k: v for k, v in stored.items() if k not in ("run_id", "started_at")} == {
            k: v for k, v in rec.items() if k not in ("seq", "started_at")}
        assert stored["started_at"].isoformat() == rec["started_at"]
        assert rec["outcome"] == "ok" and rec["app"] == "testapp"
        assert isinstance(rec["duration_ms"], int) and rec["duration_ms"] >= 0
        assert rec["started_at"].endswith("+00:00")
    assert sink.steps[0]["run_id"] == "run-1"


def test_no_match_lists_what_was_tried_and_screenshots(ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    app.open("/home")
    t0 = time.perf_counter()
    with pytest.raises(SelectorError) as err:
        app.locator("nothing", timeout_ms=300)
    assert time.perf_counter() - t0 < 2
    assert "css=#does-not-exist" in str(err.value) and "xpath=//nothing" in str(err.value)
    with pytest.raises(SelectorError, match="testapp: unknown selector name 'nope'"):
        app.click("nope")
    with pytest.raises(SelectorError):
        app.timeout_ms = 300
        app.click("nothing")
    failed = sink.steps[-1]
    assert failed["outcome"] == "failed" and "SelectorError" in failed["message"]
    assert failed["evidence"].startswith("screenshots/")
    assert (ctx.run_dir / failed["evidence"]).stat().st_size > 0


def test_frame_chain_select_check_value(ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    app.open("/frames")
    app.fill("inner.amount", "125.40")
    assert app.value("inner.amount") == "125.40"
    app.select("inner.currency", "Dollar")
    assert app.value("inner.currency") == "USD"
    app.check("inner.confirm")
    assert app.locator("inner.confirm").is_checked()
    assert app.text("inner.status") == "ready"
    fill = next(s for s in sink.steps if s["action"] == "fill")
    assert fill["locator"] == "css=input[name=amount]"


def test_popup(ctx: RunContext) -> None:
    app = ctx.browser.app("testapp")
    app.open("/popup")
    with app.popup("popup.open") as pop:
        assert pop.text("popup.detail") == "Invoice INV-1001"
        page = pop.page
    assert page.is_closed()


def test_dialogs_accepted_and_recorded(ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    app.open("/alert")
    app.click("alert.quiet")
    app.expect_no_dialog()
    app.click("alert.post")
    app.click("alert.quiet")  # the page is not blocked: the alert was accepted
    assert app.dialogs == ["Posted 3 items"]
    with pytest.raises(UnexpectedDialogError, match="Posted 3 items"):
        app.expect_no_dialog()
    assert app.take_dialogs() == []
    dialog = next(s for s in sink.steps if s["action"] == "dialog")
    assert dialog["data"] == {"type": "alert", "message": "Posted 3 items"}


def test_download_saved_under_run_dir(ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    app.open("/download")
    first = app.download("download.get")
    second = app.download("download.get")
    assert first == ctx.run_dir / "downloads" / "statement.csv"
    assert second.name == "statement-1.csv"
    assert first.read_text().startswith("date,amount")
    assert sink.steps[-1]["data"]["file"] == "downloads/statement-1.csv"


def test_wait_for_any_and_delayed_content(ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    app.open("/delayed")
    t0 = time.perf_counter()
    assert app.wait_for_any(["delayed.error", "delayed.result"]) == "delayed.result"
    assert time.perf_counter() - t0 < 2.5
    assert sink.steps[-1]["data"]["found"] == "delayed.result"
    app.open("/delayed")
    assert app.text("delayed.result") == "Done"  # resolution waits for the element
    with pytest.raises(SelectorError, match="none of"):
        app.wait_for_any(["delayed.error", "nothing"], timeout_ms=300)
    app.wait_for("delayed.error", state="detached", timeout_ms=300)


def test_checkpoint_and_custom_step(ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    app.open("/home")
    shot = app.checkpoint("after login")
    assert shot and (ctx.run_dir / shot).is_file()
    with ctx.recorder.step("post_payment", app="testapp", data={"amount": "10.00"},
                           rule="exact-reference") as st:
        st.data["confirmation"] = "C-1"
        st.note("posted")
    last = sink.steps[-1]
    assert last["rule"] == "exact-reference" and last["message"] == "posted"
    assert last["data"] == {"amount": "10.00", "confirmation": "C-1"}


def test_a_checkpoint_shows_the_whole_page_as_a_full_page_screenshot_would(
        ctx: RunContext, tmp_path) -> None:
    from PIL import Image, ImageChops

    app = ctx.browser.app("testapp")
    app.open("/home")
    for lines in (3, 120):  # a page within the view, and one three times its height
        app.page.evaluate("n => { document.body.innerHTML = Array.from({length: n}, "
                          "(_, i) => `<p>line ${i}</p>`).join(''); }", lines)
        shot = app.checkpoint(f"page of {lines} lines")
        assert shot
        reference = tmp_path / f"reference-{lines}.png"
        app.page.screenshot(path=str(reference), full_page=True)
        with Image.open(ctx.run_dir / shot) as got, Image.open(reference) as want:
            assert got.size == want.size
            assert got.size[1] > 2000 if lines == 120 else got.size[1] < 1000
            assert ImageChops.difference(got.convert("RGB"), want.convert("RGB")).getbbox() \
                is None


def test_images_blocked(tmp_path, selectors_dir, served: list[str]) -> None:
    for block, expect in ((True, False), (False, True)):
        served.clear()
        with RunContext(f"img-{block}", tmp_path / str(block), selectors_dir=selectors_dir,
                        block_media=block) as run:
            run.browser.app("testapp").open("/login")
        assert ("/logo.png" in served) is expect


def test_item_failure_screenshots_the_page_the_item_used(
        ctx: RunContext, sink: MemorySink) -> None:
    app = ctx.browser.app("testapp")
    with ctx.transaction({"id": 1, "reference": "P01"}) as tx:
        app.open("/home")
        raise ApplicationFailure("ERP_DOWN", "the ERP did not answer")
    assert tx.evidence and (ctx.run_dir / tx.evidence).stat().st_size > 0
    assert sink.failed == [(1, "application", "ERP_DOWN", "the ERP did not answer")]
    assert sink.steps[-1]["evidence"] == tx.evidence
    assert sink.steps[-1]["data"]["evidence_app"] == "testapp"
    with ctx.transaction({"id": 2, "reference": "P02"}) as other:  # decided from data
        raise ApplicationFailure("BAD_DATA", "no page of its own")
    assert other.evidence is None  # never the page item P01 left open
