"""``finbots new bot NAME``: write a working bot package to start from."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bots.runtime.errors import ConfigError
from orchestrator.scaffold import bot_names, write_bot

app = typer.Typer(no_args_is_help=True)


@app.command("bot")
def new_bot(
    name: Annotated[str, typer.Argument(help="The bot's name, e.g. ledger-check.")],
    directory: Annotated[Path, typer.Option(
        "--dir", help="Folder to create the bot's folder in.")] = Path("."),
) -> None:
    """Write a working bot package to DIR/NAME.

    Its packaging (the finbots.bots entry point), the bot and its case types, a selector
    file, a sample app page and a test that runs the bot against that page.
    """
    try:
        names = bot_names(name)
        folder = directory.expanduser().resolve() / name
        written = write_bot(names, folder)
    except ConfigError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.secho(f"bot {name!r} written to {folder}", fg="green", bold=True)
    for path in written:
        typer.echo(f"  {path.relative_to(folder)}")
    python = sys.executable
    typer.echo(f"""
next (docs/writing-a-bot.md):
  cd {folder} && {python} -m pytest -q   # the bot against its sample app
  export FINBOTS_BOTS_PATH={folder.parent}     # or install it: pip install -e {folder}
  finbots bots list
  finbots vault set {name}/app username --bot {name}   # then: ... password
  {python} -m http.server 8765 -d {folder / "app"} &   # the sample app
  finbots run {name}
  finbots schedules add {name}-daily {name} --cron '0 7 * * 1-5'""")
