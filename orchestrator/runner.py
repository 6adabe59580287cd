"""Run a bot once and record it: the run, its steps, its work items, its exception cases."""

from __future__ import annotations

import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.runtime import RunContext
from orchestrator.config import get_settings
from orchestrator.errors import FinbotsError
from orchestrator.registry import load_bot
from orchestrator.store import Store


@dataclass
class RunOutcome:
    run_id: int
    status: str
    run_dir: Path
    summary: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def recover_previous(store: Store) -> dict[str, list[int]]:
    """Runs on this host whose process died, and leases that expired: back to the queue."""
    host = socket.gethostname()
    return {"abandoned_runs": store.mark_dead_runs_abandoned(host),
            "recovered_items": store.recover_expired_leases()}


def run_bot(name: str, args: dict[str, Any] | None = None, *, store: Store | None = None,
            **browser_options: Any) -> RunOutcome:
    """Execute bot ``name`` once in this process; never raises for a bot failure."""
    settings = get_settings()
    store = store or Store(settings.db_url)
    bot = load_bot(name)
    args = dict(args or {})
    store.register_bot(bot.name, bot.version, bot.description, bot.apps)
    recovered = recover_previous(store)
    run = store.start_run(bot.name, args, host=socket.gethostname(), pid=os.getpid(),
                          bot_version=bot.version)
    run_dir = Path(settings.runs_dir) / str(run.id)
    ctx = RunContext(run.id, run_dir, bot=bot, store=store, args=args, batch_steps=True,
                     **browser_options)
    status, error, result = "successful", None, {}
    try:
        ctx.log.info("run {} of {} {} started with {}", run.id, bot.name, bot.version, args)
        result = bot.run(ctx) or {}
    except KeyboardInterrupt:
        status, error = "stopped", "interrupted"
    except FinbotsError as exc:  # a refusal we explain ourselves: no traceback needed
        status, error = "failed", ctx.redactor.describe(exc)
        ctx.log.error("run {} failed: {}", run.id, error)
    except Exception as exc:
        status, error = "failed", ctx.redactor.describe(exc)
        ctx.log.error("run {} failed: {}", run.id, ctx.redactor.format_exception(exc))
    finally:
        ctx.close(failed=status != "successful")
    cases = Counter(c.reason_code for c in store.list_cases(run_id=run.id))
    summary = {**result, **ctx.summary(), "exceptions": dict(cases),
               "recovered": {k: len(v) for k, v in recovered.items()}}
    if ctx.trace_path:
        summary["trace"] = str(ctx.trace_path)
    store.finish_run(run.id, status, summary, error)
    return RunOutcome(run.id, status, run_dir, summary, error)
