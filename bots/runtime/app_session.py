"""AppSession: one target application in one browser tab, driven by logical selectors.

Every action is a recorded step (selector name, locator used, data with secrets masked,
outcome, duration; a masked screenshot on failure). JS dialogs are accepted and recorded.
Lists and tables are read through logical selectors too, each read one step
(:meth:`AppSession.texts`, :meth:`AppSession.rows`, :meth:`AppSession.table`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from playwright.sync_api import CDPSession, Dialog, Locator, Page
from playwright.sync_api import Error as PlaywrightError

from bots.runtime.errors import HttpStatusError, UnexpectedDialogError
from bots.runtime.locate import (
    Hit,
    any_of,
    candidates,
    known_locator,
    present,
    resolve,
    resolve_hit,
    single,
)
from bots.runtime.paths import unique_path
from bots.runtime.reads import Row, read_rows, read_table
from bots.runtime.redact import MASK, Redactor
from bots.runtime.selectors import AppSelectors, SelectorSpec
from bots.runtime.steps import Step, StepRecorder
from bots.runtime.waits import wait_visible

__all__ = ["AppSession", "Row"]

T = TypeVar("T")
#: How long a repeatable action on a name's known locator waits before the name is
#: resolved again from all its locators (see :meth:`AppSession._repeatable`).
KNOWN_LOCATOR_MS = 1000.0

_PREVIEW = 200  # characters of a read result kept in its step
#: the text of every document the page shows (frames included, in one round trip), then
#: what its fields hold (a search box's reference is on the screenshot too); a frameset
#: document has no body, a password field is left out; ``null`` when a frame is of another
#: origin (then each frame is read on its own)
_READ_DOCUMENT = """(doc) => {
  if (!doc.body) return '';
  const fields = [...doc.body.querySelectorAll('input, textarea, select')]
    .filter(e => !['password', 'hidden', 'submit', 'button', 'checkbox', 'radio']
      .includes((e.type || '').toLowerCase()) && e.value)
    .map(e => (e.name || e.id || 'field') + ': ' + e.value);
  return [doc.body.innerText, ...fields].join('\\n');
}"""
_PAGE_TEXT = """() => {
  const read = READ_DOCUMENT;
  const out = [];
  const walk = (win) => {
    let doc;
    try { doc = win.document; if (!doc) return false; } catch (e) { return false; }
    if (doc.location.href !== 'about:blank') out.push(read(doc));
    for (let i = 0; i < win.frames.length; i++) if (!walk(win.frames[i])) return false;
    return true;
  };
  return walk(window) ? out : null;
}""".replace("READ_DOCUMENT", _READ_DOCUMENT)
_BODY_TEXT = f"() => ({_READ_DOCUMENT})(document)"  # one frame on its own
_SECRET_TEXTS = "els => els.map(e => String(e.value || e.innerText || ''))"


class AppSession:
    """Actions on one app's page by logical selector names (see the project's contracts)."""

    def __init__(
        self, app: str, page: Page, selectors: AppSelectors, recorder: StepRecorder,
        redactor: Redactor, run_dir: Path, timeout_ms: float,
    ) -> None:
        self.app, self.page, self.selectors = app, page, selectors
        self.recorder, self.redactor, self.run_dir = recorder, redactor, Path(run_dir)
        self.timeout_ms = timeout_ms
        self._dialogs: list[str] = []
        self._password_fields: dict[tuple[str, str], bool] = {}
        self._matched: dict[str, str] = {}  # logical name -> locator that matched first
        self._devtools: CDPSession | Literal[False] | None = None  # for screenshots
        page.set_default_timeout(timeout_ms)
        page.on("dialog", self._on_dialog)

    def __repr__(self) -> str:
        return f"AppSession({self.app!r}, {self.page.url!r})"

    @contextmanager
    def _action(
        self, action: str, name: str | None = None, data: dict[str, Any] | None = None
    ) -> Iterator[tuple[Step, Locator]]:
        if self.recorder.current is not self:
            # Switching tabs: the one the bot works in must be in front, or Chromium
            # throttles its timers and loads like those of any background tab.
            self.page.bring_to_front()
            self.recorder.current = self
        with self.recorder.step(action, app=self.app, selector=name, data=data, target=self) as st:
            loc = self.page.locator(":root")
            if name is not None:
                st.locator, loc = self._resolve(name)
            yield st, loc

    def _repeatable(self, action: str, name: str, data: dict[str, Any] | None,
                    do: Callable[[Step, Locator, float | None], T]) -> T:
        """A step whose action may run twice without harm (fill, select, a read): ``do(step,
        locator, timeout)``.

        Once a name has matched, its next uses act on that locator straight away (strict,
        or ``.first`` under ``multiple: first``), saving the round trip that counts the
        locators: the element is usually there, and Playwright itself refuses several
        matches. When it is not there within :data:`KNOWN_LOCATOR_MS`, or matches several,
        or its frame went away, the name is resolved as on first use (every locator
        counted in order, waiting, the ``multiple`` rule) and the action runs on what
        that gives. A click is never repeated this way: it goes through :meth:`_action`.
        """
        with self._action(action, data=data) as (st, _):
            st.selector = name
            known = self._matched.get(name)
            loc = None if known is None else known_locator(
                self.page, self.selectors.spec(name), known)
            if loc is not None:
                st.locator = known
                try:
                    return do(st, loc, min(self.timeout_ms, KNOWN_LOCATOR_MS))
                except PlaywrightError:  # not there (yet), several, or its frame is gone
                    pass
            st.locator, loc = self._resolve(name)
            return do(st, loc, None)

    def _resolve(self, name: str) -> tuple[str, Locator]:
        """The locator to act on, and the one recorded in the step.

        Every use of a name counts its locators in order (the one that matched last time
        first, so a fallback costs one round trip after its first use), waits for any to
        appear when none is there yet, and applies the selector's ``multiple`` rule to
        the count of the one that matched: the same on the first and every later use.
        """
        spec = self.selectors.spec(name)
        hit = resolve_hit(self.page, self.app, spec, self.timeout_ms,
                          prefer=self._matched.get(name))
        self._matched[name] = hit.text
        return hit.text, single(self.app, spec, hit)

    def _on_dialog(self, dialog: Dialog) -> None:
        self._dialogs.append(dialog.message)
        with self.recorder.step(
            "dialog", app=self.app, data={"type": dialog.type, "message": dialog.message}
        ):
            dialog.accept()

    def _secret_locators(self) -> list[Locator]:
        """Password inputs and every secret selector's locators, joined into one locator
        per frame chain (a mask or a text lookup then costs one query, not one each)."""
        joined: dict[tuple[str, ...], Locator] = {(): self.page.locator("input[type=password]")}
        for spec in self.selectors.secret_specs():
            for _, loc in candidates(self.page, spec):
                known = joined.get(spec.frame)
                joined[spec.frame] = loc if known is None else known.or_(loc)
        return list(joined.values())

    def capture(self, path: Path) -> None:
        """Full-page screenshot with password inputs and secret selectors masked.

        The secret locators are counted first (one query each, usually one for the page):
        only those matching something are masked, so a page that shows no secret is shot
        without Playwright's masking pass (a page-wide overlay set up and taken down
        around the image, about 40% of a screenshot's time).
        """
        shown = [loc for loc in self._secret_locators() if loc.count()]
        if shown or not self._shot_by_devtools(path):
            self.page.screenshot(path=str(path), full_page=True, mask=shown)

    def _shot_by_devtools(self, path: Path) -> bool:
        """A full-page PNG straight from Chromium's DevTools protocol, encoded for speed
        (the same pixels as Playwright's full-page screenshot, a larger file, about 10 ms
        less on a receipt page; the view is enlarged only for a page longer than it);
        False where the browser has no DevTools session (then Playwright's is used)."""
        if self._devtools is False:
            return False
        try:
            if self._devtools is None:
                self._devtools = self.page.context.new_cdp_session(self.page)
            metrics = self._devtools.send("Page.getLayoutMetrics")
            size, view = metrics["cssContentSize"], metrics["cssLayoutViewport"]
            beyond = size["width"] > view["clientWidth"] or size["height"] > view["clientHeight"]
            shot = self._devtools.send("Page.captureScreenshot", {
                "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": beyond,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"],
                         "scale": 1}})
        except PlaywrightError:
            self._devtools = False
            return False
        path.write_bytes(base64.b64decode(shot["data"]))
        return True

    def page_text(self) -> str:
        """The text the page shows (frames included), secret selectors' text left out:
        what a screenshot's step records beside the image."""
        parts = self.page.evaluate(_PAGE_TEXT)
        if parts is None:  # a frame of another origin: each frame on its own
            parts = [frame.evaluate(_BODY_TEXT) for frame in self.page.frames
                     if frame.url != "about:blank"]
        text = "\n".join(p for p in parts if p)
        if not self.selectors.secret_specs():
            return text
        for loc in self._secret_locators():
            for secret in loc.evaluate_all(_SECRET_TEXTS):
                if secret.strip():
                    text = text.replace(secret, "***")
        return text

    def open(self, path: str = "/") -> None:
        """Go to ``base_url + path`` (or to ``path`` when it is a full URL); waits for load.

        An HTTP error status of the page (4xx, 5xx) raises :class:`HttpStatusError` (an
        ApplicationFailure, code ``HTTP_ERROR``) naming the path and the status.
        """
        url = path if "://" in path else self.selectors.base_url + "/" + path.lstrip("/")
        with self._action("open", data={"url": url}) as (st, _):
            response = self.page.goto(url, wait_until="load")
            if response is None:  # the same document (a new #fragment): no HTTP answer
                return
            st.data["status"] = response.status
            if response.status >= 400:
                raise HttpStatusError(self.app, urlsplit(response.url).path or "/",
                                      response.status)

    def click(self, name: str) -> None:
        with self._action("click", name) as (_, loc):
            loc.click()

    def fill(self, name: str, value: str, secret: bool = False) -> None:
        def do(st: Step, loc: Locator, timeout: float | None) -> None:
            hidden = secret or self.selectors.spec(name).secret \
                or self._is_password(name, loc, timeout)
            if hidden:
                self.redactor.add(value)
                st.data["value"] = MASK
            else:
                st.data["value"] = value
            loc.fill(value, timeout=timeout)
        self._repeatable("fill", name, {"value": MASK}, do)

    def _is_password(self, name: str, loc: Locator, timeout: float | None) -> bool:
        """Whether the field is a password input (asked once per selector and locator)."""
        key = (name, self._matched.get(name, ""))
        known = self._password_fields.get(key)
        if known is None:
            known = (loc.get_attribute("type", timeout=timeout) or "").lower() == "password"
            self._password_fields[key] = known
        return known

    def select(self, name: str, value: str) -> None:
        def do(st: Step, loc: Locator, timeout: float | None) -> None:
            st.data["selected"] = loc.select_option(value, timeout=timeout)
        self._repeatable("select", name, {"value": value}, do)

    def check(self, name: str) -> None:
        self._repeatable("check", name, None,
                         lambda _st, loc, timeout: loc.check(timeout=timeout))

    def _read(self, action: str, name: str, value_of: str) -> str:
        def do(st: Step, loc: Locator, timeout: float | None) -> str:
            result = loc.inner_text(timeout=timeout) if value_of == "text" \
                else loc.input_value(timeout=timeout)
            st.data["result"] = MASK if self.selectors.spec(name).secret else result[:200]
            return result
        return self._repeatable(action, name, None, do)

    def text(self, name: str) -> str:
        return self._read("text", name, "text").strip()

    def value(self, name: str) -> str:
        return self._read("value", name, "value")

    def count(self, name: str) -> int:
        """Elements matched by the first locator that matches any (0 when none; no wait)."""
        with self._action("count") as (st, _):
            st.selector = name
            for text, loc in candidates(self.page, self.selectors.spec(name), now=True):
                n = loc.count()
                if n:
                    st.locator, st.data["count"] = text, n
                    return n
            st.data["count"] = 0
            return 0

    def exists(self, name: str) -> bool:
        """Whether any locator of ``name`` matches now (no wait; one browser round trip)."""
        with self._action("exists") as (st, _):
            st.selector = name
            combined = any_of(candidates(self.page, self.selectors.spec(name), now=True))
            st.data["result"] = found = combined is not None and combined.count() > 0
        return found

    # -- lists and tables -------------------------------------------------------------
    def _list(self, spec: SelectorSpec, wait: bool) -> Hit | None:
        """The first locator of ``spec`` matching now (after waiting for one if ``wait``)."""
        hit = present(candidates(self.page, spec, self._matched.get(spec.name), now=True))
        if hit is None and wait:
            hit = resolve_hit(self.page, self.app, spec, self.timeout_ms)
        return hit

    def texts(self, name: str, *, wait: bool = False) -> list[str]:
        """The inner texts (stripped) of every element ``name`` matches; one step.

        Reads what is there now (``[]`` when nothing matches); ``wait=True`` waits up to
        the session timeout for a first match and fails with a SelectorError without one.
        """
        spec = self.selectors.spec(name)
        with self._action("texts", data={"wait": wait}) as (st, _):
            st.selector = name
            hit = self._list(spec, wait)
            result = [] if hit is None else [t.strip() for t in hit.locator.all_inner_texts()]
            st.locator = hit.text if hit else None
            st.data["count"] = len(result)
            st.data["result"] = MASK if spec.secret else "\n".join(result)[:_PREVIEW]
        return result

    def rows(self, name: str, *, wait: bool = False) -> list[Row]:
        """Every element ``name`` matches as a :class:`Row` with its declared ``cells``
        (``row.text(cell)``, ``row.cells()``), read in one step (and, for CSS and XPath
        cells, one browser round trip). ``wait`` as for :meth:`texts`."""
        spec = self.selectors.spec(name)
        with self._action("rows", data={"wait": wait}) as (st, _):
            st.selector = name
            hit = self._list(spec, wait)
            result = [] if hit is None else read_rows(self.app, spec, hit.locator)
            st.locator = hit.text if hit else None
            st.data.update(count=len(result), cells=[c.name for c in spec.cells])
            if result and not spec.secret:
                st.data["first"] = {k: v[:_PREVIEW] for k, v in result[0].cells().items()}
        return result

    def table(self, name: str) -> list[dict[str, str]]:
        """The plain HTML ``<table>`` ``name`` names, one dict per body row (header ->
        cell text; header from ``<thead>``, else the first row; colspan expanded)."""
        with self._action("table", name) as (st, loc):
            result = read_table(self.app, self.selectors.spec(name), loc)
            st.data["count"] = len(result)
            st.data["columns"] = list(result[0]) if result else []
        return result

    def locator(self, name: str, timeout_ms: float | None = None) -> Locator:
        """The resolved Playwright Locator of every match (no ``multiple`` rule; not a
        step: record your own around its use). Prefer texts/rows/table to read lists."""
        spec = self.selectors.spec(name)
        return resolve(self.page, self.app, spec, timeout_ms or self.timeout_ms)[1]

    def wait_for(self, name: str, state: str = "visible", timeout_ms: float | None = None) -> None:
        timeout = timeout_ms or self.timeout_ms
        with self._action("wait_for", data={"state": state}) as (st, _):
            st.selector = name
            if state == "visible":
                st.locator = wait_visible(self.page, self.selectors, [name], timeout)[1]
            elif state == "attached":
                st.locator = resolve(self.page, self.app, self.selectors.spec(name), timeout)[0]
            else:
                for _, loc in candidates(self.page, self.selectors.spec(name)):
                    loc.first.wait_for(state=state, timeout=timeout)  # type: ignore[arg-type]

    def wait_for_any(self, names: list[str], timeout_ms: float | None = None) -> str:
        timeout = timeout_ms or self.timeout_ms
        with self._action("wait_for_any", data={"names": list(names)}) as (st, _):
            st.selector = ",".join(names)
            found, st.locator = wait_visible(self.page, self.selectors, list(names), timeout)
            st.data["found"] = found
        return found

    def download(self, name: str) -> Path:
        """Click ``name`` and save the download under ``run_dir/downloads/``."""
        with self._action("download", name) as (st, loc):
            with self.page.expect_download(timeout=self.timeout_ms) as info:
                loc.click()
            target = unique_path(self.run_dir / "downloads", info.value.suggested_filename)
            info.value.save_as(target)
            st.data["file"] = target.relative_to(self.run_dir).as_posix()
        return target

    @contextmanager
    def popup(self, name: str) -> Iterator[AppSession]:
        """Click ``name``; yields an AppSession on the window it opens (closed after)."""
        with self._action("popup", name) as (st, loc):
            with self.page.expect_popup(timeout=self.timeout_ms) as info:
                loc.click()
            page = info.value
            page.wait_for_load_state()
            st.data["url"] = page.url
        session = AppSession(
            self.app, page, self.selectors, self.recorder, self.redactor, self.run_dir,
            self.timeout_ms,
        )
        try:
            yield session
        finally:
            if not page.is_closed():
                page.close()
            self.recorder.current = self

    @property
    def dialogs(self) -> list[str]:
        """Messages of the JS dialogs seen (auto-accepted), newest last."""
        return list(self._dialogs)

    def take_dialogs(self) -> list[str]:
        seen, self._dialogs = self._dialogs, []
        return seen

    def expect_no_dialog(self) -> None:
        """Raise :class:`UnexpectedDialogError` if a dialog was shown since the last take."""
        seen = self.take_dialogs()
        if seen:
            raise UnexpectedDialogError(f"{self.app} showed: " + " | ".join(seen))

    def checkpoint(self, label: str, *, image: bool = True) -> str | None:
        """The page as it is now, recorded as a step: a masked screenshot (returns its path
        relative to run_dir) and the page's text; ``image=False``: the text alone (no
        screenshot, returns None), a record that costs one read of the page instead of
        an image."""
        with self._action("checkpoint", data={"label": label}) as (st, _):
            if image:
                st.evidence = self.recorder.screenshot(f"{st.seq:04d}-{label}", self, step=st)
            else:
                self.recorder.note_text(st, self)
        return st.evidence
