"""``finbots learned list|withdraw``: what bots learned from people's decisions.

The command line acts as the person running it (``FINBOTS_ACTOR``, else the operating
system user), like the other commands that change the store; a withdrawal is audited.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import NotFoundError
from orchestrator.cli.runs import JsonOpt, _console, _emit, _table, _when
from orchestrator.services.learned import list_learned, withdraw
from orchestrator.store import Store, current_actor

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_cmd(bot: Annotated[str | None, typer.Option(help="One bot's rules only.")] = None,
             active: Annotated[bool, typer.Option("--active", help="Withdrawn ones left out.")]
             = False, as_json: JsonOpt = False) -> None:
    """Rules learned from people's decisions, newest first."""
    rules = list_learned(Store.from_settings(), bot, include_withdrawn=not active)
    if as_json:
        _emit([r.model_dump() for r in rules])
        return
    table = _table("Learned rules", "id bot what_it_learned case by learned state", "id case")
    for r in rules:
        state = "in use" if r.active else f"withdrawn by {r.withdrawn_by} {_when(r.withdrawn_at)}"
        table.add_row(str(r.id), r.bot, escape(r.says), str(r.source_case or "-"),
                      escape(r.created_by), _when(r.created_at), escape(state))
    _console().print(table)


@app.command("withdraw")
def withdraw_cmd(rule_id: Annotated[int, typer.Argument(help="The rule's id.")]) -> None:
    """Withdraw a rule: its bot stops using it at once (audited)."""
    try:
        rule = withdraw(Store.from_settings(), rule_id, current_actor())
    except NotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"rule {rule.id} withdrawn by {rule.withdrawn_by}: {rule.says}")
