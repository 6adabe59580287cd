"""``/metrics``: the finance dashboard's figures for Prometheus, computed from the store
when scraped (one :class:`FinanceCollector` in a registry of its own per scrape, no
process-global registry); the figures are those the finance page shows, at most 10 s old
(:mod:`orchestrator.services.shared_figures`): a scrape and 20 people on the page share one
computation.

Guarded like every route: the caller needs ``metrics.read`` (developers, support engineers,
admins). Prometheus scrapes with a bearer token, e.g. an integration token holding only the
``support`` role::

    scrape_configs:
      - job_name: finbots
        scrape_interval: 60s
        metrics_path: /metrics
        authorization: {type: Bearer, credentials_file: /etc/prometheus/finbots.token}
        static_configs: [{targets: ["finbots.example:8000"]}]

Amounts are in the currency named by the ``currency`` label. They are handed to
prometheus-client as the Decimals the figures hold; only its text exposition writes them
as numbers. Windows: "30d" = the last 30
UTC days including today.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.deps import get_store, require
from orchestrator.services.finance_dashboard import FinanceOut, recent_finance_figures
from orchestrator.store import Store

__all__ = ["FinanceCollector", "metric_families", "router"]

router = APIRouter()


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"finbots_{name}", doc, labels=labels)


def metric_families(fig: FinanceOut) -> list[GaugeMetricFamily]:
    """The figures as metric families (labels: process, reason, bucket, currency, period)."""
    cash = _gauge("cash_applied_amount", "Cash applied (finance events payment_applied)",
                  ["period", "currency"])
    payments = _gauge("cash_applied_payments", "Payments applied", ["period", "currency"])
    for period, rows in (("today", fig.cash_applied_today), ("month", fig.cash_applied_month)):
        for row in rows:
            cash.add_metric([period, row.currency], row.amount)
            payments.add_metric([period, row.currency], row.count)
    unapplied = _gauge("unapplied_cash_amount", "Money of waiting cash-application cases",
                       ["currency"])
    unapplied.add_metric([fig.unapplied_waiting.currency], fig.unapplied_waiting.amount)
    on_account = _gauge("on_account_month_amount", "Payments put on account this month",
                        ["currency"])
    for row in fig.on_account_month:
        on_account.add_metric([row.currency], row.amount)

    finished = _gauge("items_finished_30d", "Work items finished, last 30 days", ["process"])
    stp = _gauge("items_straight_through_30d", "Of them successful with no exception case",
                 ["process"])
    rate = _gauge("straight_through_ratio_30d", "Straight-through items / finished items",
                  ["process"])
    touches = _gauge("manual_touches_per_case_30d",
                     "People's actions per case resolved, last 30 days", ["process"])
    waiting = _gauge("exceptions_waiting_by_process", "Cases waiting now", ["process"])
    breached = _gauge("sla_breaches_open", "Cases waiting past their SLA now", ["process"])
    breached_amount = _gauge("sla_breaches_open_amount", "Money of cases past their SLA",
                             ["process"])
    late = _gauge("sla_resolved_late_30d", "Cases resolved after their SLA, last 30 days",
                  ["process"])
    reopened = _gauge("cases_reopened_30d", "Cases reopened (rework), last 30 days",
                      ["process"])
    for p in fig.processes:
        finished.add_metric([p.process], p.items_finished)
        stp.add_metric([p.process], p.items_straight_through)
        if p.straight_through_rate is not None:
            rate.add_metric([p.process], p.straight_through_rate)
        if p.touches_per_case is not None:
            touches.add_metric([p.process], p.touches_per_case)
        waiting.add_metric([p.process], p.waiting)
        breached.add_metric([p.process], p.past_sla)
        breached_amount.add_metric([p.process], p.past_sla_amount)
        late.add_metric([p.process], p.resolved_late)
        reopened.add_metric([p.process], p.reopened)

    exc = _gauge("exceptions_waiting", "Cases waiting now by reason and age", ["reason", "bucket"])
    exc_amount = _gauge("exceptions_waiting_amount", "Money of cases waiting by reason and age",
                        ["reason", "bucket"])
    for r in fig.exceptions:
        for label, cell in r.buckets.items():
            exc.add_metric([r.reason, label], cell.count)
            exc_amount.add_metric([r.reason, label], cell.amount)

    delay = _gauge("approval_delay_seconds_30d",
                   "Request to decision of approvals decided, last 30 days", ["quantile"])
    for q, value in (("0.5", fig.approvals.median_seconds), ("0.9", fig.approvals.p90_seconds)):
        if value is not None:
            delay.add_metric([q], value)
    pending = _gauge("approvals_pending", "Approvals waiting for a decision", [])
    pending.add_metric([], fig.approvals.pending)
    leak = _gauge("revenue_leakage_amount", "Revenue leakage found by the newest billing check",
                  ["cause"])
    if fig.leakage is not None:
        leak.add_metric(["total"], fig.leakage.total)
        for cause, amount in fig.leakage.by_cause.items():
            leak.add_metric([cause], amount)
    return [cash, payments, unapplied, on_account, finished, stp, rate, touches, waiting,
            breached, breached_amount, late, reopened, exc, exc_amount, delay, pending, leak]


class FinanceCollector(Collector):
    """Computes the figures from ``store`` when Prometheus scrapes."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from metric_families(recent_finance_figures(self.store))


@router.get("/metrics")
def metrics(principal: Annotated[Principal, Depends(require(Permission.METRICS_READ))],
            store: Annotated[Store, Depends(get_store)]) -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FinanceCollector(store))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
