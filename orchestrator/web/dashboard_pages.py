"""The dashboard ``/``: runs today, throughput and success per bot, open exceptions by age
and reason, SLA breaches, time to resolve, robots — with small SVG charts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.dashboard import DashboardOut, dashboard_figures
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.web import svg
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
_BAD = ("failed", "killed", "abandoned")
_STATUS_CLASS = {"successful": "s-ok", "running": "s-info", "pending": "s-warn",
                 "stopping": "s-warn", "stopped": "s-idle"}
_AGE_CLASS = ("s-age0", "s-age1", "s-age2", "s-age3")


def _charts(fig: DashboardOut) -> dict[str, Markup]:
    days = [(d.day.strftime("%d %b"), [(float(d.total - d.failed), "s-ok"),
                                       (float(d.failed), "s-bad")])
            for d in fig.runs_per_day]
    today = [(status, [(float(n), "s-bad" if status in _BAD else _STATUS_CLASS.get(status,
                                                                                  "s-idle"))])
             for status, n in sorted(fig.runs_today.items(), key=lambda kv: -kv[1])]
    bots = [(b.bot, [(float(b.successful), "s-ok"), (float(b.failed), "s-bad"),
                     (float(b.abandoned), "s-warn")]) for b in fig.bots]
    ages = [(r.reason, [(float(r.buckets.get(label, 0)), _AGE_CLASS[i])
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


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request,
                   principal: Annotated[Principal, Depends(require(Permission.DASHBOARD_READ))],
                   store: Annotated[Store, Depends(get_store)]) -> HTMLResponse:
    fig = dashboard_figures(store)
    return render(request, "dashboard.html", fig=fig, charts=_charts(fig),
                  age_classes=_AGE_CLASS)
