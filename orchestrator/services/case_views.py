"""What the inbox API and pages share: query parameters to a filter, cases to their JSON
shape, evidence files (only inside the folder of the case's run), store errors to HTTP
statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException, Request

from bots.runtime.cases import CaseType
from bots.runtime.errors import (
    IllegalTransitionError,
    NotFoundError,
    PermissionDeniedError,
)
from bots.runtime.evidence import parse_entry
from bots.runtime.money import parse_amount
from orchestrator.roles import Permission, permissions_of
from orchestrator.services.case_models import (
    ApprovalOut,
    CaseDetailOut,
    CaseOut,
    CaseTypeOut,
    EventOut,
    EvidenceOut,
    FactGroupOut,
    FactOut,
    FieldOut,
    RefreshOut,
    ResolutionOut,
)
from orchestrator.services.paging import MAX_LIMIT, parse_offset
from orchestrator.services.resolutions import CaseTypes, field_default, headline, offered
from orchestrator.services.run_files import IMAGE_SUFFIXES, runs_root, served_file
from orchestrator.store import Store
from orchestrator.store.case_ops import CaseOutcome
from orchestrator.store.case_query import CaseFilter
from orchestrator.store.case_refresh import PENDING_ITEM, REQUESTED, request_refresh
from orchestrator.store.models import Approval, ExceptionCase
from orchestrator.store.types import utcnow

__all__ = ["approval_out", "case_detail", "case_out", "evidence_file", "evidence_runs", "facts",
           "outcome_message", "parse_query", "refresh_on_open", "refresh_out", "resolutions_out",
           "store_errors", "workers"]

FILTER_KEYS = ("reason", "bot", "customer", "amount_min", "amount_max", "owner", "status",
               "age", "breached", "q")


def parse_query(params: Mapping[str, str], me: str) -> tuple[CaseFilter, str, int, int]:
    """``(filter, sort, offset, limit)`` from query parameters; ValueError if one is bad.

    Empty values mean "any" (what an HTML form sends for an unset select).
    """
    get = {k: (params.get(k) or "").strip() for k in (*FILTER_KEYS, "sort", "offset", "limit")}

    def amount(key: str) -> Decimal | None:
        return parse_amount(get[key], key.replace("_", " "), allow_zero=True) if get[key] \
            else None

    flt = CaseFilter(
        reason=get["reason"] or None, bot=get["bot"] or None, customer=get["customer"] or None,
        amount_min=amount("amount_min"), amount_max=amount("amount_max"),
        owner=get["owner"] or None, me=me, status=get["status"] or "pending",
        age=get["age"] or None, breached=get["breached"].lower() in ("1", "true", "yes", "on"),
        q=get["q"][:200] or None,
    )
    offset = parse_offset(get["offset"]) if get["offset"] else 0
    limit = parse_offset(get["limit"], "limit", low=1, high=MAX_LIMIT) if get["limit"] else 50
    return flt, get["sort"] or "sla", offset, limit


def workers(store: Store) -> list[str]:
    """Users who may work cases (the choices for "assign to")."""
    return [u.username for u in store.list_users() if not u.disabled
            and Permission.CASES_WORK in permissions_of(tuple(u.roles))]


def case_out(case: ExceptionCase, now: dt.datetime | None = None,
             types: CaseTypes | None = None) -> CaseOut:
    now = now or utcnow()
    who, currency = headline((types or CaseTypes.shared()).of(case), case)
    pending = case.status not in ("resolved", "closed")
    return CaseOut(
        id=case.id or 0, reference=case.reference, reason_code=case.reason_code,
        status=case.status, summary=case.summary, amount=case.amount,
        currency=currency, customer_id=case.customer_id, headline=who,
        owner=case.owner, bot=case.bot,
        run_id=case.run_id, work_item_id=case.work_item_id, created_at=case.created_at,
        sla_due_at=case.sla_due_at, age_days=max(0, (now - case.created_at).days),
        sla_breached=pending and case.sla_due_at < now, resolution=case.resolution,
        resolution_item_id=case.resolution_item_id, resolved_by=case.resolved_by,
        resolved_at=case.resolved_at,
    )


def facts(case_type: CaseType, case: ExceptionCase) -> list[FactGroupOut]:
    """The evidence the bot declares, one group per panel, in declaration order; a group
    with no value at all (e.g. the original payment of a case that is no duplicate) is
    left out."""
    groups: dict[str, list[FactOut]] = {}
    for e in case_type.evidence:
        value = e.value(case.data or {})
        url = (f"/queues/{quote(e.queue, safe='')}?reference={quote(str(value), safe='')}"
               if e.kind == "item" and e.queue and value not in (None, "") else None)
        groups.setdefault(e.group, []).append(
            FactOut(label=e.label, path=e.path, kind=e.kind, value=value, url=url))
    return [FactGroupOut(title=title, facts=items) for title, items in groups.items()
            if any(f.value not in (None, "", [], {}) for f in items)]


def refresh_on_open(store: Store, case: ExceptionCase, case_type: CaseType) -> None:
    """Opening a case asks its bot to read the evidence again when its type declares so
    (see :class:`~bots.runtime.cases.EvidenceRefresh`)."""
    if case_type.refresh is not None and case.id is not None:
        request_refresh(store, case.id, case_type.refresh.queue,
                        case_type.refresh.stale_after_s)


def refresh_out(store: Store, case_type: CaseType, case: ExceptionCase) -> RefreshOut | None:
    if case_type.refresh is None:
        return None
    data = case.data or {}
    asked, read = data.get(REQUESTED) or {}, data.get("refreshed") or {}
    requested_at, read_at = _when(asked.get("at")), _when(read.get("read_at"))
    waiting = False
    if asked.get("item_id"):
        with suppress(NotFoundError):
            waiting = store.get_item(int(asked["item_id"])).state in PENDING_ITEM
    return RefreshOut(label=case_type.refresh.label, requested_at=requested_at,
                      read_at=read_at, waiting=waiting,
                      changes=[str(c) for c in read.get("changes") or ()],
                      candidates=[dict(c) for c in read.get("candidates") or ()
                                  if isinstance(c, Mapping)])


def _when(text: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def resolutions_out(case_type: CaseType, case: ExceptionCase) -> list[ResolutionOut]:
    return [ResolutionOut(
        name=r.name, label=r.label, help=r.help, approval=r.approval,
        carried_out=r.carried_out, approval_note=r.approval_note,
        fields=[FieldOut(name=f.name, label=f.label, kind=f.kind, required=f.required,
                         choices=list(f.choices), default=field_default(f, case), help=f.help)
                for f in r.fields])
        for r in offered(case_type, case)]


def approval_out(a: Approval) -> ApprovalOut:
    return ApprovalOut.model_validate(a, from_attributes=True)


#: How far back the chain of a case's work items (clone → the item it retried) is followed.
ITEM_CHAIN = 50


def evidence_runs(store: Store, case: ExceptionCase) -> set[int]:
    """Runs whose folders the case's evidence may name: the case's run, and the runs of
    the work items the case names (its item, the item carrying out its resolution, and the
    items these retried)."""
    runs = {case.run_id} if case.run_id else set()
    for start in (case.work_item_id, case.resolution_item_id):
        item_id, steps = start, 0
        while item_id is not None and steps < ITEM_CHAIN:
            try:
                item = store.get_item(item_id)
            except NotFoundError:
                break
            if item.run_id:
                runs.add(item.run_id)
            item_id, steps = item.parent_id, steps + 1
    return runs


def _evidence_place(case: ExceptionCase, entry: str,
                    allowed: set[int]) -> tuple[int, str] | None:
    """``(run id, path in that run's folder)`` of an evidence entry the case may show."""
    parsed = parse_entry(entry)
    if parsed is None:
        return None
    run_id, relative = parsed
    run_id = run_id if run_id is not None else case.run_id
    return (run_id, relative) if run_id and run_id in allowed else None


def evidence_file(request: Request, store: Store, case: ExceptionCase, n: int) -> Path | None:
    """Evidence file ``n`` of the case, if it is a file inside the folder of its run (or
    of a run that worked the case), recorded as a path relative to that folder."""
    if not 0 <= n < len(case.evidence):
        return None
    place = _evidence_place(case, case.evidence[n], evidence_runs(store, case))
    if place is None:
        return None
    run_id, relative = place
    return served_file(request, runs_root(request) / str(run_id), relative)


def _evidence(request: Request, store: Store, case: ExceptionCase) -> list[EvidenceOut]:
    out = []
    allowed = evidence_runs(store, case)
    root = runs_root(request)
    for n, entry in enumerate(case.evidence):
        place = _evidence_place(case, entry, allowed)
        found = place and served_file(request, root / str(place[0]), place[1])
        out.append(EvidenceOut(
            path=entry, url=f"/cases/{case.id}/evidence/{n}" if found else None,
            run_url=f"/runs/{place[0]}/artifacts/{place[1]}" if found and place else None,
            image=Path(entry).suffix.lower() in IMAGE_SUFFIXES))
    return out


def _run_step_url(store: Store, case: ExceptionCase) -> str | None:
    """The step where the bot stopped: the one holding the evidence, else the item's."""
    if case.run_id is None:
        return None
    steps = store.list_steps(case.run_id)
    hit = next((s for s in steps if s.evidence and s.evidence in case.evidence), None)
    hit = hit or next((s for s in reversed(steps) if s.action == "transaction"
                       and (s.data or {}).get("item") == case.work_item_id), None)
    return f"/runs/{case.run_id}#step-{hit.seq}" if hit else f"/runs/{case.run_id}"


def case_detail(request: Request, store: Store, case: ExceptionCase,
                types: CaseTypes | None = None) -> CaseDetailOut:
    """Everything about a case, its type and resolutions from its bot's declaration."""
    types = types or CaseTypes.shared()
    data = case.data or {}
    case_type = types.of(case)
    bot = types.bot(case.bot)
    declared = bot is not None and any(c.reason == case.reason_code for c in bot.case_types)
    resolutions = resolutions_out(case_type, case)
    return CaseDetailOut(
        **case_out(case, types=types).model_dump(), rule=case.rule,
        explanation=data.get("explanation"), data=data,
        candidates=list(case.candidates or []),
        evidence=_evidence(request, store, case), run_step_url=_run_step_url(store, case),
        case_type=CaseTypeOut(reason=case_type.reason, title=case_type.title,
                              description=case_type.description, declared=declared),
        facts=facts(case_type, case), resolutions=resolutions,
        refresh=refresh_out(store, case_type, case),
        approval_threshold=store.approval_threshold,
        actions=[r.name for r in resolutions],
        events=[EventOut.model_validate(e, from_attributes=True)
                for e in store.case_events(case.id or 0)],
        approvals=[approval_out(a) for a in store.list_approvals(None, case_id=case.id)],
    )


def outcome_message(outcome: CaseOutcome) -> str:
    if outcome.approval is not None:
        return (f"Sent for approval: {outcome.approval.kind.replace('_', ' ')} of "
                f"{outcome.approval.amount:.2f} needs a second person.")
    if outcome.work_item is not None:
        return f"Queued for the bot (work item {outcome.work_item.id}); the case closes " \
               "when the bot has carried it out."
    return "Case resolved."


@contextmanager
def store_errors() -> Iterator[None]:
    """Store refusals as HTTP errors with the store's own (clear) message."""
    try:
        yield
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from None
    except PermissionDeniedError as exc:  # incl. SelfApprovalError
        raise HTTPException(403, str(exc)) from None
    except IllegalTransitionError as exc:
        raise HTTPException(409, f"not possible now: {exc}") from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
