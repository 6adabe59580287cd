"""The ``finbots`` command line: one Typer sub-app per area, mounted here."""

from __future__ import annotations

import typer

from orchestrator.cli import demo, match, queues, run, runs, sandbox, statements, vault

app = typer.Typer(
    name="finbots",
    help="finbots: RPA for finance customer processes.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(statements.app, name="statements", help="Parse bank statements.")
app.add_typer(sandbox.app, name="sandbox", help="Run and check the sandbox target systems.")
app.add_typer(vault.app, name="vault", help="Manage credentials in the encrypted vault.")
app.add_typer(runs.app, name="runs", help="Runs and their steps.")
app.add_typer(queues.app, name="queues", help="Work queues: list, add, retry, delete items.")
app.command("match")(match.match)
app.command("run")(run.run)
app.command("exceptions")(runs.exceptions)
app.command("audit")(queues.audit)
app.command("demo")(demo.demo)


def main() -> None:
    app()
