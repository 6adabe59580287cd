"""The SVG charts of the operations dashboard (``/``) and the finance dashboard
(``/finance``), drawn from their figures."""

from __future__ import annotations

from markupsafe import Markup

from orchestrator.services.dashboard import DashboardOut
from orchestrator.services.finance_dashboard import FinanceOut
from orchestrator.web import svg

__all__ = ["AGE_CLASSES", "finance_charts", "ops_charts"]

_BAD = ("failed", "killed", "abandoned")
_STATUS_CLASS = {"successful": "s-ok", "running": "s-info", "pending": "s-warn",
                 "stopping": "s-warn", "stopped": "s-idle"}
AGE_CLASSES = ("s-age0", "s-age1", "s-age2", "s-age3")


def ops_charts(fig: DashboardOut) -> dict[str, Markup]:
    days = [(d.day.strftime("%d %b"), [(float(d.total - d.failed), "s-ok"),
                                       (float(d.failed), "s-bad")])
            for d in fig.runs_per_day]
    today = [(status, [(float(n), "s-bad" if status in _BAD else _STATUS_CLASS.get(status,
                                                                                  "s-idle"))])
             for status, n in sorted(fig.runs_today.items(), key=lambda kv: -kv[1])]
    bots = [(b.bot, [(float(b.successful), "s-ok"), (float(b.failed), "s-bad"),
                     (float(b.abandoned), "s-warn")]) for b in fig.bots]
    ages = [(r.reason, [(float(r.buckets.get(label, 0)), AGE_CLASSES[i])
                        for i, label in enumerate(fig.age_buckets)])
            for r in fig.open_cases[:8]]
    return {
        "per_day": svg.columns(days, "Runs per day, last 14 days: successful and failed",
                               every=2),
        "per_day_spark": svg.sparkline([float(d.total) for d in fig.runs_per_day],
                                       "Runs per day, last 14 days"),
        "today": svg.hbars(today, "Runs today by status", width=420, label_width=90),
        "bots": svg.hbars(bots, f"Items per bot, last {fig.items_window_days} days: "
                                "successful, failed, abandoned", width=560),
        "ages": svg.hbars(ages, "Open exceptions by reason and age", width=560),
    }


def finance_charts(fig: FinanceOut) -> dict[str, Markup]:
    label = "%d %b"
    cash = [(d.day.strftime(label), [(float(d.cash_applied), "s-ok")]) for d in fig.trend]
    cases = [(d.day.strftime(label), [(float(d.cases_opened), "s-warn")]) for d in fig.trend]
    resolved = [(d.day.strftime(label), [(float(d.cases_resolved), "s-info")])
                for d in fig.trend]
    stp = [(d.day.strftime(label), [(float(d.items_straight_through), "s-ok"),
                                    (float(d.items_finished - d.items_straight_through),
                                     "s-bad")]) for d in fig.trend]
    value = [(r.reason, [(float(r.buckets[b].amount), AGE_CLASSES[i])
                         for i, b in enumerate(fig.age_buckets)]) for r in fig.exceptions[:8]]
    return {
        "cash": svg.columns(cash, f"Cash applied per day, last 30 days ({fig.currency})",
                            every=5),
        "cash_spark": svg.sparkline([float(d.cash_applied) for d in fig.trend],
                                    "Cash applied per day, last 30 days"),
        "opened": svg.columns(cases, "Exception cases opened per day, last 30 days", every=5),
        "resolved": svg.columns(resolved, "Exception cases resolved per day, last 30 days",
                                every=5),
        "stp": svg.columns(stp, "Items per day, last 30 days: straight through and with a "
                                "case or failed", every=5),
        "value": svg.hbars(value, "Money waiting in exception cases by reason and age"),
    }
