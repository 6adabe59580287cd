"""finbots match: decide every entry of a statement against the open items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from bots.runtime.errors import FinbotsError


def match(
    statement: Path = typer.Option(..., "--statement", help="Bank statement file to match."),
    open_items: Path = typer.Option(..., "--open-items", help="Open items CSV from the ERP."),
    config: Path | None = typer.Option(None, "--config", help="Matching settings (YAML/TOML)."),
    remittance: list[Path] | None = typer.Option(
        None, "--remittance", help="Remittance advice (.xlsx/.pdf); repeatable."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Match a statement against open items: one decision per entry."""
    from bots.cashapp.matching import load_config, load_open_items_csv, match_statement

    try:
        from bots.cashapp.statements import parse_file, parse_remittance_file

        settings = load_config(config)
        parsed = parse_file(statement)
        items = load_open_items_csv(open_items)
        advices = [parse_remittance_file(path) for path in remittance or []]
        results = match_statement(parsed.entries, items, settings, remittances=advices)
    except FinbotsError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    entries = {e.entry_id: e for e in parsed.entries}
    rows = [decision_row(entries[r.entry_id].bank_reference, r) for r in results]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    _table(rows)


def decision_row(bank_reference: str, result: Any) -> dict[str, Any]:
    """One entry's decision as plain JSON-ready data (amounts as strings)."""
    return {
        "entry_id": result.entry_id,
        "bank_reference": bank_reference,
        "decision": result.decision.value,
        "reason": result.reason.value if result.reason else None,
        "rule": result.rule,
        "confidence": result.confidence,
        "customer_id": result.customer_id,
        "partial": result.partial,
        "explanation": result.explanation,
        "allocations": [
            {"invoice_number": a.invoice_number, "amount": str(a.amount),
             "write_off": str(a.write_off), "discount": str(a.discount)}
            for a in result.allocations
        ],
        "candidates": [
            {"invoice_number": c.invoice_number, "customer_id": c.customer_id,
             "amount_open": str(c.amount_open), "score": c.score, "why": c.why}
            for c in result.candidates
        ],
    }  # fmt: skip


def _table(rows: list[dict[str, Any]]) -> None:
    table = Table(title="Matching decisions")
    for column in ("entry", "bank reference", "decision", "reason", "rule", "conf.", "applied"):
        table.add_column(column)
    for row in rows:
        applied = "; ".join(
            f"{a['invoice_number']} {a['amount']}"
            + (f" wo {a['write_off']}" if a["write_off"] != "0" else "")
            + (f" disc {a['discount']}" if a["discount"] != "0" else "")
            for a in row["allocations"]
        ) or ", ".join(c["invoice_number"] for c in row["candidates"][:3])
        style = {"post": "green", "exception": "yellow"}.get(row["decision"], "dim")
        table.add_row(
            row["entry_id"], row["bank_reference"], f"[{style}]{row['decision']}[/{style}]",
            row["reason"] or "", row["rule"], f"{row['confidence']:.2f}", applied,
        )  # fmt: skip
    Console().print(table)
