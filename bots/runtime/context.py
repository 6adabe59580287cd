"""RunContext: what a bot gets for one run (ids, folders, steps, secrets, browser, work
queues, exception cases, its persistent state)."""

from __future__ import annotations

import copy
import dataclasses
import os
import socket
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from bots.runtime.bot import STOP_ARGUMENT, Bot
from bots.runtime.bot_config import ConfigBackend, ConfigDocument, packaged_document, parse_config
from bots.runtime.browser import BrowserSession
from bots.runtime.case_updates import Cases
from bots.runtime.errors import ConfigError
from bots.runtime.failure_limit import STOP_AFTER_FAILURES, failure_limit
from bots.runtime.learned import Learned
from bots.runtime.logs import RunLog
from bots.runtime.mail import MAIL_PUBLIC_FIELDS, Mailbox, MailClient, MailSettings
from bots.runtime.memory import MemoryBackend
from bots.runtime.paths import runs_dir
from bots.runtime.queues import AuditLookup, BotBackend, Item, WorkQueue
from bots.runtime.records import Records
from bots.runtime.redact import Redactor
from bots.runtime.sinks import ItemSink, RunSink, StepSink
from bots.runtime.state import BotState
from bots.runtime.step_writer import BatchingStepSink
from bots.runtime.steps import StepRecorder
from bots.runtime.transaction import Transaction
from bots.runtime.vault import Credential, Vault
from bots.runtime.vault_access import read_for_run

if TYPE_CHECKING:
    from bots.runtime.desktop.session import DesktopSession

__all__ = ["RunContext"]


class RunContext:
    """One run of a bot. Use as a context manager (or call :meth:`close`).

    ``store`` is the orchestrator store (or any object that is both a step and an item
    sink); ``step_sink``/``item_sink`` override it per purpose. ``backend`` holds the work
    queues, the exception cases and the bot's state (:meth:`queue`, :meth:`state`); without
    one they live in memory for this run. Browser options (``selectors_dir``,
    ``block_media``, ``trace``, ``headless``, ``timeout_ms``) go to the
    :class:`BrowserSession` created on first use of :attr:`browser`; the bot's own
    selector folder (``Bot(selectors=...)``) is searched unless ``selectors_dirs`` is given.
    """

    def __init__(
        self, run_id: Any, run_dir: Path | None = None, *, bot: Bot | None = None,
        store: RunSink | None = None, step_sink: StepSink | None = None,
        item_sink: ItemSink | None = None, vault: Vault | None = None,
        args: dict[str, Any] | None = None, batch_steps: bool = False,
        stop_check: Callable[[], bool] | None = None,
        backend: BotBackend | None = None,
        **browser_options: Any,
    ) -> None:
        self.run_id, self.bot, self.store = run_id, bot, store
        self._stop_check, self._stop_seen, self._stop_checked_at = stop_check, False, -1e9
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
        self._desktops: dict[str, DesktopSession] = {}  # see desktop()
        if bot is not None and bot.selectors is not None:
            browser_options.setdefault("selectors_dirs", (bot.selectors,))
        self._browser_options = browser_options
        self.backend: BotBackend = backend if backend is not None else MemoryBackend()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:run{run_id}"
        self._queues: dict[str, WorkQueue] = {}
        self._configs: dict[str, ConfigDocument] = {}
        self._mailboxes: dict[str, MailClient] = {}
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
        """A vault credential (scoped to this bot, logged); every value becomes a secret."""
        return read_for_run(self.vault, name, bot=self.bot.name if self.bot else None,
                            run_id=self.run_id, redactor=self.redactor, log=self.store)

    @property
    def browser(self) -> BrowserSession:
        if self._browser is None:
            self._browser = BrowserSession(
                self.run_dir, self.recorder, self.redactor, **self._browser_options
            )
        return self._browser

    def desktop(self, app: str, *, launch: bool = False, keep_running: bool = True,
                **options: Any) -> DesktopSession:
        """The run's session on desktop application ``app`` (one per app, created on first
        use through :func:`~bots.runtime.desktop.factory.desktop_session`), closed with
        the run; ``launch``: start the application (unless it runs) now. ``keep_running``
        False stops the application when the run closes. ``options`` (``driver``,
        ``selectors_dir(s)``, ``timeout_ms``, launch placeholders) default to the run's."""
        session = self._desktops.get(app)
        if session is None or session.closed:
            from bots.runtime.desktop.factory import desktop_session

            for key in ("selectors_dir", "selectors_dirs", "timeout_ms"):
                if key in self._browser_options:
                    options.setdefault(key, self._browser_options[key])
            session = desktop_session(self, app, keep_running=keep_running, **options)
            self._desktops[app] = session
        if launch:
            session.launch()
        return session

    def _close_desktops(self) -> None:
        """Close the run's desktop sessions (each once; a failure is logged, not raised)."""
        sessions, self._desktops = list(self._desktops.values()), {}
        for session in sessions:
            try:
                session.close()
            except Exception as exc:
                self.log.warning("closing {}: {}", session.app,
                                 self.redactor.format_exception(exc))

    def _trace_from_now(self) -> None:
        if self._browser is not None:
            self._browser.start_tracing()

    def transaction(
        self, item: Any, on_failure: Callable[[Transaction], None] | None = None
    ) -> Transaction:
        tx = Transaction(item, self.item_sink, self.recorder, on_failure, self.log)
        self.transactions.append(tx)
        return tx

    # -- work queues, cases, state -------------------------------------------------------
    def queue(self, name: str, *, max_retries: int | None = None,
              stop_after_failures: int | None = None) -> WorkQueue:
        """The work queue ``name`` (created on first use with the bot's declared
        ``QueueSpec.max_retries``, or ``max_retries``; an existing queue keeps its own).

        Its loop stops the run after ``stop_after_failures`` application failures in a
        row (default: the bot's ``stop_after_failures``; the run's argument of that name
        overrides both; 0 never stops; see :mod:`bots.runtime.failure_limit`)."""
        found = self._queues.get(name)
        if found is not None:
            return found
        spec = self.bot.queue(name) if self.bot is not None else None
        retries = max_retries if max_retries is not None else spec.max_retries if spec else 3
        queue = WorkQueue(name, self.backend, self.backend, owner=self.owner,
                          run_id=self.run_id, recorder=self.recorder, max_retries=retries,
                          stop_requested=self.stop_requested,
                          on_item=self.transactions.append, log=self.log,
                          stop_after_failures=self._failure_limit(stop_after_failures))
        self._queues[name] = queue
        return queue

    def _failure_limit(self, given: int | None) -> int:
        """The run's argument ``stop_after_failures``, else ``given``, else the bot's."""
        argument = self.args.get(STOP_ARGUMENT)
        if argument is not None and str(argument).strip() != "":
            return failure_limit(argument, f"argument {STOP_ARGUMENT!r}")
        if given is not None:
            return failure_limit(given)
        return self.bot.stop_after_failures if self.bot is not None else STOP_AFTER_FAILURES

    def mail(self, name: str) -> MailClient:
        """The mailbox of vault credential ``name`` (host, ports, username, password; see
        :mod:`bots.runtime.mail`): send, read, move, mark seen, look up what was sent. A
        backend with a fake registered under ``name`` (``MemoryBackend.add_mailbox``)
        gives that instead."""
        found = self._mailboxes.get(name)
        if found is None:
            fake = getattr(self.backend, "mailbox", None)
            found = fake(name) if callable(fake) else None
            if found is None:
                cred = read_for_run(self.vault, name, bot=self.bot.name if self.bot else None,
                                    run_id=self.run_id, redactor=self.redactor, log=self.store,
                                    public=MAIL_PUBLIC_FIELDS)
                fields = {f: cred[f] for f in cred.fields}
                found = Mailbox(MailSettings.from_fields(fields), recorder=self.recorder,
                                name=name)
            self._mailboxes[name] = found
        return found

    def config(self, name: str) -> dict[str, Any]:
        """The bot's configuration document ``name`` (a policy, dunning levels, templates),
        parsed: the newest version saved in the orchestrator, else the packaged default.

        Read once per run (a run never mixes two versions) and recorded as a ``config``
        step with its version and digest. A copy: changing it changes nothing stored.
        """
        return copy.deepcopy(self.config_document(name).data)

    def config_document(self, name: str) -> ConfigDocument:
        """The version of ``name`` this run uses (see :meth:`config`)."""
        if name in self._configs:
            return self._configs[name]
        bot = self.bot.name if self.bot else "bot"
        declared = self.bot.config_specs() if self.bot else {}
        if name not in declared:
            raise ConfigError(f"bot {bot!r} declares no configuration document {name!r}"
                              f" (declared: {', '.join(sorted(declared)) or 'none'})")
        spec = declared[name]
        with self.recorder.step("config", app="orchestrator", selector=name) as st:
            stored = (self.backend.get_config(bot, name)
                      if isinstance(self.backend, ConfigBackend) else None)
            if stored is None:
                document = packaged_document(bot, name, spec)
            else:
                data = parse_config(stored.content, f"{name} (version {stored.version})",
                                    spec.validate)
                document = dataclasses.replace(stored, data=data)
            st.data = {"version": document.version, "sha256": document.sha256[:12],
                       "origin": document.origin}
        self._configs[name] = document
        return document

    def state(self, namespace: str) -> BotState:
        """The bot's persistent key-value store ``namespace`` (kept between runs)."""
        return BotState(self.backend, self.bot.name if self.bot else "bot", namespace)

    @property
    def learned(self) -> Learned:
        """What the bot learned from people's decisions (read from the backend on every
        call, so a rule a person withdrew is never used again)."""
        return Learned(self.backend, self.bot.name if self.bot else "bot")

    @property
    def cases(self) -> Cases:
        """Exception cases: any bot's to read (``ctx.cases.find(bot=..., status="open",
        customer_id=...)``; see :mod:`bots.runtime.case_lookup`), this bot's own to update
        and close (``ctx.cases.update``, ``close``; :mod:`bots.runtime.case_updates`)."""
        return Cases(self.backend, self.recorder, self.bot.name if self.bot else "bot")

    @property
    def records(self) -> Records:
        """Records the bot writes for people and other bots to read (versioned; see
        :mod:`bots.runtime.records`)."""
        return Records(self.backend, self.bot.name if self.bot else "bot", self.run_id)

    def audit(self, action: str, target: str, details: dict[str, Any] | None = None) -> None:
        """Record what the bot did that moved money (actor ``bot:<name>``) in the audit
        trail, with its data (secrets masked)."""
        actor = f"bot:{self.bot.name if self.bot else 'bot'}"
        self.backend.record_audit(actor, action, target,
                                  self.redactor.redact_value(dict(details or {})))

    def audited(self, action: str, details: dict[str, Any]) -> bool:
        """Whether the bot's trail already holds a record of ``action`` with ``details``
        (e.g. a posting a rerun found in the target: it is recorded once, not twice).
        A backend that cannot tell answers False: better a record twice than never."""
        if not isinstance(self.backend, AuditLookup):
            return False
        return self.backend.audit_exists(action, details)

    def end_items(self, exc: BaseException | None = None) -> None:
        """The task ended: an item still open is completed, or released by ``exc``'s kind.

        The runner calls this at the task boundary (and :meth:`__exit__` does).
        """
        for tx in self.transactions:
            if isinstance(tx, Item) and not tx.released:
                if exc is None:
                    tx.done()
                else:
                    tx.release_for(exc)

    #: ``stop_requested`` asks the orchestrator at most this often (seconds).
    STOP_CHECK_SECONDS = 1.0

    def stop_requested(self) -> bool:
        """True when the orchestrator asked the run to stop (checked between items).

        Asks ``stop_check`` (the runner passes one that reads the job's flag in the store)
        at most once per :attr:`STOP_CHECK_SECONDS`; once true it stays true.
        """
        if self._stop_check is None or self._stop_seen:
            return self._stop_seen
        now = time.monotonic()
        if now - self._stop_checked_at >= self.STOP_CHECK_SECONDS:
            self._stop_checked_at = now
            self._stop_seen = bool(self._stop_check())
        return self._stop_seen

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
            self._close_desktops()
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
        try:
            self.end_items(exc)
        finally:
            self.close()
