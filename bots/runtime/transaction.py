"""``with ctx.transaction(item) as tx:`` — one work item, released exactly once.

- normal exit: the item is completed with ``tx.output``;
- :class:`BusinessFailure`: failed ``business`` (never retried);
- :class:`ApplicationFailure` or any other ``Exception``: failed ``application``
  (retryable).

A failure takes a screenshot of the page the item used last (see
:meth:`~bots.runtime.steps.StepRecorder.begin_item`): the evidence is this item's, never
a page another item left open. The exception stays inside the block, so the bot goes on
with its next item; only ``KeyboardInterrupt``/``SystemExit`` (after releasing the item as
an application failure) propagate. ``on_failure(tx)`` runs after a failed release, e.g. to
open an exception case. :class:`~bots.runtime.queues.Item` builds on this class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Literal

from loguru import logger

from bots.runtime.errors import ApplicationFailure, BotFailure, BusinessFailure
from bots.runtime.sinks import ItemSink
from bots.runtime.steps import Step, StepRecorder

__all__ = ["Result", "Transaction", "as_failure", "item_id", "item_reference"]

Result = Literal["successful", "business", "application"]


def item_id(item: Any) -> Any:
    return item["id"] if isinstance(item, Mapping) else item.id


def item_reference(item: Any) -> str | None:
    ref = item.get("reference") if isinstance(item, Mapping) else getattr(item, "reference", None)
    return None if ref is None else str(ref)


def as_failure(exc: BaseException, describe: Callable[[BaseException], str]) -> BotFailure:
    """``exc`` as the failure it releases an item with (any other error: application)."""
    if isinstance(exc, BotFailure):
        return exc
    code = "UNEXPECTED_ERROR" if isinstance(exc, Exception) else "INTERRUPTED"
    return ApplicationFailure(code, describe(exc))


class Transaction:
    def __init__(
        self, item: Any, sink: ItemSink | None, recorder: StepRecorder,
        on_failure: Callable[[Transaction], None] | None = None, log: Any = logger,
    ) -> None:
        self.item, self.sink, self.recorder = item, sink, recorder
        self.on_failure, self.log = on_failure, log
        self.output: dict[str, Any] = {}
        self.result: Result | None = None
        self.failure: BotFailure | None = None
        self.evidence: str | None = None
        self.retried = False  # an application failure the queue tries again
        self._released = False
        self._step: Step | None = None

    def __repr__(self) -> str:
        return f"Transaction({item_reference(self.item) or item_id(self.item)!r}, {self.result})"

    @property
    def released(self) -> bool:
        return self._released

    def begin(self) -> None:
        """Start the item's step and its evidence scope (once; ``with`` calls it)."""
        if self._step is None and not self._released:
            self.recorder.begin_item()
            self._step = self.recorder.start(
                "transaction",
                data={"item": item_id(self.item), "reference": item_reference(self.item)})

    def __enter__(self) -> Transaction:
        self.begin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            if not self._released:  # released inside the block already: nothing to do
                self._release("successful", None)
            return True
        self.release_for(exc)
        return isinstance(exc, Exception)

    def release_for(self, exc: BaseException) -> None:
        """Release by the kind of ``exc`` (business, else application)."""
        failure = as_failure(exc, self.recorder.redactor.describe)
        result: Result = "business" if isinstance(failure, BusinessFailure) else "application"
        self._release(result, failure, None if failure is exc else exc)

    def _release(
        self, result: Result, failure: BotFailure | None, cause: BaseException | None = None
    ) -> None:
        if self._released:  # the guard: an item is released exactly once
            self.log.warning("item {} already released", item_id(self.item))
            return
        self.begin()
        self._released = True
        self.result, self.failure = result, failure
        redactor = self.recorder.redactor
        step = self._step
        assert step is not None
        step.data["result"] = result
        try:
            if failure is not None:  # masked at the source: handlers and cases see it redacted
                failure.message = redactor.redact(failure.message)
                failure.args = tuple(redactor.redact_value(list(failure.args)))
                step.data.update(kind=failure.kind, code=failure.code)
                self.log.warning("item {} failed ({}): {}", item_id(self.item), result, failure)
                if result == "application":
                    self.log.error(redactor.format_exception(cause or failure))
                self._take_evidence(step)
            if failure is None:
                self._complete(redactor.redact_value(dict(self.output)))
            else:
                self.retried = bool(self._fail(result, failure.code,
                                               redactor.redact(failure.message)))
        finally:
            self.recorder.finish(step, failure, capture=False)  # evidence taken above
            self.recorder.end_item()
            self.evidence = step.evidence
        if failure is not None and self.on_failure is not None:
            try:
                self.on_failure(self)
            except Exception as exc:
                self.log.error("failure handler for item {} failed: {}",
                               item_id(self.item), redactor.describe(exc))

    def _take_evidence(self, step: Step) -> None:
        """The screenshot of the page this item used last (none when it used none)."""
        self.recorder.last_captured = None
        step.evidence = self.recorder.screenshot(f"{step.seq:04d}-failed-transaction",
                                                 step=step)
        target = self.recorder.last_captured if step.evidence else None
        step.data["evidence_app"] = getattr(target, "app", None)

    # -- where the outcome goes (an Item releases through its queue's backend) ----------
    def _complete(self, output: dict[str, Any]) -> None:
        if self.sink is not None:
            self.sink.complete_item(item_id(self.item), output)

    def _fail(self, kind: str, code: str, message: str) -> Any:
        """Fail the item; returns its retry (truthy) when the queue tries it again."""
        if self.sink is not None:
            return self.sink.fail_item(item_id(self.item), kind, code, message)
        return None
