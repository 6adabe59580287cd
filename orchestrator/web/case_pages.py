"""One exception case: the evidence side by side, ownership, history, and its resolutions.

Forms post to ``/cases/{id}/<action>``; success redirects back to the case (the message is
chosen here from a fixed list, never taken from the URL), a refusal shows the case again
with the store's reason. ``/cases/{id}/evidence/{n}`` serves a file of the case, only from
inside the runs folder.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from orchestrator.auth.principal import Principal
from orchestrator.cases.actions import ACTION_LABELS, NEEDS_APPROVAL, Action
from orchestrator.roles import Permission
from orchestrator.services.case_views import case_detail, evidence_file, store_errors, workers
from orchestrator.services.deps import get_store, require
from orchestrator.store import Store
from orchestrator.store.case_ops import CaseOutcome, plan_for
from orchestrator.web.inbox_router import router
from orchestrator.web.templating import render

__all__ = ["router"]

Reader = Annotated[Principal, Depends(require(Permission.CASES_READ))]
Worker = Annotated[Principal, Depends(require(Permission.CASES_WORK))]
StoreDep = Annotated[Store, Depends(get_store)]
CaseId = Annotated[int, Path(ge=1, le=2**62)]

MESSAGES = {
    "claimed": "You own this case now.", "assigned": "Case assigned.",
    "released": "Case released to the team.", "comment": "Comment added.",
    "reopened": "Case reopened.", "approval": "Sent for approval: a second person with the "
    "approver role must approve it before it is carried out.",
    "queued": "Queued for the bot: the case closes when the posting succeeds.",
    "resolved": "Case resolved.", "decided": "Decision recorded.",
}


def show_case(request: Request, store: Store, principal: Principal, case_id: int, *,
              error: str = "", status_code: int = 200, form: FormData | None = None
              ) -> HTMLResponse:
    with store_errors():
        case = store.get_case(case_id)
    detail = case_detail(request, store, case)
    return render(
        request, "case.html", status_code=status_code, case=detail, error=error,
        notice=MESSAGES.get(request.query_params.get("done", "")), workers=workers(store),
        labels=ACTION_LABELS, threshold=store.approval_threshold, needs_approval=NEEDS_APPROVAL,
        can_work=principal.can(Permission.CASES_WORK),
        can_decide=principal.can(Permission.APPROVALS_DECIDE), form=form or {},
        suggested=_suggested(detail.candidates, detail.amount),
    )


def _suggested(candidates: list[dict[str, Any]], amount: Any) -> list[str]:
    """Per candidate: what to apply if picked (its open amount, at most the payment)."""
    out = []
    for c in candidates:
        try:
            open_amount = Decimal(str(c.get("amount_open") or "0"))
            out.append(f"{min(open_amount, Decimal(amount or open_amount)):.2f}")
        except (ArithmeticError, ValueError):
            out.append("")
    return out


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: CaseId, request: Request, principal: Reader,
              store: StoreDep) -> HTMLResponse:
    return show_case(request, store, principal, case_id)


@router.get("/cases/{case_id}/evidence/{n}")
def evidence(case_id: CaseId, n: Annotated[int, Path(ge=0, le=1000)], principal: Reader,
             store: StoreDep, request: Request) -> FileResponse:
    with store_errors():
        case = store.get_case(case_id)
    path = evidence_file(request, case, n)
    if path is None:
        raise HTTPException(404, "no such evidence file (or outside the runs folder)")
    return FileResponse(path, headers={"X-Content-Type-Options": "nosniff",
                                       "Content-Security-Policy": "sandbox"})


#: What the case page's forms post to (``/cases/{id}/<action>``; ``-`` or ``_``).
FORM_ACTIONS = frozenset({"claim", "release", "assign", "comment", "reopen", *Action})


def allocations_from(form: FormData) -> list[dict[str, Any]]:
    """Rows of the apply form: picked candidates and typed open items with an amount."""
    picked = set(form.getlist("pick"))
    rows = []
    for key in sorted({k.split("_", 1)[1] for k in form if k.startswith("inv_")}):
        invoice, amount = str(form.get(f"inv_{key}") or ""), str(form.get(f"amt_{key}") or "")
        typed = key.startswith("t")
        if (typed and invoice.strip()) or (not typed and key in picked):
            rows.append({"invoice_number": invoice, "amount": amount,
                         "write_off": str(form.get(f"wo_{key}") or "0"), "typed": typed})
    return rows


def _act(store: Store, action: str, case_id: int, actor: str, form: FormData) -> str:
    """Run one form action; returns the message key for the redirect."""
    note = str(form.get("note") or "")
    outcome: CaseOutcome
    if action == "claim":
        store.claim_case(case_id, actor)
        return "claimed"
    if action == "release":
        store.release_case(case_id, actor)
        return "released"
    if action == "assign":
        store.assign_case(case_id, actor, str(form.get("assignee") or ""))
        return "assigned"
    if action == "comment":
        store.comment_case(case_id, actor, str(form.get("text") or ""))
        return "comment"
    if action == "reopen":
        store.reopen_case(case_id, actor, note)
        return "reopened"
    if action == Action.APPLY:
        outcome = store.apply_to_invoices(case_id, actor, allocations_from(form),
                                          customer_id=str(form.get("customer_id") or ""),
                                          note=note)
    elif action == Action.ON_ACCOUNT:
        outcome = store.leave_on_account(case_id, actor, note)
    elif action == Action.REFUND:
        outcome = store.refund_case(case_id, actor, note, str(form.get("amount") or ""))
    elif action == Action.WRITE_OFF:
        outcome = store.write_off_case(case_id, actor, str(form.get("amount") or ""), note)
    else:
        outcome = store.retry_case(case_id, actor)
    if outcome.approval is not None:
        return "approval"
    return "queued" if outcome.work_item is not None else "resolved"


@router.post("/cases/{case_id}/check-allocation", response_class=HTMLResponse)
async def check_allocation(case_id: CaseId, request: Request, principal: Worker,
                           store: StoreDep) -> HTMLResponse:
    """The apply form's live summary: allocated vs. payment, or what is wrong."""
    form = await request.form()
    with store_errors():
        case = store.get_case(case_id)
    rows = allocations_from(form)
    try:
        plan = plan_for(case, rows, str(form.get("customer_id") or "")) if rows else None
        problem = "" if rows else "Pick an invoice or type one."
    except ValueError as exc:
        plan, problem = None, str(exc)
    return render(request, "_case_allocation.html", case=case, plan=plan, problem=problem,
                  threshold=store.approval_threshold)


@router.post("/cases/{case_id}/{action}")
async def case_action(case_id: CaseId, action: str, request: Request, principal: Worker,
                      store: StoreDep) -> Response:
    """One form of the case page; a refusal shows the page again with the reason."""
    action = action.replace("-", "_")
    if action not in FORM_ACTIONS:
        raise HTTPException(404, f"unknown action {action!r}")
    with store_errors():
        store.get_case(case_id)  # an unknown case is a 404, not a form error
    form = await request.form()
    try:
        with store_errors():
            done = _act(store, action, case_id, principal.name, form)
    except HTTPException as exc:
        return show_case(request, store, principal, case_id, error=str(exc.detail),
                         status_code=exc.status_code, form=form)
    return RedirectResponse(f"/cases/{case_id}?done={done}", 303)
