"""``finbots bots list|show``: the bots this orchestrator finds, and what each declares.

Bots come from installed ``finbots.bots`` entry points and the folders of
``FINBOTS_BOTS_PATH`` (see :mod:`orchestrator.registry.sources`). A bot that fails to load
is listed with its error.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import NotFoundError
from orchestrator.cli.runs import JsonOpt, _console, _emit, _span, _styled, _table, _when
from orchestrator.services.bot_models import ArgumentOut, BotOut, bot_out
from orchestrator.services.bots import bot_entries, bot_entry
from orchestrator.store import Store

app = typer.Typer(no_args_is_help=True)


def _store(with_runs: bool) -> Store | None:
    return Store.from_settings() if with_runs else None


@app.command("list")
def list_bots(
    runs: Annotated[int, typer.Option(min=0, help="Last runs per bot (0: none, no store).")]
    = 5,
    as_json: JsonOpt = False,
) -> None:
    """Every bot: name, version, apps, queues, credentials, arguments, case types, last run."""
    entries = [bot_out(e) for e in bot_entries(_store(runs > 0), runs=runs)]
    if as_json:
        _emit([e.model_dump(mode="json") for e in entries])
        return
    if not entries:
        typer.echo("No bots. Install a bot package, or set FINBOTS_BOTS_PATH to its folder.")
        return
    table = _table("Bots", "name version apps queues arguments case_types last_run")
    for e in entries:
        if e.error is not None:
            table.add_row(escape(e.name), "[red]cannot load[/]", escape(e.error), "", "", "",
                          "")
            continue
        last = e.last_runs[0] if e.last_runs else None
        table.add_row(
            escape(e.name), escape(e.version or "-"), escape(", ".join(e.apps) or "-"),
            escape(", ".join(q.name for q in e.queues) or "-"),
            escape(", ".join(_argument(a) for a in e.arguments) or "-"),
            escape(", ".join(c.reason for c in e.case_types) or "-"),
            f"{last.id} {_styled(last.status)} {_when(last.created_at)}" if last else "-",
        )
    _console().print(table)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The bot's name, e.g. payment-posting.")],
    runs: Annotated[int, typer.Option(min=0, help="Last runs to show (0: none).")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """One bot: everything it declares, where it was found, and its last runs."""
    try:
        entry = bot_out(bot_entry(name, _store(runs > 0), runs=runs))
    except NotFoundError as exc:
        typer.secho(f"{exc}; `finbots bots list` shows the bots found.", fg="red", err=True)
        raise typer.Exit(1) from None
    if as_json:
        _emit(entry.model_dump(mode="json"))
        return
    _print(entry)
    if entry.error is not None:
        raise typer.Exit(1)


def _argument(a: ArgumentOut) -> str:
    text = f"{a.name}: {a.type}"
    if a.choices:
        text += f" ({' | '.join(a.choices)})"
    return text if a.required else f"{text} = {a.default}"


def _print(bot: BotOut) -> None:
    console = _console()
    if bot.error is not None:
        console.print(f"[bold]{escape(bot.name)}[/]  [red]cannot load[/]\n"
                      f"  found   {escape(bot.origin)}\n  error   {escape(bot.error)}")
        return
    console.print(f"[bold]{escape(bot.name)}[/] {escape(bot.version or '')}")
    rows: list[tuple[str, str]] = [
        ("about", bot.description or "-"), ("found", bot.origin),
        ("apps", ", ".join(bot.apps) or "-"),
        ("credentials", ", ".join(f"{k} = {v}" for k, v in bot.credentials.items()) or "-"),
        ("selectors", bot.selectors or "-"),
    ]
    for key, value in rows:
        console.print(f"  {key:<12} {escape(value)}")
    console.print("  queues" + ("" if bot.queues else "       -"))
    for q in bot.queues:
        role = "fills and drains" if q.fills and q.drains else "fills" if q.fills else "drains"
        console.print(f"    {escape(q.name)}: {role}, {q.max_retries} retries"
                      + (f" - {escape(q.description)}" if q.description else ""))
    console.print("  arguments" + ("" if bot.arguments else "    -"))
    for a in bot.arguments:
        required = " (required)" if a.required else ""
        note = f" - {a.help}" if a.help else ""
        console.print(f"    {escape(_argument(a))}{required}{escape(note)}")
    console.print("  case types" + ("" if bot.case_types else "   -"))
    for c in bot.case_types:
        names = ", ".join(r.name for r in c.resolutions) or "-"
        console.print(f"    {escape(c.reason)}: {escape(c.title)} (resolutions: "
                      f"{escape(names)})")
    if bot.last_runs:
        table = _table(f"Last runs of {bot.name} (UTC)", "id status trigger by created for",
                       numbers="id")
        for r in bot.last_runs:
            table.add_row(str(r.id), _styled(r.status), r.trigger, escape(r.requested_by or "-"),
                          _when(r.created_at), _span(r.duration_seconds or 0))
        console.print(table)
