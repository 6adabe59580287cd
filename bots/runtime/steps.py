"""Every action of a bot is a step: timed, with its data, outcome and evidence.

Steps go to ``runs/<run-id>/steps.jsonl`` (a run is readable without the database) and to
the :class:`~bots.runtime.sinks.StepSink`. Failures take a screenshot of the step's page
and re-raise.

Evidence belongs to its work item: between :meth:`StepRecorder.begin_item` and
:meth:`StepRecorder.end_item` the recorder notes each page (app session) a step used, and a
failure without a page of its own takes the screenshot of the page this item used last;
when the item used none there is no screenshot (never a page left over from another item).

A screenshot's step also records the text the page showed (``page_text``, the first
:data:`PAGE_TEXT_LIMIT` characters, secrets redacted like all step data), so a reader can
check what the image shows without looking at it: e.g. that a case's screenshot is the
page of its own payment.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from loguru import logger

from bots.runtime.errors import BusinessFailure
from bots.runtime.paths import private_folder
from bots.runtime.redact import Redactor
from bots.runtime.sinks import StepSink

__all__ = ["PAGE_TEXT_LIMIT", "Capturable", "Outcome", "Step", "StepRecorder"]

Outcome = Literal["ok", "failed", "skipped"]
#: How much of a page's text a screenshot's step keeps.
PAGE_TEXT_LIMIT = 4000


@runtime_checkable
class Capturable(Protocol):
    """Something that can save a (secret-masked) screenshot of itself."""

    def capture(self, path: Path) -> None: ...


@dataclass
class Step:
    seq: int
    started_at: datetime
    action: str
    app: str | None = None
    selector: str | None = None
    locator: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None
    outcome: Outcome = "ok"
    duration_ms: int = 0
    message: str | None = None
    evidence: str | None = None
    target: Capturable | None = field(default=None, repr=False)
    _t0: float = field(default_factory=time.perf_counter, repr=False)

    def note(self, message: str) -> None:
        """Append a line to the step's message."""
        self.message = f"{self.message}\n{message}" if self.message else message

    def skip(self, message: str | None = None) -> None:
        """Mark the step skipped (it still ends normally)."""
        self.outcome = "skipped"
        if message:
            self.note(message)

    def as_record(self) -> dict[str, Any]:
        """The JSON-serialisable fields a sink receives."""
        out = {name: getattr(self, name) for name in _PUBLIC}
        out["started_at"] = self.started_at.isoformat()
        out["data"] = dict(self.data)
        return out


_PUBLIC = (
    "seq", "started_at", "action", "app", "selector", "locator", "data", "rule", "outcome",
    "duration_ms", "message", "evidence",
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:60] or "shot"


class StepRecorder:
    """Records the steps of one run."""

    def __init__(
        self, run_id: Any, run_dir: Path, sink: StepSink | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.run_id = run_id
        self.run_dir = Path(run_dir)
        self.sink = sink
        self.redactor = redactor if redactor is not None else Redactor()
        self.steps: list[Step] = []
        self.current: Capturable | None = None  # the page used last: failure evidence
        self._item_targets: list[Capturable] | None = None  # pages the current item used
        self.last_captured: Capturable | None = None  # the page of the latest screenshot
        self._seq = 0
        self._lock = threading.Lock()
        self.on_failure: list[Callable[[], None]] = []  # run after a failed step
        private_folder(self.run_dir)
        self.jsonl = self.run_dir / "steps.jsonl"
        self._fd: int | None = None  # steps.jsonl, opened for appending at the first step
        self._closer: weakref.finalize | None = None

    def start(self, action: str, **attrs: Any) -> Step:
        with self._lock:
            self._seq += 1
            seq = self._seq
        target = attrs.pop("target", None)
        if target is not None:
            self._used(target)
        data = dict(attrs.pop("data", None) or {})
        return Step(seq, datetime.now(UTC), action, data=data, target=target, **attrs)

    def finish(self, step: Step, exc: BaseException | None = None, *,
               capture: bool = True) -> Step:
        """End ``step``; a failure (``exc``) takes a screenshot unless ``capture`` is False."""
        step.duration_ms = round((time.perf_counter() - step._t0) * 1000)
        if exc is not None:
            step.outcome = "failed"
            step.note(self.redactor.describe(exc))
            if step.evidence is None and capture:
                step.evidence = self.screenshot(f"{step.seq:04d}-failed-{step.action}",
                                                step.target, step=step)
            hooks = [] if isinstance(exc, BusinessFailure) else self.on_failure
            for callback in hooks:  # technical trouble only: bad data is not a bot fault
                try:
                    callback()
                except Exception as cb_exc:
                    logger.warning("failure hook: {}", self.redactor.describe(cb_exc))
        self._record(step)
        return step

    @contextmanager
    def step(self, action: str, **attrs: Any) -> Iterator[Step]:
        """``with recorder.step("post", app=..., selector=..., data=..., rule=...) as st:``

        Also accepts ``target=`` (a :class:`Capturable` to screenshot on failure;
        default: the page used last).
        """
        st = self.start(action, **attrs)
        try:
            yield st
        except BaseException as exc:
            self.finish(st, exc)
            raise
        self.finish(st)

    # -- the pages of one work item ---------------------------------------------------
    def begin_item(self) -> None:
        """A work item starts: from now on failure evidence comes from its pages only."""
        with self._lock:
            self._item_targets = []

    def end_item(self) -> None:
        """The work item is released: evidence falls back to the page used last."""
        with self._lock:
            self._item_targets = None

    def item_targets(self) -> list[Capturable] | None:
        """The pages the current item used, the one used last at the end (None: no item)."""
        with self._lock:
            return None if self._item_targets is None else list(self._item_targets)

    def _used(self, target: Capturable) -> None:
        with self._lock:
            if self._item_targets is not None:
                self._item_targets = [t for t in self._item_targets if t is not target]
                self._item_targets.append(target)

    def screenshot(self, label: str, target: Capturable | None = None, *,
                   step: Step | None = None) -> str | None:
        """Save a screenshot of ``target``; returns its path relative to the run directory.

        Without a target: the page the current work item used last (none when it used
        none), or outside an item the page used last. ``step``: the step the image
        belongs to, which records the page's text (``page_text``) when the page has one.
        """
        if target is not None:
            return self._capture(label, target, step)
        item_targets = self.item_targets()
        if item_targets is None:
            return self._capture(label, self.current, step) if self.current is not None \
                else None
        for candidate in reversed(item_targets):  # a closed popup: the page before it
            shot = self._capture(label, candidate, step)
            if shot is not None:
                return shot
        return None

    def _capture(self, label: str, target: Capturable, step: Step | None = None) -> str | None:
        rel = Path("screenshots") / f"{_slug(label)}.png"
        try:
            (self.run_dir / rel.parent).mkdir(parents=True, exist_ok=True)
            target.capture(self.run_dir / rel)
        except Exception as exc:
            logger.warning("screenshot {} failed: {}", rel, self.redactor.describe(exc))
            return None
        self.last_captured = target
        if step is not None:
            self.note_text(step, target)
        return rel.as_posix()

    def note_text(self, step: Step, target: Capturable) -> None:
        """The text ``target`` shows now, into the step's data as ``page_text`` (when it
        can tell; a page that cannot be read leaves a warning in the log, not a failure)."""
        read = getattr(target, "page_text", None)
        if not callable(read):
            return
        try:
            text = read()
        except Exception as exc:  # the image is the evidence; its text is a help
            logger.warning("page text for step {} not read: {}", step.seq,
                           self.redactor.describe(exc))
            return
        if isinstance(text, str):
            step.data["page_text"] = text[:PAGE_TEXT_LIMIT]

    def _append(self, line: bytes) -> None:
        """Append ``line`` to ``steps.jsonl`` (caller holds the lock). The file stays open
        for appending: each step is one ``write`` that returns once the operating system
        has the line (as a close would; no fsync), without opening the file every step."""
        if self._fd is None:
            self._fd = os.open(self.jsonl, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._closer = weakref.finalize(self, os.close, self._fd)
        view = memoryview(line)
        while view:  # a regular file takes it in one write; a short one is continued
            view = view[os.write(self._fd, view):]

    def close(self) -> None:
        """Close ``steps.jsonl`` (a later step opens it again)."""
        with self._lock:
            if self._closer is not None:
                self._closer()
            self._fd, self._closer = None, None

    def _record(self, step: Step) -> None:
        record = step.as_record()
        record["data"] = self.redactor.redact_value(record["data"])
        for key in ("message", "locator", "rule"):
            if record[key]:
                record[key] = self.redactor.redact(record[key])
        step.data, step.message = record["data"], record["message"]
        line = (json.dumps(record, default=str, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            self.steps.append(step)
            self._append(line)
        if self.sink is not None:
            stored = {k: v for k, v in record.items() if k != "seq"}  # the store numbers
            stored["started_at"] = step.started_at
            try:
                self.sink.add_step(self.run_id, **stored)
            except Exception as exc:
                logger.error("step {} not stored: {}", step.seq, self.redactor.describe(exc))
