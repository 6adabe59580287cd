"""RunContext: what a bot gets for one run (ids, folders, steps, secrets, browser, items)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from bots.runtime.bot import Bot
from bots.runtime.browser import BrowserSession
from bots.runtime.logs import RunLog
from bots.runtime.paths import runs_dir
from bots.runtime.redact import Redactor
from bots.runtime.sinks import ItemSink, RunSink, StepSink
from bots.runtime.step_writer import BatchingStepSink
from bots.runtime.steps import StepRecorder
from bots.runtime.transaction import Transaction
from bots.runtime.vault import Credential, Vault

__all__ = ["RunContext"]


class RunContext:
    """One run of a bot. Use as a context manager (or call :meth:`close`).

    ``store`` is the orchestrator store (or any object that is both a step and an item
    sink); ``step_sink``/``item_sink`` override it per purpose. Browser options
    (``selectors_dir``, ``block_media``, ``trace``, ``headless``, ``timeout_ms``) go to
    the :class:`BrowserSession` created on first use of :attr:`browser`.
    """

    def __init__(
        self, run_id: Any, run_dir: Path | None = None, *, bot: Bot | None = None,
        store: RunSink | None = None, step_sink: StepSink | None = None,
        item_sink: ItemSink | None = None, vault: Vault | None = None,
        args: dict[str, Any] | None = None, batch_steps: bool = False,
        **browser_options: Any,
    ) -> None:
        self.run_id, self.bot, self.store = run_id, bot, store
        self.args: dict[str, Any] = dict(args or {})
        self.run_dir = Path(run_dir) if run_dir else runs_dir() / str(run_id)
        self.redactor = self.secrets = Redactor()
        sink = step_sink or store
        # batch_steps: the store receives steps from a background thread (see step_writer)
        self._step_writer = BatchingStepSink(sink) if sink is not None and batch_steps else None
        self.recorder = StepRecorder(run_id, self.run_dir, self._step_writer or sink,
                                     self.redactor)
        self.recorder.on_failure.append(self._trace_from_now)
        self._runlog = RunLog(run_id, self.run_dir, self.redactor)
        self.log = self._runlog.logger
        self.item_sink = item_sink or store
        self._vault = vault
        self._browser: BrowserSession | None = None
        self._browser_options = browser_options
        self.transactions: list[Transaction] = []
        self.failed = False
        self.trace_path: Path | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"RunContext({self.run_id!r}, {str(self.run_dir)!r})"

    @property
    def vault(self) -> Vault:
        if self._vault is None:
            self._vault = Vault()
        return self._vault

    def credential(self, name: str) -> Credential:
        """A vault credential; every field value becomes a secret of this run."""
        cred = self.vault.get(name, on_reveal=self.redactor.add)
        self.redactor.add_all(cred[f] for f in cred.fields)
        return cred

    @property
    def browser(self) -> BrowserSession:
        if self._browser is None:
            self._browser = BrowserSession(
                self.run_dir, self.recorder, self.redactor, **self._browser_options
            )
        return self._browser

    def _trace_from_now(self) -> None:
        if self._browser is not None:
            self._browser.start_tracing()

    def transaction(
        self, item: Any, on_failure: Callable[[Transaction], None] | None = None
    ) -> Transaction:
        tx = Transaction(item, self.item_sink, self.recorder, on_failure, self.log)
        self.transactions.append(tx)
        return tx

    def stop_requested(self) -> bool:
        """True when the orchestrator asked the run to stop (checked between items)."""
        return False

    def summary(self) -> dict[str, int]:
        """Items per result (successful, business, application) and steps recorded."""
        counts = Counter(tx.result for tx in self.transactions if tx.result)
        return {**counts, "items": sum(counts.values()), "steps": len(self.recorder.steps)}

    def close(self, failed: bool | None = None) -> None:
        """Close the browser context (trace kept when failed) and the run log."""
        if self._closed:
            return
        self._closed = True
        self.failed = self.failed if failed is None else failed
        try:
            if self._browser is not None:
                self.trace_path = self._browser.close(failed=self.failed)
        finally:
            if self._step_writer is not None:
                self._step_writer.close()
            self._runlog.close()

    def __enter__(self) -> RunContext:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            self.failed = True
            self.log.error("run failed: {}", self.redactor.format_exception(exc))
        self.close()
