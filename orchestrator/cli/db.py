"""``finbots db``: the store's schema (upgrade, status, check, new migrations), backups.

The store is ``FINBOTS_DB_URL`` (default: SQLite ``<home>/data/finbots.db``); ``--url``
names another. See docs/database.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from bots.runtime.errors import FinbotsError
from orchestrator.config import get_settings

__all__ = ["app", "require_current_schema"]

app = typer.Typer(no_args_is_help=True)

UrlOpt = Annotated[str | None, typer.Option(
    "--url", help="The store's database URL (default: FINBOTS_DB_URL or the home's store).")]


def _url(url: str | None) -> str:
    return url or get_settings().db_url


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _fail(what: str, exc: Exception) -> typer.Exit:
    typer.secho(f"{what}: {exc}", fg="red", err=True)
    return typer.Exit(1)


def require_current_schema(url: str | None = None) -> None:
    """Exit with the command to run when the store's schema is not this finbots's.

    An empty store passes (it is created on first use). For ``finbots serve`` and the demo.
    """
    from orchestrator.store.engine import make_engine
    from orchestrator.store.schema import require_current

    target = _url(url)
    engine = make_engine(target)
    try:
        require_current(engine)
    except FinbotsError as exc:
        typer.secho(f"store {_shown(target)}: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


@app.command("upgrade")
def upgrade_cmd(
    url: UrlOpt = None,
    revision: Annotated[str, typer.Option(help="The revision to reach.")] = "head",
) -> None:
    """Bring the store's schema to this finbots's newest revision (safe to run again).

    A store made by a finbots from before migrations is adopted: the tables, columns and
    indexes it lacks are added, then it is upgraded. All in one transaction; on PostgreSQL
    one node upgrades while the others wait. There is no downgrade: take a backup first
    (finbots db backup FILE) and restore it to go back.
    """
    from orchestrator.store.migrate import upgrade

    target = _url(url)
    try:
        done = upgrade(target, revision)
    except FinbotsError as exc:
        raise _fail("upgrade refused", exc) from None
    for added in done.adopted:
        typer.echo(f"added {added} (store from before migrations)")
    for rev in done.applied:
        typer.echo(f"applied {rev}")
    if not done.applied and not done.adopted:
        typer.echo(f"store {_shown(target)}: already at revision {done.after}")
    else:
        typer.secho(f"store {_shown(target)}: now at revision {done.after}", fg="green")


@app.command("status")
def status_cmd(url: UrlOpt = None) -> None:
    """The store's schema revision and whether this finbots can use it (exit 2 if not)."""
    from orchestrator.store.engine import make_engine
    from orchestrator.store.schema import read_state

    target = _url(url)
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            state = read_state(conn)
    except FinbotsError as exc:
        raise _fail("status unknown", exc) from None
    finally:
        engine.dispose()
    typer.echo(f"store:    {_shown(target)}")
    typer.echo(f"revision: {state.current or '-'} (newest: {state.head})")
    typer.echo(state.describe())
    if state.status not in ("current", "empty"):
        raise typer.Exit(2)


@app.command("check")
def check_cmd(url: UrlOpt = None) -> None:
    """Compare the store's tables with the models: exit 1 on any difference.

    After `finbots db upgrade` there should be none; a difference means a model changed
    without a migration (write one with `finbots db revision -m ...`).
    """
    from orchestrator.store.compare import differences
    from orchestrator.store.engine import make_engine

    target = _url(url)
    engine = make_engine(target)
    try:
        with engine.connect() as conn:
            diffs = differences(conn)
    finally:
        engine.dispose()
    if diffs:
        typer.secho(f"{len(diffs)} difference(s) between the models and the store:",
                    fg="red", err=True)
        for diff in diffs:
            typer.echo(f"  - {diff}")
        raise typer.Exit(1)
    typer.secho("the store's tables match the models", fg="green")


@app.command("revision")
def revision_cmd(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
    url: Annotated[str | None, typer.Option(
        "--url", help="A scratch database to compare against (default: a temporary "
                      "SQLite store); it is upgraded to the newest revision first.")] = None,
    empty: Annotated[bool, typer.Option(
        "--empty", help="Write an empty migration (data changes written by hand).")] = False,
) -> None:
    """Write a migration for what the models have and the migrations lack (autogenerate).

    Review the file it prints: rename or data changes need a hand's touch.
    """
    from orchestrator.store.migrate import new_revision

    try:
        path = new_revision(message, url=url, empty=empty)
    except FinbotsError as exc:
        raise _fail("no migration written", exc) from None
    typer.echo(f"wrote {path}")


@app.command("merge")
def merge_cmd(
    message: Annotated[str, typer.Option("-m", "--message", help="What is merged.")]
    = "merge heads",
) -> None:
    """Join two heads (migrations written in parallel from the same parent)."""
    from orchestrator.store.migrate import merge_heads

    try:
        path = merge_heads(message)
    except FinbotsError as exc:
        raise _fail("no merge written", exc) from None
    typer.echo(f"wrote {path}")


FileArg = Annotated[Path, typer.Argument(help="The backup file.")]


@app.command("backup")
def backup_cmd(
    file: FileArg,
    url: UrlOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a consistent copy of the store to FILE (mode 0600) while finbots runs.

    SQLite: the online backup API; PostgreSQL: pg_dump -Fc (client tools needed). The file
    also holds a manifest: rows per table, schema revision, the audit trail's newest
    record and head checkpoint. The audit key is not in it: keep credentials/ backed up
    apart.
    """
    from orchestrator.store.backup import backup

    target = _url(url)
    try:
        manifest = backup(target, file, force=force)
    except FinbotsError as exc:
        raise _fail("no backup written", exc) from None
    rows = manifest.rows
    typer.secho(f"backup of {_shown(target)} written to {file}", fg="green")
    typer.echo(f"  {rows.get('run', 0)} runs, {rows.get('exception_case', 0)} cases, "
               f"{rows.get('audit_record', 0)} audit records; schema revision "
               f"{manifest.revision or '-'}")


@app.command("restore")
def restore_cmd(
    file: FileArg,
    url: UrlOpt = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace the data of a store that holds rows.")] = False,
) -> None:
    """Restore FILE (from finbots db backup) into an empty store; stop finbots first.

    The restored store's audit head checkpoint starts at the backup's newest record, and
    the restore is recorded in its trail (store.restore); finbots audit verify is then
    intact. A backup from an older finbots may need finbots db upgrade afterwards.
    """
    from orchestrator.store.audit import current_actor
    from orchestrator.store.backup import restore

    target = _url(url)
    try:
        done = restore(target, file, actor=current_actor(), force=force)
    except FinbotsError as exc:
        raise _fail("not restored", exc) from None
    rows = done.manifest.rows
    typer.secho(f"restored {file} (taken {done.manifest.taken_at}) into {_shown(target)}",
                fg="green")
    typer.echo(f"  {rows.get('run', 0)} runs, {rows.get('exception_case', 0)} cases, "
               f"{rows.get('audit_record', 0)} audit records")
    if done.state.status != "current":
        typer.secho(done.state.describe(), fg="yellow")
        return
    if done.problems:
        typer.secho(f"audit trail BROKEN: {len(done.problems)} problem(s) "
                    "(finbots audit verify)", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo("audit trail intact; the restore is recorded in it (store.restore)")
