"""The dashboards: ``/`` (home: what waits for the person, then runs, items, exceptions and
robots; see :mod:`orchestrator.web.home_pages`) and ``/finance`` (money and time: cash
applied, unapplied cash, straight-through rates, exceptions by value, approval delays,
manual touches, SLA breaches, rework, revenue leakage, 30-day trends); ``/metrics`` gives
the finance figures to Prometheus (:mod:`orchestrator.web.metrics`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.deps import get_store, require
from orchestrator.services.finance_dashboard import CASH_APPLICATION, recent_finance_figures
from orchestrator.store import Store
from orchestrator.web import home_pages, metrics
from orchestrator.web.dashboard_charts import AGE_CLASSES, finance_charts
from orchestrator.web.templating import render

__all__ = ["router"]

router = APIRouter()
router.include_router(home_pages.router)
router.include_router(metrics.router)


@router.get("/finance", response_class=HTMLResponse)
def finance_page(request: Request,
                 principal: Annotated[Principal, Depends(require(Permission.DASHBOARD_READ))],
                 store: Annotated[Store, Depends(get_store)]) -> HTMLResponse:
    fig = recent_finance_figures(store)
    return render(request, "finance_dashboard.html", fig=fig, charts=finance_charts(fig),
                  age_classes=AGE_CLASSES, cash_processes=CASH_APPLICATION)
