"""``finbots config list|show|history|diff|set|approve|reject``: bots' configuration
documents.

Policies, dunning levels and templates a bot reads with ``ctx.config``. ``set`` checks the
file as the bot would read it and saves it as the next version, audited as the person
running the command (``FINBOTS_ACTOR``, else the operating-system user) with the note. A
version that changes a control setting (a limit, a threshold) waits until a second person
approves it (``approve``); runs use the current version meanwhile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.bot_config import MAX_CONFIG_BYTES
from bots.runtime.errors import (
    ConfigError,
    DuplicateError,
    IllegalTransitionError,
    NotFoundError,
    SelfApprovalError,
)
from orchestrator.cli.runs import JsonOpt, _console, _emit, _table, _when
from orchestrator.services.bot_config import (
    config_diff,
    config_history,
    config_view,
    config_views,
    decide_config,
    save_config,
)
from orchestrator.store import Store, current_actor

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True)
BotArg = Annotated[str, typer.Argument(help="The bot's name.")]
NameArg = Annotated[str, typer.Argument(help="The document's name (finbots config list BOT).")]


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(1)


@app.command("list")
def list_cmd(bot: BotArg, as_json: JsonOpt = False) -> None:
    """The bot's configuration documents and the version runs use now."""
    try:
        views = config_views(Store.from_settings(), bot)
    except NotFoundError as exc:
        raise _fail(exc) from None
    if as_json:
        _emit([{"name": v.name, "description": v.description, "version": v.version,
                "sha256": v.sha256, "changed_by": v.changed_by,
                "changed_at": v.changed_at.isoformat() if v.changed_at else None}
               for v in views])
        return
    table = _table(f"Configuration of {bot}", "document version changed_by changed what",
                   "version")
    for v in views:
        table.add_row(v.name, v.origin, escape(v.changed_by or "-"), _when(v.changed_at),
                      escape(v.description))
    _console().print(table)


@app.command("show")
def show_cmd(bot: BotArg, name: NameArg,
             version: Annotated[int | None, typer.Option(
                 help="A saved version (0: the packaged default); default: the current.")]
             = None) -> None:
    """Print a document's YAML (the version runs use now unless --version)."""
    try:
        view = config_view(Store.from_settings(), bot, name, version)
    except NotFoundError as exc:
        raise _fail(exc) from None
    typer.echo(view.content, nl=not view.content.endswith("\n"))


@app.command("history")
def history_cmd(bot: BotArg, name: NameArg, as_json: JsonOpt = False) -> None:
    """Every version, newest first: who changed it, when and why."""
    try:
        views = config_history(Store.from_settings(), bot, name)
    except NotFoundError as exc:
        raise _fail(exc) from None
    if as_json:
        _emit([{"version": v.version, "sha256": v.sha256, "changed_by": v.changed_by,
                "changed_at": v.changed_at.isoformat() if v.changed_at else None,
                "note": v.note, "status": v.status, "decided_by": v.decided_by or None}
               for v in views])
        return
    table = _table(f"{bot} {name}", "version status changed_by changed note sha256",
                   "version")
    for v in views:
        status = v.status + (f" ({v.decided_by})" if v.decided_by else "")
        table.add_row(str(v.version), escape(status), escape(v.changed_by or "-"),
                      _when(v.changed_at), escape(v.note or v.origin), v.sha256[:12])
    _console().print(table)


@app.command("diff")
def diff_cmd(bot: BotArg, name: NameArg,
             old: Annotated[int, typer.Argument(help="Older version (0: packaged default).")],
             new: Annotated[int, typer.Argument(help="Newer version.")]) -> None:
    """What changed between two versions (unified diff)."""
    try:
        typer.echo(config_diff(Store.from_settings(), bot, name, old, new) or "no difference")
    except NotFoundError as exc:
        raise _fail(exc) from None


@app.command("set")
def set_cmd(bot: BotArg, name: NameArg,
            file: Annotated[Path, typer.Argument(help="The new document (YAML).",
                                                 exists=True, dir_okay=False)],
            note: Annotated[str, typer.Option("--note", "-m", help="Why it changes.")]) -> None:
    """Check FILE as the bot reads it and save it as the next version (audited)."""
    if file.stat().st_size > MAX_CONFIG_BYTES:
        raise _fail(ConfigError(f"{file}: larger than {MAX_CONFIG_BYTES // 1024} KiB"))
    try:
        content = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(ConfigError(f"{file}: not UTF-8 text (byte {exc.start})")) from None
    try:
        view = save_config(Store.from_settings(), current_actor(), bot, name, content,
                           note=note)
    except ConfigError as exc:
        raise _fail(ConfigError(f"{file}: {exc}")) from None
    except (NotFoundError, DuplicateError) as exc:
        raise _fail(exc) from None
    typer.echo(f"{bot} {name}: version {view.version} saved by {view.changed_by} "
               f"(sha256 {view.sha256[:12]})")
    if view.status == "pending":
        typer.echo(f"it changes a control setting: runs use it once a second person "
                   f"approves it (finbots config approve {bot} {name} {view.version})")


VersionArg = Annotated[int, typer.Argument(help="The pending version.", min=1)]


def _decide(bot: str, name: str, version: int, approve: bool, note: str) -> None:
    try:
        view = decide_config(Store.from_settings(), current_actor(), bot, name, version,
                             approve=approve, note=note)
    except (NotFoundError, SelfApprovalError, IllegalTransitionError) as exc:
        raise _fail(exc) from None
    done = "approved: runs use it from now on" if approve else "rejected"
    typer.echo(f"{bot} {name}: version {view.version} {done} ({view.decided_by})")


@app.command("approve")
def approve_cmd(bot: BotArg, name: NameArg, version: VersionArg,
                note: Annotated[str, typer.Option("--note", "-m")] = "") -> None:
    """Approve a version that changes a control setting (never the person who saved it)."""
    _decide(bot, name, version, True, note)


@app.command("reject")
def reject_cmd(bot: BotArg, name: NameArg, version: VersionArg,
               note: Annotated[str, typer.Option("--note", "-m")] = "") -> None:
    """Reject a version that changes a control setting: runs never use it."""
    _decide(bot, name, version, False, note)
