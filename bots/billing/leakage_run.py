"""The revenue-leakage phase: what the contracts entitle us to bill and the invoices do
not carry (periods and usage never invoiced, lines below the contract price, discounts
applied past their end), kept as records for the ``/billing/leakage`` page, its CSV and
the API, and a case for the owner of each of the largest items.

Records: ``revenue_leakage`` per item (keyed by cause, contract, line and period, so the
same leak is the same record in every report) with the report's ``run_key``, and one
``revenue_leakage_run`` per report day with the report's totals. Cases go through the
``billing-leakage`` queue, one item per leak: a rerun adds none twice, so no owner gets
a second case for the same leak.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from bots.billing.case_types import LEAKAGE
from bots.billing.settings import BotSettings
from bots.runtime import BusinessFailure, RunContext

__all__ = ["LEAK", "LEAK_QUEUE", "LEAK_RUN", "leak_key", "record_leakage"]

LEAK, LEAK_RUN = "revenue_leakage", "revenue_leakage_run"
LEAK_QUEUE = "billing-leakage"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def leak_key(leak: Any) -> str:
    """The leak's stable key: cause, contract, line and period."""
    parts = (leak.cause, leak.contract_number, getattr(leak, "line_id", None) or "",
             _text(leak.period_start), _text(leak.period_end))
    return ":".join(str(p) for p in parts)


def _totals(rows: Iterable[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    sums: dict[tuple[str, str], Decimal] = defaultdict(lambda: Decimal("0.00"))
    for row in rows:
        sums[(str(row[by]), str(row["currency"]))] += Decimal(str(row["amount"]))
    return [{by: name, "currency": cur, "amount": amount}
            for (name, cur), amount in sorted(sums.items(), key=lambda kv: -kv[1])]


def record_leakage(ctx: RunContext, settings: BotSettings, leaks: Sequence[Any],
                   as_of: dt.date) -> dict[str, Any]:
    """Keep the report as records and queue a case for each of the largest leaks."""
    run_key = f"{as_of.isoformat()}/run{ctx.run_id}"
    ranked = sorted(leaks, key=lambda leak: (-Decimal(leak.amount), leak_key(leak)))
    rows: list[dict[str, Any]] = []
    for rank, leak in enumerate(ranked, start=1):
        owner = str(getattr(leak, "owner", "") or settings.leakage_owner_default)
        row = {"run_key": run_key, "as_of": as_of, "rank": rank, "cause": leak.cause,
               "customer_id": leak.customer_id, "contract": leak.contract_number,
               "line": getattr(leak, "line_id", None) or "",
               "period_start": leak.period_start, "period_end": leak.period_end,
               "amount": Decimal(leak.amount).quantize(Decimal("0.01")),
               "expected": getattr(leak, "expected", None),
               "invoiced": getattr(leak, "invoiced", None),
               "currency": leak.currency, "detail": str(getattr(leak, "detail", "") or ""),
               "owner": owner}
        ctx.records.put(LEAK, leak_key(leak), row, customer_id=leak.customer_id)
        rows.append({**row, "key": leak_key(leak)})
    top = rows[:settings.leakage_cases_for_largest]
    summary = {"run_key": run_key, "as_of": as_of, "computed_at": dt.datetime.now(dt.UTC),
               "items": len(rows), "totals": _totals(({**r, "all": "all"} for r in rows),
                                                     "all"),
               "by_customer": _totals(rows, "customer_id"), "by_cause": _totals(rows, "cause"),
               "largest": [r["key"] for r in top]}
    ctx.records.put(LEAK_RUN, as_of.isoformat(), summary)
    queue = ctx.queue(LEAK_QUEUE)
    queued = sum(queue.add(r["key"], {"leak": _plain(r)}) for r in top)
    opened = 0
    for item in queue.items():
        with item:
            leak = dict(item.payload["leak"])
            opened += 1
            raise BusinessFailure(
                LEAKAGE, f"{leak['cause'].replace('_', ' ')}: {leak['amount']} "
                f"{leak['currency']} on {leak['contract']} ({leak['period_start']} to "
                f"{leak['period_end']}) for {leak['owner']}",
                data={"leak": {**leak, "period": f"{leak['period_start']} to "
                               f"{leak['period_end']}"},
                      "owner": leak["owner"],
                      "run": {"as_of": leak["as_of"], "rank": leak["rank"]}},
                rule=leak["cause"], amount=Decimal(leak["amount"]),
                customer=leak["customer_id"])
    return {"leakage_items": len(rows), "leakage_cases_queued": queued,
            "leakage_cases": opened,
            "leakage_total": [f"{t['amount']} {t['currency']}" for t in summary["totals"]]}


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _text(v) if isinstance(v, dt.date) else str(v) if isinstance(v, Decimal)
            else v for k, v in row.items()}
