"""The ``finbots`` command line: one Typer sub-app per area, mounted here.

Commands of installed packages join through the ``finbots.cli`` entry points
(:mod:`orchestrator.cli.plugins`): the sandbox adds ``sandbox`` and ``demo``, the
cash-application package ``statements`` and ``match``. They are mounted when the command
line starts (:func:`with_plugins`), not on import: a plugin may import ``orchestrator.cli``.
"""

from __future__ import annotations

import functools
import logging
import os
import sys

import typer

from bots.runtime import quick_exit
from orchestrator.cli import (
    audit,
    bots,
    config,
    customers,
    db,
    jobs,
    learned,
    new_bot,
    queues,
    reconcile,
    robots,
    run,
    runs,
    schedules,
    serve,
    tokens,
    users,
    vault,
)
from orchestrator.cli.plugins import load_plugins

app = typer.Typer(
    name="finbots",
    help="finbots: RPA for finance customer processes.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(vault.app, name="vault", help="Manage credentials in the encrypted vault.")
app.add_typer(runs.app, name="runs", help="Runs and their steps.")
app.add_typer(queues.app, name="queues", help="Work queues: list, add, retry, delete items.")
app.add_typer(schedules.app, name="schedules", help="Schedules: add, list, pause, resume, remove.")
app.add_typer(jobs.app, name="jobs", help="Jobs: start, stop, kill, list.")
app.add_typer(bots.app, name="bots", help="Bots: list, show what each declares.")
app.add_typer(robots.app, name="robots", help="Robots: list, and `robots start` a worker.")
app.add_typer(users.app, name="users", help="Users and their roles.")
app.add_typer(tokens.app, name="tokens", help="API tokens for robots and integrations.")
app.add_typer(audit.app, name="audit", help="The audit trail: list, verify, export.")
app.add_typer(learned.app, name="learned",
              help="What bots learned from people's decisions: list, withdraw.")
app.add_typer(config.app, name="config",
              help="Bots' configuration documents: list, show, history, diff, set.")
app.add_typer(customers.app, name="customers",
              help="Customers' finance status: find, show (reads are audited).")
app.add_typer(db.app, name="db", help="The store: schema upgrade and status, backup, restore.")
app.add_typer(new_bot.app, name="new", help="Start something new: `finbots new bot NAME`.")
app.command("serve")(serve.serve)
app.command("run")(run.run)
app.command("exceptions")(runs.exceptions)
app.command("reconcile")(reconcile.reconcile)


@functools.cache
def with_plugins() -> typer.Typer:
    """The root app with the installed ``finbots.cli`` plugins mounted (once)."""
    load_plugins(app)
    return app


def main() -> None:
    try:
        with_plugins()()
    except SystemExit as done:
        if quick_exit.requested() and (done.code is None or isinstance(done.code, int)):
            # a month-end command asked not to free its objects one by one (quick_exit)
            sys.stdout.flush()
            sys.stderr.flush()
            logging.shutdown()
            os._exit(done.code or 0)
        raise
