"""The exception inbox: filters, counts per reason and age, SLA, bulk actions, live count.

``/inbox`` is the whole page; ``/inbox/rows`` the results part HTMX swaps in when a filter
changes (the URL is pushed, so reload and the back button keep the filters);
``/inbox/count`` the number the navigation polls. The case and approval pages are in
:mod:`orchestrator.web.case_pages` and :mod:`orchestrator.web.approval_pages`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.case_bulk import run_bulk
from orchestrator.services.case_models import BulkIn
from orchestrator.services.case_views import FILTER_KEYS, case_out, parse_query, workers
from orchestrator.services.deps import get_store, require
from orchestrator.services.inbox_totals import inbox_totals
from orchestrator.services.resolutions import CaseTypes
from orchestrator.store import Store
from orchestrator.store.case_query import AGE_BUCKETS, SORTS
from orchestrator.store.states import CaseStatus
from orchestrator.web import approval_pages as _approval_pages  # noqa: F401  (its routes)
from orchestrator.web import case_pages as _case_pages  # noqa: F401  (its routes)
from orchestrator.web.inbox_router import router
from orchestrator.web.templating import render

__all__ = ["router"]

Reader = Annotated[Principal, Depends(require(Permission.CASES_READ))]
Worker = Annotated[Principal, Depends(require(Permission.CASES_WORK))]
StoreDep = Annotated[Store, Depends(get_store)]

REASONS = ("UNMATCHED", "AMBIGUOUS", "SHORT_PAYMENT", "OVERPAYMENT", "DUPLICATE",
           "UNKNOWN_PAYER", "LOW_CONFIDENCE", "CURRENCY_MISMATCH", "ERP_REJECTED")
SORT_LABELS = {"sla": "SLA due", "age": "Age", "amount": "Amount", "reason": "Reason",
               "customer": "Customer", "owner": "Owner", "status": "Status",
               "reference": "Reference"}


def _context(store: Store, principal: Principal, params: Mapping[str, str],
             message: str = "", refused: Mapping[int, str] | None = None) -> dict[str, Any]:
    errors: list[str] = []
    try:
        flt, sort, offset, limit = parse_query(params, principal.name)
        if sort.removeprefix("-") not in SORTS:
            raise ValueError(f"unknown sort {sort!r}")
    except ValueError as exc:
        errors.append(str(exc))
        flt, sort, offset, limit = parse_query({}, principal.name)
    flt = store.resolve_search(flt)
    page = store.search_cases(flt, sort=sort, offset=offset, limit=limit)
    facets = store.case_facets(flt, total=page.total)
    kept = {k: str(params.get(k) or "") for k in (*FILTER_KEYS, "sort")}
    return {
        "totals": inbox_totals(store, flt), "sentences": _sentences(store, page.cases),
        "page": page, "cases": [case_out(c) for c in page.cases], "facets": facets,
        "flt": flt, "sort": sort, "params": kept, "errors": errors, "message": message,
        "refused": dict(refused or {}), "age_buckets": AGE_BUCKETS, "sort_labels": SORT_LABELS,
        "reasons": sorted(set(REASONS) | set(facets["reasons"])),
        "statuses": ["pending", *[s.value for s in CaseStatus], "all"],
        "can_work": principal.can(Permission.CASES_WORK),
        "query": lambda **changes: _query(kept, **changes),
        "counts": store.inbox_counts(principal.name),
        "workers": workers(store) if principal.can(Permission.CASES_WORK) else [],
    }


_KEPT_SENTENCES: dict[str, Any] = {"at": -1e9, "bots": frozenset(), "found": {}}


def _sentences(store: Store, cases: list[Any]) -> dict[str, str]:
    """Each reason in words (its case type's title), for every bot with cases listed and
    every bot the store knows (looked up again after a minute); the first bot to declare
    a reason names it."""
    kept, now = _KEPT_SENTENCES, time.monotonic()
    listed = frozenset(c.bot for c in cases if c.bot)
    if now - kept["at"] < 60 and listed <= kept["bots"]:
        return dict(kept["found"])
    types = CaseTypes.shared()
    names = listed | {b.name for b in store.list_bots()}
    found: dict[str, str] = {}
    for name in sorted(names):
        bot = types.bot(name)
        for case_type in bot.case_types if bot is not None else ():
            found.setdefault(case_type.reason, case_type.title)
    kept.update(at=now, bots=frozenset(names), found=found)
    return dict(found)


def _query(params: dict[str, str], **changes: Any) -> str:
    """``?...`` for the inbox with some filters changed (``None`` or ``""`` drops one)."""
    merged = {**params, **{k: ("" if v is None else str(v)) for k, v in changes.items()}}
    if "offset" not in changes:
        merged.pop("offset", None)
    return "?" + urlencode({k: v for k, v in merged.items() if v})


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, principal: Reader, store: StoreDep) -> HTMLResponse:
    """The inbox; a refused filter or paging parameter is a 400 page that says which one
    (and shows the first page without filters)."""
    context = _context(store, principal, request.query_params)
    return render(request, "inbox.html", status_code=400 if context["errors"] else 200,
                  **context)


@router.get("/inbox/rows", response_class=HTMLResponse)
def inbox_rows(request: Request, principal: Reader, store: StoreDep) -> HTMLResponse:
    """The results part (filters, counts, table, pager) for HTMX; the browser's address
    becomes the matching ``/inbox?...`` so reload and back keep the filters."""
    response = render(request, "_inbox_results.html",
                      **_context(store, principal, request.query_params))
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if v])
    response.headers["HX-Push-Url"] = f"/inbox?{query}" if query else "/inbox"
    return response


@router.get("/inbox/count", response_class=HTMLResponse)
def inbox_count(principal: Reader, store: StoreDep) -> HTMLResponse:
    """Cases waiting for a person (open or in progress), for the navigation's badge."""
    active = store.inbox_counts(principal.name).active
    return HTMLResponse(str(active) if active else "", headers={"Cache-Control": "no-store"})


@router.post("/inbox/bulk", response_class=HTMLResponse)
async def inbox_bulk(request: Request, principal: Worker, store: StoreDep) -> HTMLResponse:
    """Claim, assign, release or retry the ticked cases; answers with the results part
    (the filters come along in the form), saying what was done and what was refused."""
    form = await request.form()
    params = {k: str(v) for k, v in form.items() if k in (*FILTER_KEYS, "sort", "offset")}
    ids = [int(v) for v in form.getlist("case_id") if str(v).isdigit()]
    refused: dict[int, str] = {}
    if not ids:
        message = "Tick some cases first."
    else:
        try:
            body = BulkIn(action=str(form.get("action") or ""), case_ids=ids,
                          assignee=str(form.get("assignee") or "") or None)
            result = run_bulk(store, principal, body)
            refused = result.failed
            message = f"{body.action.capitalize()}: {len(result.done)} done" + (
                f", {len(refused)} refused" if refused else "") + "."
        except ValidationError:
            message = "Choose claim, assign, release or retry."
        except HTTPException as exc:
            message = str(exc.detail)
    return render(request, "_inbox_results.html",
                  **_context(store, principal, params, message, refused))
