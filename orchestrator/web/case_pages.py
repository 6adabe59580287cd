"""One exception case: the evidence its bot declares, ownership, history, and one form per
resolution its bot offers for the case's reason.

Forms post to ``/cases/{id}/<claim|release|assign|comment|reopen>`` and to
``/cases/{id}/resolve/{name}`` (a declared resolution); ``/cases/{id}/check/{name}`` is a
form's live check (the resolution's ``prepare`` hook, nothing resolved). Success redirects
back to the case (the message is chosen here from a fixed list, never taken from the URL),
a refusal shows the case again with the reason. ``/cases/{id}/evidence/{n}`` serves a file
of the case, only from inside the folder of its run.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from bots.runtime.cases import Resolution
from orchestrator.auth.principal import Principal
from orchestrator.roles import Permission
from orchestrator.services.case_models import CaseDetailOut
from orchestrator.services.case_views import (
    case_detail,
    evidence_file,
    refresh_on_open,
    store_errors,
    workers,
)
from orchestrator.services.deps import get_store, require
from orchestrator.services.plain_words import plain_words
from orchestrator.services.resolutions import CaseTypes, check_resolution, pick, resolve_case
from orchestrator.store import Store
from orchestrator.web.inbox_router import router
from orchestrator.web.templating import render

__all__ = ["router"]

Reader = Annotated[Principal, Depends(require(Permission.CASES_READ))]
Worker = Annotated[Principal, Depends(require(Permission.CASES_WORK))]
StoreDep = Annotated[Store, Depends(get_store)]
CaseId = Annotated[int, Path(ge=1, le=2**62)]
Name = Annotated[str, Path(max_length=60, pattern=r"^[A-Za-z0-9_-]+$")]

MESSAGES = {
    "claimed": "You own this case now.", "assigned": "Case assigned.",
    "released": "Case released to the team.", "comment": "Comment added.",
    "reopened": "Case reopened.", "approval": "Sent for approval: a second person with the "
    "approver role must approve it before it is carried out.",
    "queued": "Queued for the bot: the case closes when the bot has carried it out.",
    "resolved": "Case resolved.", "decided": "Decision recorded.",
    "reopen_approval": "Its resolution moved money: an approver other than you must approve "
    "the reopening.",
}


def show_case(request: Request, store: Store, principal: Principal, case_id: int, *,
              error: str = "", status_code: int = 200, form: FormData | None = None,
              chosen: str = "") -> HTMLResponse:
    with store_errors():
        case = store.get_case(case_id)
    detail = case_detail(request, store, case)
    table = next((r for r in detail.resolutions
                  if any(f.kind == "allocations" for f in r.fields)), None)
    return render(
        request, "case.html", status_code=status_code, case=detail, error=error,
        notice=MESSAGES.get(request.query_params.get("done", "")), workers=workers(store),
        threshold=store.approval_threshold, can_work=principal.can(Permission.CASES_WORK),
        routed_to=_routed_to(detail), may_decide=_may_decide(detail, principal),
        can_decide=principal.can(Permission.APPROVALS_DECIDE), form=form or {},
        chosen=chosen, table=table, columns=_columns(detail),
        needs_approval=_needs_approval(detail),
        suggested=_suggested(detail.candidates, detail.amount),
        plain=plain_words(CaseTypes.shared().of(case), case.rule, case.data or {},
                          detail.explanation),
    )


def _columns(detail: CaseDetailOut) -> list[str]:
    """The candidates' keys in first-seen order (the table's columns)."""
    keys: dict[str, None] = {}
    for c in detail.candidates:
        keys.update(dict.fromkeys(str(k) for k in c))
    return list(keys)


def _routed_to(detail: CaseDetailOut) -> list[str]:
    """The roles the bot routed the case to (``decided_by_roles``; none: anyone who works
    cases)."""
    wanted = (detail.data or {}).get("decided_by_roles")
    return [str(r) for r in wanted] if isinstance(wanted, list) else []


def _may_decide(detail: CaseDetailOut, principal: Principal) -> bool:
    """Whether the resolution forms are offered (the service refuses the rest anyway)."""
    routed = _routed_to(detail)
    return not routed or bool(set(routed) & set(principal.roles))


def _needs_approval(detail: CaseDetailOut) -> set[str]:
    """Resolutions that need an approver for the case's amount (a hint; the store decides)."""
    over = detail.amount is not None and detail.amount > detail.approval_threshold
    return {r.name for r in detail.resolutions if r.approval and over}


def _suggested(candidates: list[dict[str, Any]], amount: Any) -> list[str]:
    """Per candidate: what to apply if picked (its open amount, at most the case's)."""
    out = []
    for c in candidates:
        try:
            open_amount = Decimal(str(c.get("amount_open") or c.get("amount") or "0"))
            out.append(f"{min(open_amount, Decimal(amount or open_amount)):.2f}")
        except (ArithmeticError, ValueError):
            out.append("")
    return out


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: CaseId, request: Request, principal: Reader,
              store: StoreDep) -> HTMLResponse:
    """The case; opening it asks the bot to read its evidence again when its case type
    declares so and what was read is older than the type allows."""
    with store_errors():
        case = store.get_case(case_id)
    refresh_on_open(store, case, CaseTypes.shared().of(case))
    return show_case(request, store, principal, case_id)


@router.get("/cases/{case_id}/evidence/{n}")
def evidence(case_id: CaseId, n: Annotated[int, Path(ge=0, le=1000)], principal: Reader,
             store: StoreDep, request: Request) -> FileResponse:
    with store_errors():
        case = store.get_case(case_id)
    path = evidence_file(request, store, case, n)
    if path is None:
        raise HTTPException(404, "no such evidence file (or outside the case's run folder)")
    return FileResponse(path, headers={"X-Content-Type-Options": "nosniff",
                                       "Content-Security-Policy": "sandbox"})


def allocations_from(form: FormData) -> list[dict[str, Any]]:
    """Rows of an allocations table: picked candidates and typed rows with an amount."""
    picked = set(form.getlist("pick"))
    rows = []
    for key in sorted({k.split("_", 1)[1] for k in form if k.startswith("inv_")}):
        invoice, amount = str(form.get(f"inv_{key}") or ""), str(form.get(f"amt_{key}") or "")
        typed = key.startswith("t")
        if (typed and invoice.strip()) or (not typed and key in picked):
            rows.append({"invoice_number": invoice, "amount": amount,
                         "write_off": str(form.get(f"wo_{key}") or "0"), "typed": typed})
    return rows


def form_values(resolution: Resolution, form: FormData) -> dict[str, Any]:
    """A resolution's form as values by field name."""
    values: dict[str, Any] = {}
    for field in resolution.fields:
        if field.kind == "allocations":
            values[field.name] = allocations_from(form)
        elif field.kind == "checkbox":
            values[field.name] = field.name in form
        else:
            values[field.name] = form.get(field.name)
    return values


def _resolve(store: Store, case_id: int, name: str, principal: Principal,
             form: FormData) -> str:
    """Carry out one resolution form; returns the message key for the redirect."""
    types = CaseTypes.shared()
    resolution = pick(types, store.get_case(case_id), name)
    outcome = resolve_case(store, case_id, principal.name, name,
                           form_values(resolution, form), types=types,
                           actor_roles=principal.roles)
    if outcome.approval is not None:
        return "approval"
    return "queued" if outcome.work_item is not None else "resolved"


def _work(store: Store, action: str, case_id: int, actor: str, form: FormData) -> str:
    """Claim, release, assign, comment or reopen; returns the message key."""
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
    case = store.reopen_case(case_id, actor, str(form.get("note") or ""))
    return "reopened" if case.status == "open" else "reopen_approval"


#: What the case page's ownership forms post to (``/cases/{id}/<action>``).
FORM_ACTIONS = frozenset({"claim", "release", "assign", "comment", "reopen"})


@router.post("/cases/{case_id}/check/{name}", response_class=HTMLResponse)
async def check(case_id: CaseId, name: Name, request: Request, principal: Worker,
                store: StoreDep) -> HTMLResponse:
    """A resolution form's live check: what it would do, or what is wrong."""
    form = await request.form()
    with store_errors():
        case = store.get_case(case_id)
    types = CaseTypes.shared()
    try:
        values = form_values(pick(types, case, name), form)
    except ValueError as exc:
        raise HTTPException(404, str(exc)) from None
    result = check_resolution(store, case, name, values, principal.name, types=types)
    return render(request, "_case_check.html", check=result, threshold=store.approval_threshold)


@router.post("/cases/{case_id}/resolve/{name}")
async def resolve(case_id: CaseId, name: Name, request: Request, principal: Worker,
                  store: StoreDep) -> Response:
    """One resolution form; a refusal shows the page again with the reason."""
    with store_errors():
        store.get_case(case_id)  # an unknown case is a 404, not a form error
    form = await request.form()
    try:
        with store_errors():
            done = _resolve(store, case_id, name, principal, form)
    except HTTPException as exc:
        return show_case(request, store, principal, case_id, error=str(exc.detail),
                         status_code=exc.status_code, form=form, chosen=name)
    return RedirectResponse(f"/cases/{case_id}?done={done}", 303)


@router.post("/cases/{case_id}/{action}")
async def case_action(case_id: CaseId, action: str, request: Request, principal: Worker,
                      store: StoreDep) -> Response:
    """Claim, release, assign, comment or reopen; a refusal shows the page again."""
    if action not in FORM_ACTIONS:
        raise HTTPException(404, f"unknown action {action!r}")
    with store_errors():
        store.get_case(case_id)
    form = await request.form()
    try:
        with store_errors():
            done = _work(store, action, case_id, principal.name, form)
    except HTTPException as exc:
        return show_case(request, store, principal, case_id, error=str(exc.detail),
                         status_code=exc.status_code, form=form)
    return RedirectResponse(f"/cases/{case_id}?done={done}", 303)
