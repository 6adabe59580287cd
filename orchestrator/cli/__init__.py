"""The ``finbots`` command line: one Typer sub-app per area, mounted here.

Each area is imported when one of its commands runs (:mod:`orchestrator.cli.lazy`), so a
command pays only for the libraries it uses. Commands of installed packages join through
the ``finbots.cli`` entry points (:mod:`orchestrator.cli.plugins`): the sandbox adds
``sandbox`` and ``demo``, the cash-application package ``statements`` and ``match``. They
join when the command line starts (:func:`with_plugins`), not on import: a plugin may
import ``orchestrator.cli``.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from importlib.metadata import entry_points

import typer

from bots.runtime import quick_exit
from orchestrator.cli.lazy import LazyCommand, add_plugins, lazy_group
from orchestrator.cli.plugins import GROUP, command_names


def _area(module: str, help_text: str) -> LazyCommand:
    return LazyCommand(f"orchestrator.cli.{module}:app", help_text)


#: every built-in command, by the module that holds it
BUILT_IN: dict[str, LazyCommand] = {
    "vault": _area("vault", "Manage credentials in the encrypted vault."),
    "runs": _area("runs", "Runs and their steps."),
    "queues": _area("queues", "Work queues: list, add, retry, delete items."),
    "schedules": _area("schedules", "Schedules: add, list, pause, resume, remove."),
    "jobs": _area("jobs", "Jobs: start, stop, kill, list."),
    "bots": _area("bots", "Bots: list, show what each declares."),
    "robots": _area("robots", "Robots: list, and `robots start` a worker."),
    "users": _area("users", "Users and their roles."),
    "tokens": _area("tokens", "API tokens for robots and integrations."),
    "audit": _area("audit", "The audit trail: list, verify, export."),
    "learned": _area("learned", "What bots learned from people's decisions: list, withdraw."),
    "config": _area("config", "Bots' configuration documents: list, show, history, diff, set."),
    "customers": _area("customers", "Customers' finance status: find, show (reads are audited)."),
    "db": _area("db", "The store: schema upgrade and status, backup, restore."),
    "new": _area("new_bot", "Start something new: `finbots new bot NAME`."),
    "serve": LazyCommand("orchestrator.cli.serve:serve"),
    "run": LazyCommand("orchestrator.cli.run:run"),
    "exceptions": LazyCommand("orchestrator.cli.runs:exceptions"),
    "reconcile": LazyCommand("orchestrator.cli.reconcile:reconcile"),
}

app = typer.Typer(
    name="finbots",
    help="finbots: RPA for finance customer processes.",
    no_args_is_help=True,
    add_completion=False,
    cls=lazy_group(BUILT_IN),
)


@app.callback()
def _root() -> None:  # every command is lazy: the root needs a callback to be a group
    pass


@functools.cache
def with_plugins() -> typer.Typer:
    """The root app with the installed ``finbots.cli`` plugins joined (once)."""
    add_plugins(BUILT_IN, list(entry_points(group=GROUP)), lambda: command_names(app))
    return app


def main() -> None:
    try:
        with_plugins()()
    except SystemExit as done:
        if (quick_exit.requested() and (done.code is None or isinstance(done.code, int))
                and _flushed()):
            # a month-end command asked not to free its objects one by one (quick_exit)
            logging.shutdown()
            os._exit(done.code or 0)
        raise


def _flushed() -> bool:
    """Whether everything written reached stdout and stderr (a reader that went away, as
    ``| head`` does, leaves the ending to Python's usual shutdown)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return False
    return True
