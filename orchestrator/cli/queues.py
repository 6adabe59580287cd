"""``finbots queues ...`` (work queues and their items) and ``finbots audit``.

Reading is free; every change (add, retry, delete) writes an audit record naming the actor
(``FINBOTS_ACTOR``, else the operating-system user). Rich tables for people, ``--json`` for
scripts (stable keys, ISO UTC times).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from bots.runtime.errors import IllegalTransitionError, NotFoundError
from orchestrator.cli.runs import JsonOpt, _console, _emit, _fields, _styled, _table, _when
from orchestrator.services import item_batch
from orchestrator.store import ItemState, Store, WorkItem, current_actor

app = typer.Typer(no_args_is_help=True)

_STATES = [s.value for s in ItemState]


def _target(item: WorkItem) -> str:
    return f"{item.queue}/{item.reference}:{item.id}"


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(1)


def _item(store: Store, item_id: int) -> WorkItem:
    try:
        return store.get_item(item_id)
    except NotFoundError:
        raise _fail(f"No work item with id {item_id}.") from None


@app.command("list")
def list_queues(as_json: JsonOpt = False) -> None:
    """Work queues with their item counts per state."""
    store = Store.from_settings()
    counts = store.queue_counts()
    rows = [
        {"name": q.name, "max_retries": q.max_retries, "lease_seconds": q.lease_seconds,
         "counts": {state: counts.get(q.name, {}).get(state, 0) for state in _STATES}}
        for q in store.list_queues()
    ]
    if as_json:
        _emit(rows)
        return
    if not rows:
        typer.echo("No work queues.")
        return
    table = _table("Work queues", "queue " + " ".join(_STATES), numbers=" ".join(_STATES))
    for r in rows:
        table.add_row(escape(r["name"]), *(str(r["counts"][s]) for s in _STATES))
    _console().print(table)


@app.command("items")
def items(
    queue: Annotated[str, typer.Argument(help="The queue name.")],
    state: Annotated[str | None, typer.Option(help=f"Only this state: {' | '.join(_STATES)}")]
    = None,
    limit: Annotated[int, typer.Option(help="How many items, oldest first.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """A queue's items, oldest first."""
    if state is not None and state not in _STATES:
        raise _fail(f"Unknown state {state!r}; one of: {', '.join(_STATES)}.")
    records = Store.from_settings().list_items(queue=queue, state=state, limit=limit)
    if as_json:
        _emit([_fields(i) for i in records])
        return
    if not records:
        typer.echo(f"No items in {queue!r}" + (f" in state {state}." if state else "."))
        return
    table = _table(f"Items of {queue} (UTC)", "id reference state priority deadline retries "
                   "created failure", numbers="id priority retries")
    for i in records:
        failure = f"{i.failure_kind}: {i.failure_code}" if i.failure_kind else "-"
        table.add_row(str(i.id), escape(i.reference), _styled(i.state), str(i.priority),
                      _when(i.deadline), str(i.retry_count), _when(i.created_at), escape(failure))
    _console().print(table)


@app.command("show")
def show(
    item_id: Annotated[int, typer.Argument(help="The work item id.")],
    as_json: JsonOpt = False,
) -> None:
    """One work item: every field, its payload, output and failure."""
    item = _item(Store.from_settings(), item_id)
    data = _fields(item)
    if as_json:
        _emit(data)
        return
    console = _console()
    console.print(f"[bold]Work item {item.id}[/]  {escape(_target(item))}  {_styled(item.state)}")
    table = _table("", "field value")
    for name, value in data.items():
        if name in ("payload", "output"):
            continue
        shown = _when(value) + " UTC" if isinstance(value, dt.datetime) else str(value)
        table.add_row(name, escape("-" if value is None else shown))
    console.print(table)
    console.print(f"payload: {json.dumps(item.payload, indent=2)}", markup=False)
    if item.output is not None:
        console.print(f"output: {json.dumps(item.output, indent=2)}", markup=False)
    if item.failure_kind:
        console.print(f"[red]failure ({item.failure_kind}) {escape(item.failure_code or '')}:[/]"
                      f" {escape(item.failure_message or '')}")


def _parse_deadline(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _fail(f"--deadline {text!r} is not an ISO 8601 time.") from None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


@app.command("add")
def add(
    queue: Annotated[str, typer.Argument(help="The queue name.")],
    reference: Annotated[str, typer.Argument(help="The item's reference (unique in the queue).")],
    payload: Annotated[str | None, typer.Option(help="The payload, a JSON object.")] = None,
    priority: Annotated[int, typer.Option(help="Higher is claimed first.")] = 0,
    deadline: Annotated[str | None, typer.Option(
        help="SLA deadline, ISO 8601 (no offset means UTC); earlier is claimed first.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a ``new`` item; refused when a live item of the queue has the reference."""
    data: dict[str, Any] = {}
    if payload is not None:
        try:
            data = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise _fail(f"--payload is not valid JSON: {exc}.") from None
        if not isinstance(data, dict):
            raise _fail("--payload must be a JSON object.")
    when = _parse_deadline(deadline) if deadline else None
    store = Store.from_settings()
    try:
        item = store.add_item(queue, reference, data, priority=priority, deadline=when)
    except NotFoundError:
        raise _fail(f"No work queue {queue!r}.") from None
    except ValueError as exc:
        raise _fail(f"{exc}; nothing added.") from None
    if item is None:
        live = store.find_item(queue, reference)
        held = f" (item {live.id}, {live.state})" if live else ""
        raise _fail(f"Queue {queue!r} already has a live item with reference "
                    f"{reference!r}{held}; nothing added.")
    store.record_audit(current_actor(), "item.add", _target(item),
                       {"payload": data, "priority": priority, "deadline": when})
    if as_json:
        _emit(_fields(item))
        return
    typer.echo(f"Added item {item.id} ({reference}) to {queue}.")


@app.command("add-many")
def add_many(
    queue: Annotated[str, typer.Argument(help="The queue name.")],
    file: Annotated[str, typer.Argument(
        help="JSON Lines (one item object a line) or a JSON list; - reads standard input.")],
    as_json: JsonOpt = False,
) -> None:
    """Add many ``new`` items in one transaction, from a file.

    An item: ``{"reference": "INV-1", "payload": {...}, "priority": 0, "deadline":
    "2026-12-31T17:00:00Z", "not_before": null}`` (only the reference is required). Every bad
    line is named and nothing is added while one is bad; items whose reference a live item
    holds are skipped and named.
    """
    source = "standard input" if file == "-" else file
    try:
        data = (sys.stdin.buffer.read(item_batch.MAX_BYTES + 1) if file == "-"
                else _read_limited(Path(file)))
    except OSError as exc:
        raise _fail(f"Cannot read {file}: {exc.strerror or exc}.") from None
    store = Store.from_settings()
    try:
        parsed = item_batch.read_items(data, source)
        done = item_batch.add_batch(store, current_actor(), queue, parsed, source)
    except item_batch.ItemBatchError as exc:
        raise _fail("Nothing added:\n" + "\n".join(exc.problems)) from None
    except NotFoundError:
        raise _fail(f"No work queue {queue!r}; nothing added.") from None
    except ValueError as exc:
        raise _fail(f"Nothing added: {exc}.") from None
    if as_json:
        _emit({"queue": queue, "added": len(done.ids), "ids": done.ids,
               "skipped": [{"at": at, "reference": ref} for at, ref in done.skipped]})
        return
    typer.echo(f"Added {len(done.ids):,} item(s) to {queue}.")
    if done.skipped:
        typer.echo(f"Skipped {len(done.skipped):,} whose reference a live item holds: "
                   + ", ".join(f"{at} ({ref})" for at, ref in done.skipped[:20])
                   + (" ..." if len(done.skipped) > 20 else ""))


def _read_limited(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(item_batch.MAX_BYTES + 1)  # one byte more: too long is refused


@app.command("retry")
def retry(
    item_ids: Annotated[list[int], typer.Argument(help="Ids of failed or abandoned items.")],
) -> None:
    """Retry failed (application or business) or abandoned items: each gets a new clone.

    Use it once the cause is fixed; the queue's retry limit does not apply.
    """
    store, actor, refused = Store.from_settings(), current_actor(), 0
    for item_id in item_ids:
        try:
            item = store.get_item(item_id)
            clone = store.retry_item(item_id)
        except NotFoundError:
            typer.echo(f"No work item with id {item_id}.", err=True)
            refused += 1
            continue
        except IllegalTransitionError as exc:
            typer.echo(f"Item {item_id} is {exc.current}: only failed or abandoned items can "
                       "be retried.", err=True)
            refused += 1
            continue
        store.record_audit(actor, "item.retry", _target(item), {
            "from_state": item.state, "failure_kind": item.failure_kind,
            "failure_code": item.failure_code, "clone_id": clone.id,
            "retry_count": clone.retry_count,
        })
        typer.echo(f"Retried item {item_id} as item {clone.id}.")
    if refused:
        raise typer.Exit(1)


@app.command("delete")
def delete(item_id: Annotated[int, typer.Argument(help="The id of a new item.")]) -> None:
    """Withdraw a ``new`` item (its reference is free again)."""
    store = Store.from_settings()
    item = _item(store, item_id)
    try:
        store.delete_item(item_id)
    except IllegalTransitionError as exc:
        raise _fail(f"Item {item_id} is {exc.current}: only new items can be deleted.") from None
    store.record_audit(current_actor(), "item.delete", _target(item),
                       {"payload": item.payload})
    typer.echo(f"Deleted item {item_id} ({item.reference}) from {item.queue}.")
