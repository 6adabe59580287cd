"""Run a bot and record it: the run, its steps, its work items, its exception cases.

:func:`run_bot` runs a bot at once in this process (``finbots run``); :func:`run_job` runs a
job a robot claimed, in the robot's child process. Both end the same way: the run's status,
summary and error in the store.
"""

from __future__ import annotations

import os
import socket
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bots.runtime import Bot, RunContext
from bots.runtime.errors import ConsecutiveFailuresError, FinbotsError, IllegalTransitionError
from bots.runtime.logs import prepare as prepare_logs
from orchestrator.bot_backend import StoreBackend
from orchestrator.config import get_settings
from orchestrator.registry import load_bot
from orchestrator.store import RunRecord, RunStatus, Store

__all__ = ["RunOutcome", "prepare_job_process", "recover_previous", "run_bot", "run_job"]


@dataclass
class RunOutcome:
    run_id: int
    status: str
    run_dir: Path
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def recover_previous(store: Store) -> dict[str, list[int]]:
    """Runs on this host whose process died, and leases that expired: back to the queue;
    failed items that never got their exception case: the case."""
    host = socket.gethostname()
    return {"abandoned_runs": store.mark_dead_runs_abandoned(host),
            "recovered_items": store.recover_expired_leases(),
            "opened_cases": store.open_missing_cases()}


def run_bot(name: str, args: dict[str, Any] | None = None, *, store: Store | None = None,
            **browser_options: Any) -> RunOutcome:
    """Execute bot ``name`` once in this process; never raises for a bot failure."""
    store = store or Store(get_settings().db_url)
    bot = load_bot(name)
    args = dict(args or {})
    _register(store, bot.name, bot)
    recovered = recover_previous(store)
    run = store.start_run(bot.name, args, host=socket.gethostname(), pid=os.getpid(),
                          bot_version=bot.version)
    return _execute(store, bot, run, recovered, **browser_options)


def prepare_job_process() -> None:
    """What a job's process can do before it knows its job (a robot's spare process does it
    while it waits): the run-log sink and the recovery sweep's thread exist already when
    the job comes, so its bot starts without waiting for them."""
    prepare_logs()
    _background().submit(lambda: None).result()


def run_job(run_id: int, *, store: Store | None = None, bot: str | None = None,
            claimed: Mapping[str, Any] | None = None, **browser_options: Any) -> RunOutcome:
    """Execute the claimed job ``run_id`` in this process (a robot's child process).

    ``bot``: the job's bot as the claim returned it (saves reading the job first).
    ``claimed``: the job's arguments as the claim returned them, when the claim recorded
    this process as the job's (a robot's spare process): the bot's record and its version
    on the job are then written beside the bot's start, on the recovery sweep's thread,
    not before it (the bot's first claim of a work item and the run's end wait for them).
    A bot that cannot be loaded fails the job; never raises for a bot failure.
    """
    if store is None:  # the robot created the tables already
        settings = get_settings()
        store = Store(settings.db_url, case_sla_hours=settings.case_sla_hours, create=False)
    job_store = store
    try:
        name = bot if bot is not None else store.get_run(run_id).bot
        loaded = load_bot(name)

        def record() -> RunRecord:  # the bot's record and the job's process: one commit
            return job_store.start_job_process(
                run_id, socket.gethostname(), os.getpid(), bot=name,
                version=loaded.version, description=loaded.description, apps=loaded.apps)

        if claimed is None:
            run, later = record(), None
        else:
            run = RunRecord(id=run_id, bot=name, status=RunStatus.RUNNING, args=dict(claimed))
            later = record
    except Exception as exc:  # the bot cannot be loaded, or the store refused: say why
        error = str(exc) if isinstance(exc, FinbotsError) else f"{type(exc).__name__}: {exc}"
        store.end_job(run_id, "failed", error)
        return RunOutcome(run_id, "failed", Path(get_settings().runs_dir) / str(run_id),
                          error=error)
    return _execute(store, loaded, run, _Recovery(store, later), **browser_options)


@cache
def _background() -> ThreadPoolExecutor:
    """The process's thread for the recovery sweep (started once, reused)."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="recovery")


class _Recovery:
    """:func:`recover_previous` beside the bot's start (its browser, its sign-in): the bot's
    first claim of a work item waits for it, so what it gives back to the queues is there
    before the run takes anything. It starts as the bot's entry point is called, so the
    bot's first line does not share the processor with it. ``record``: written first on
    the same thread (the bot's record and the job's process, when the claim did not);
    its error is named in the run's summary."""

    def __init__(self, store: Store, record: Callable[[], object] | None = None) -> None:
        self.store, self.found = store, dict[str, list[int]]()
        self.error: Exception | None = None
        self.record_error: Exception | None = None
        self._record = record
        self._future: Future[dict[str, list[int]]] | None = None
        self._settled = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._future is None:
                self._future = _background().submit(self._sweep)

    def _sweep(self) -> dict[str, list[int]]:
        if self._record is not None:
            try:
                self._record()
            except Exception as exc:  # the job runs on; its summary says what failed
                self.record_error = exc
        return recover_previous(self.store)

    def _settle(self) -> None:
        self.start()
        assert self._future is not None
        with self._lock:
            if self._settled:
                return
            try:
                self.found = self._future.result()
            except Exception as exc:  # raised at the first claim, or named in the summary
                self.error = exc
            self._settled = True

    def wait(self) -> None:
        """Before a claim: recovery is done; its error, if any, is the claim's."""
        self._settle()
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def result(self) -> dict[str, list[int]]:
        self._settle()
        return self.found


def _register(store: Store, name: str, bot: Bot) -> None:
    """Record the bot's version (the store copes with two new jobs registering at once)."""
    store.register_bot(name, bot.version, bot.description, bot.apps)


def _stop_check(store: Store, run_id: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return store.job_stop_requested(run_id)
        except Exception:  # the store is briefly unreachable: carry on, ask again later
            return False

    return check


def _execute(store: Store, bot: Bot, run: RunRecord,
             recovered: dict[str, list[int]] | _Recovery, **browser_options: Any) -> RunOutcome:
    assert run.id is not None
    run_dir = Path(get_settings().runs_dir) / str(run.id)
    waits = recovered.wait if isinstance(recovered, _Recovery) else None
    ctx = RunContext(run.id, run_dir, bot=bot, store=store, args=dict(run.args),
                     batch_steps=True, stop_check=_stop_check(store, run.id),
                     backend=StoreBackend(store, bot.name, before_claims=waits),
                     **browser_options)
    status, error, result = "successful", None, {}
    escaped: BaseException | None = None
    try:
        ctx.log.info("run {} of {} {} started with {}", run.id, bot.name, bot.version, run.args)
        if isinstance(recovered, _Recovery):
            recovered.start()
        result = bot.run(ctx) or {}
        if ctx.stop_requested():
            status = "stopped"
    except KeyboardInterrupt as exc:
        status, error, escaped = "stopped", "interrupted", exc
    except FinbotsError as exc:  # a refusal we explain ourselves: no traceback needed
        status, error, escaped = "failed", ctx.redactor.describe(exc), exc
        ctx.log.error("run {} failed: {}", run.id, error)
    except Exception as exc:
        status, error, escaped = "failed", ctx.redactor.describe(exc), exc
        ctx.log.error("run {} failed: {}", run.id, ctx.redactor.format_exception(exc))
    finally:
        try:  # the task boundary: an item still open is released (by the error's kind)
            ctx.end_items(escaped)
        except Exception as exc:
            ctx.log.error("releasing the open work item failed: {}", ctx.redactor.describe(exc))
        ctx.close(failed=status != "successful" and error is not None)
    unsaid = unrecorded = None
    if isinstance(recovered, _Recovery):
        found, unsaid = recovered.result(), recovered.error  # not raised by a claim
        unrecorded, recovered = recovered.record_error, found
    cases = Counter(c.reason_code for c in store.list_cases(run_id=run.id))
    summary = {**result, **ctx.summary(), "exceptions": dict(cases),
               "recovered": {k: len(v) for k, v in recovered.items()}}
    if isinstance(escaped, ConsecutiveFailuresError):  # queue triggers hold off a while
        summary["stopped_after_failures"] = {"queue": escaped.queue, "failures": escaped.count}
    if unsaid is not None:
        summary["recovery_error"] = ctx.redactor.describe(unsaid)
    if unrecorded is not None:
        summary["bot_record_error"] = ctx.redactor.describe(unrecorded)
    if ctx.trace_path:
        summary["trace"] = str(ctx.trace_path)
    try:
        store.finish_run(run.id, status, summary, error)
    except IllegalTransitionError:  # ended meanwhile by someone else: its robot went silent
        status = store.get_run(run.id).status
    return RunOutcome(run.id, status, run_dir, summary, error)
