"""Reading a case's candidates again from the ERP when a person opens it.

The case types of this bot declare ``EvidenceRefresh(REFRESH_QUEUE)``: opening a case
adds an item to that queue with the case's candidates as they were at intake. The bot
exports the open items from the ERP, compares each candidate with what the ERP shows now
(paid meanwhile: no longer open; open amount changed) and completes the item with what it
read (``output["refreshed"]``), which the case keeps and shows.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from bots.payment_posting.evidence import Ledger, read_ledger
from bots.runtime import RunContext, WorkQueue
from bots.runtime.cases import EvidenceRefresh

__all__ = ["REFRESH", "REFRESH_QUEUE", "Refresher", "compare"]

REFRESH_QUEUE = "payment-posting-evidence"
#: what the payment-posting case types declare
REFRESH = EvidenceRefresh(REFRESH_QUEUE, label="Candidates read again from the ERP",
                          stale_after_s=60.0)


class OpenItemsExport(Protocol):
    def export_open_items(self) -> Any: ...


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def compare(candidates: list[dict[str, Any]], ledger: Ledger) -> tuple[list[dict[str, Any]],
                                                                       list[str]]:
    """Each candidate as the ERP shows it now, and what changed since intake."""
    rows, changes = [], []
    for c in candidates:
        number = str(c.get("invoice_number") or "")
        before, now = _amount(c.get("amount_open")), ledger.by_invoice.get(number)
        row: dict[str, Any] = {"invoice_number": number,
                               "open_at_intake": None if before is None else f"{before:.2f}"}
        if now is None:
            row.update(open_now="0.00", changed="paid meanwhile (no longer open in the ERP)")
        else:
            open_now = _amount(now.get("amount_open"))
            row.update(open_now=None if open_now is None else f"{open_now:.2f}",
                       due_date=now.get("due_date"), changed="")
            if before is not None and open_now is not None and open_now != before:
                row["changed"] = f"open amount changed from {before:.2f} to {open_now:.2f}"
        if row["changed"]:
            changes.append(f"{number}: {row['changed']}")
        rows.append(row)
    return rows, changes


class Refresher:
    """Works the refresh queue: one export of the open items per run, read when the first
    item needs it (several people opening cases at once cost one export)."""

    def __init__(self, ctx: RunContext, queue: WorkQueue, erp: OpenItemsExport) -> None:
        self.ctx, self.queue, self.erp = ctx, queue, erp
        self._export: Any = None

    def run(self) -> int:
        done = 0
        for item in self.queue.items():
            with item:
                self.process(item)
                done += 1
        return done

    def process(self, item: Any) -> None:
        case = item.payload.get("case") or {}
        candidates = [dict(c) for c in case.get("candidates") or ()]
        with self.ctx.recorder.step("refresh_candidates", app="finbots",
                                    data={"case": case.get("id"),
                                          "candidates": len(candidates)},
                                    rule="a candidate no longer open was paid meanwhile") as st:
            if self._export is None:
                self._export = self.erp.export_open_items()
            customers = {str(c.get("customer_id")) for c in candidates if c.get("customer_id")}
            if case.get("customer_id"):
                customers.add(str(case["customer_id"]))
            rows, changes = compare(candidates, read_ledger(self._export, customers))
            st.data["changes"] = changes
        item.output["refreshed"] = {
            "read_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "candidates": rows, "changes": changes, "source": "ERP open-items export"}
