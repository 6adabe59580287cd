"""``finbots customers find|show``: a customer's finance status on the command line.

Reads are audited as on the page (``customer.view``), with the person running the command
as the actor (``FINBOTS_ACTOR``, else the operating system user).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.markup import escape

from bots.runtime.errors import NotFoundError
from orchestrator.cli.runs import JsonOpt, _console, _emit, _table
from orchestrator.services.customers import audit_read, customer_view, search_customers
from orchestrator.store import Store, current_actor

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True)


@app.command("find")
def find_cmd(text: Annotated[str, typer.Argument(help="A name, customer number, invoice "
                                                       "number, IBAN or bank reference.")],
             limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
             as_json: JsonOpt = False) -> None:
    """Customers whose name, number, invoice, IBAN or bank reference starts with TEXT."""
    try:
        hits = search_customers(Store.from_settings(), text, limit=limit)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        _emit([asdict(h) for h in hits])
        return
    if not hits:
        typer.echo(f"no customer found for {text!r}")
        raise typer.Exit(1)
    table = _table("Customers", "customer name found_by")
    for h in hits:
        table.add_row(h.customer_id, escape(h.name or "-"),
                      escape(f"{h.found_by}: {h.found_text}"))
    _console().print(table)


@app.command("show")
def show_cmd(customer_id: Annotated[str, typer.Argument(help="The customer number.")],
             events: Annotated[int, typer.Option(min=1, max=200,
                                                 help="Newest finance events shown.")] = 20,
             as_json: JsonOpt = False) -> None:
    """A customer's invoices, payments, cases, promises, credit, refunds and timeline."""
    store = Store.from_settings()
    try:
        view = customer_view(store, customer_id, limit=events)
    except NotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    audit_read(store, current_actor(), customer_id, "cli")
    if as_json:
        data = asdict(view)
        data["freshness"] = {k: {**asdict(f), "described": f.describe()}
                             for k, f in view.freshness.items()}
        _emit(data)
        return
    console = _console()
    console.print(f"[bold]{escape(view.customer_id)}[/] {escape(view.name or '')}")
    fresh = view.freshness
    table = _table(f"Invoices (read {fresh['invoices'].describe()})",
                   "invoice due amount open status", "amount open")
    for i in view.invoices:
        table.add_row(i.number, i.due_date or "-", str(i.amount or "-"),
                      str(i.amount_open if i.amount_open is not None else "-"), i.status)
    console.print(table)
    table = _table(f"Payments (recorded {fresh['payments'].describe()})",
                   "received reference amount status how", "amount")
    for p in view.payments:
        table.add_row(p.received_at[:10], p.reference, str(p.amount or "-"), p.status,
                      escape(p.how))
    console.print(table)
    table = _table("Open and recent cases", "case reason status owner age_days", "case age_days")
    for c in view.cases:
        table.add_row(str(c.id), c.reason_code, c.status, c.owner or "-", str(c.age_days))
    console.print(table)
    if view.promises:
        table = _table("Promises to pay", "date amount status")
        for p in view.promises:
            table.add_row(str(p.get("promised_date", "-")), str(p.get("amount", "-")),
                          str(p.get("status", "-")))
        console.print(table)
    if view.credit:
        console.print(f"Credit: {escape(str(view.credit.get('status', '-')))}, limit "
                      f"{view.credit.get('limit', '-')}, exposure "
                      f"{view.credit.get('exposure', '-')}")
    for r in view.refunds:
        console.print(f"Refund {r.get('amount') or ''}: {r.get('state')}")
    table = _table(f"Timeline ({view.timeline.total} events)", "when event summary")
    for e in view.timeline.events:
        table.add_row(e.occurred_at[:16].replace("T", " "), e.type, escape(e.summary))
    console.print(table)
