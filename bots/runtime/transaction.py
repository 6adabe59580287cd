"""``with ctx.transaction(item) as tx:`` — one work item, released exactly once.

- normal exit: the item is completed with ``tx.output``;
- :class:`BusinessFailure`: failed ``business`` (never retried);
- :class:`ApplicationFailure` or any other ``Exception``: a screenshot of the current page,
  then failed ``application`` (retryable).

The exception stays inside the block, so the bot goes on with its next item; only
``KeyboardInterrupt``/``SystemExit`` (after releasing the item as an application failure)
propagate. ``on_failure(tx)`` runs after a failed release, e.g. to open an exception case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Literal

from loguru import logger

from bots.runtime.errors import ApplicationFailure, BotFailure, BusinessFailure
from bots.runtime.sinks import ItemSink
from bots.runtime.steps import Step, StepRecorder

__all__ = ["Transaction", "item_id", "item_reference"]

Result = Literal["successful", "business", "application"]


def item_id(item: Any) -> Any:
    return item["id"] if isinstance(item, Mapping) else item.id


def item_reference(item: Any) -> str | None:
    ref = item.get("reference") if isinstance(item, Mapping) else getattr(item, "reference", None)
    return None if ref is None else str(ref)


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
        self._released = False
        self._step: Step | None = None

    def __repr__(self) -> str:
        return f"Transaction({item_reference(self.item) or item_id(self.item)!r}, {self.result})"

    def __enter__(self) -> Transaction:
        self._step = self.recorder.start(
            "transaction", data={"item": item_id(self.item), "reference": item_reference(self.item)}
        )
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            self._release("successful", None)
        elif isinstance(exc, BusinessFailure):
            self._release("business", exc)
        elif isinstance(exc, ApplicationFailure):
            self._release("application", exc)
        else:
            failure = ApplicationFailure(
                "INTERRUPTED" if not isinstance(exc, Exception) else "UNEXPECTED_ERROR",
                self.recorder.redactor.describe(exc),
            )
            self._release("application", failure, exc)
        return exc is None or isinstance(exc, Exception)

    def _release(
        self, result: Result, failure: BotFailure | None, cause: BaseException | None = None
    ) -> None:
        if self._released:  # the guard: an item is released exactly once
            self.log.warning("item {} already released", item_id(self.item))
            return
        self._released = True
        self.result, self.failure = result, failure
        redactor = self.recorder.redactor
        step = self._step or self.recorder.start("transaction")
        step.data["result"] = result
        if failure is not None:  # masked at the source: handlers and cases see it redacted
            failure.message = redactor.redact(failure.message)
            failure.args = tuple(redactor.redact_value(list(failure.args)))
            step.data.update(kind=failure.kind, code=failure.code)
            self.log.warning("item {} failed ({}): {}", item_id(self.item), result, failure)
            if result == "application":
                self.log.error(redactor.format_exception(cause or failure))
        try:
            if self.sink is not None:
                if failure is None:
                    self.sink.complete_item(item_id(self.item),
                                            redactor.redact_value(dict(self.output)))
                else:
                    message = redactor.redact(failure.message)
                    self.sink.fail_item(item_id(self.item), result, failure.code, message)
        finally:
            self.recorder.finish(step, failure)  # a failure takes the page's screenshot
            self.evidence = step.evidence
        if failure is not None and self.on_failure is not None:
            try:
                self.on_failure(self)
            except Exception as exc:
                self.log.error("failure handler for item {} failed: {}",
                               item_id(self.item), redactor.describe(exc))
