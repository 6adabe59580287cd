"""The ``finbots`` command line: one Typer sub-app per area, mounted here.

Commands of installed packages join through the ``finbots.cli`` entry points
(:mod:`orchestrator.cli.plugins`): the sandbox adds ``sandbox`` and ``demo``, the
cash-application package ``statements`` and ``match``.
"""

from __future__ import annotations

import typer

from orchestrator.cli import (
    audit,
    jobs,
    new_bot,
    queues,
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
app.add_typer(robots.app, name="robots", help="Robots: list, and `robots start` a worker.")
app.add_typer(users.app, name="users", help="Users and their roles.")
app.add_typer(tokens.app, name="tokens", help="API tokens for robots and integrations.")
app.add_typer(audit.app, name="audit", help="The audit trail: list, verify, export.")
app.add_typer(new_bot.app, name="new", help="Start something new: `finbots new bot NAME`.")
app.command("serve")(serve.serve)
app.command("run")(run.run)
app.command("exceptions")(runs.exceptions)
load_plugins(app)


def main() -> None:
    app()
