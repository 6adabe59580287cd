"""Starting a job: one rule for the CLI, the web pages, the API and the scheduler.

A job is queued only for a bot the registry finds, with arguments its task accepts:
:meth:`bots.runtime.Bot.validate_args` checks and types them before anything is stored,
and the error names the argument. The vault entries the job uses (what keeps two jobs off
one login) come from the bot's declaration, computed here: the store takes them as given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from bots.runtime import Bot
from bots.runtime.errors import ConfigError
from bots.runtime.paths import finbots_home
from orchestrator.registry import bot_names, is_reference, load_bot
from orchestrator.store import RunRecord, Store
from orchestrator.store.types import to_jsonable

__all__ = ["FILE_ROOTS_ENV", "JobPlan", "file_roots", "plan_job", "registered_bot",
           "schedule_credentials", "start_job"]

#: folders (``os.pathsep``-separated) whose files and folders a job started from the web
#: UI or the API may name in its arguments, beside ``<home>/inbox``
FILE_ROOTS_ENV = "FINBOTS_FILE_ROOTS"


@dataclass(frozen=True, slots=True)
class JobPlan:
    """What a job of a bot will be: the bot, its typed arguments and its credentials."""

    bot: Bot
    name: str  # what the job records as its bot: ``Bot.name``, or a ``module:attr``
    args: dict[str, Any]
    credentials: list[str]


def registered_bot(name: str) -> Bot:
    """The bot the registry finds as ``name`` (never a ``module:attr`` a caller names)."""
    if is_reference(name):
        raise ConfigError(f"no bot named {name!r}; known bots: {', '.join(bot_names())}")
    return load_bot(name)


def plan_job(bot_name: str, raw_args: Mapping[str, Any] | None = None, *,
             allow_reference: bool = False, local: bool = False) -> JobPlan:
    """Check ``raw_args`` against bot ``bot_name``'s arguments; raises :class:`ConfigError`.

    ``allow_reference`` accepts ``module:attr`` for a bot no registry knows (the CLI);
    the web pages and the API start only bots the registry finds, and never import a
    module a caller names. A file or folder argument of a job asked for there lies in
    :func:`file_roots`; ``local`` (the command line, on the server) names any.
    """
    bot = load_bot(bot_name) if allow_reference else registered_bot(bot_name)
    args = bot.validate_args(dict(raw_args or {}))
    if not (allow_reference or local):  # a person on the web UI or the API
        for arg, value in args.items():
            if isinstance(value, PurePath):
                args[arg] = _confined(arg, value)
    name = bot_name
    if is_reference(bot_name) and bot.name in bot_names() and load_bot(bot.name) is bot:
        name = bot.name  # a registered bot named by its module: recorded by its name
    return JobPlan(bot, name, args, bot.credential_names(args))


def file_roots() -> list[Path]:
    """The folders a job started from the web UI or the API may name files in:
    ``<home>/inbox`` and those of :data:`FILE_ROOTS_ENV`, links resolved."""
    extra = [Path(p).expanduser() for p in os.environ.get(FILE_ROOTS_ENV, "").split(os.pathsep)
             if p.strip()]
    return [root.resolve() for root in (finbots_home() / "inbox", *extra)]


def _confined(arg: str, value: PurePath) -> Path:
    """``value`` with its links resolved, when it lies in one of :func:`file_roots`.

    A bot moves what it cannot read to the quarantine, and reads what it is given: a path
    a person on the web could choose freely would let them move or read any file the
    server may (its key files, its store). ConfigError names the argument otherwise.
    """
    roots = file_roots()
    resolved = Path(value).expanduser().resolve()
    if any(resolved == root or resolved.is_relative_to(root) for root in roots):
        return resolved
    raise ConfigError(
        f"argument {arg}: {value} is outside the folders a job started from the web UI or "
        f"the API may name ({', '.join(str(r) for r in roots)}; more with "
        f"{FILE_ROOTS_ENV}): put the file there, or start the job from the command line")


def start_job(
    store: Store,
    bot_name: str,
    raw_args: Mapping[str, Any] | None = None,
    *,
    requested_by: str,
    trigger: str = "manual",
    time_limit_seconds: int | None = None,
    allow_reference: bool = False,
) -> RunRecord:
    """Queue a ``pending`` job of ``bot_name`` and record who asked for it in the audit.

    Raises :class:`ConfigError` (unknown bot, an argument unknown, missing or of the wrong
    type) before anything is stored.
    """
    plan = plan_job(bot_name, raw_args, allow_reference=allow_reference)
    job = store.create_job(plan.name, plan.args, trigger=trigger, requested_by=requested_by,
                           credentials=plan.credentials, time_limit_seconds=time_limit_seconds)
    store.record_audit(requested_by, "job.start", f"job:{job.id}",
                       {"bot": plan.name, "args": to_jsonable(plan.args)})
    return job


def schedule_credentials(bot_name: str, args: Mapping[str, Any]) -> list[str]:
    """The credentials of a scheduled job; none when the bot or its arguments are wrong.

    A schedule fires anyway then: its job fails on the robot with the error for a person
    to see, rather than the schedule silently stopping.
    """
    try:
        return plan_job(bot_name, args, allow_reference=True).credentials
    except ConfigError:
        return []
