"""The dispute cases and the reason classifier's acceptance, for the ``/disputes`` pages and
the API, read from what the disputes bot left in the store.

Read (kind: key, data):

- cases of reason ``DISPUTE``: ``case.data["dispute"]`` (or, from a work item's failure,
  ``case.data["payload"]["dispute"]``) as the intake opened it: customer, invoice, claims,
  reason code, owner team, SLA due, amounts, status;
- ``dispute_outcome`` (key: the dispute's ``case_ref``, data with its ``case_id``): what
  became of the dispute afterwards (the reason a person set, owner, SLA, status, amounts);
  when present it wins over the case's data;
- ``dispute_classification`` (one per suggestion decided): ``case_id``, ``claim_ref``,
  ``suggested``, ``confidence``, ``chosen``, ``accepted``, ``by`` (``model`` when the model
  decided above the threshold, else the person), ``at``.

Money stays :class:`~decimal.Decimal` from the recorded decimal strings to the totals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from orchestrator.store import Store

__all__ = [
    "AMOUNT_COLUMNS",
    "DISPUTE_STATUSES",
    "OWNER_TEAMS",
    "AcceptanceView",
    "DisputeFilters",
    "DisputePage",
    "DisputeRow",
    "ReasonAcceptance",
    "RejectedSuggestion",
    "acceptance_view",
    "audit_read",
    "dispute_page",
]

REASON = "DISPUTE"
OUTCOME = "dispute_outcome"
CLASSIFICATION = "dispute_classification"
AUDIT_ACTION = "disputes.view"
#: the most dispute cases and classification records one view reads
MAX_CASES = 10_000
MAX_RECORDS = 20_000
MAX_LIMIT = 200
MAX_REJECTED = 500
OWNER_TEAMS = ("finance", "sales", "operations")
DISPUTE_STATUSES = ("open", "credit_requested", "credited", "rejected", "written_off",
                    "settled")
#: a dispute whose owner has not decided yet (its SLA runs)
UNDECIDED = ("open",)
AMOUNT_COLUMNS = ("disputed", "credited", "paid", "written_off")
ZERO = Decimal("0.00")


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ZERO
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else ZERO


def _when(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        found = value
    elif isinstance(value, str) and value:
        try:
            found = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _dispute_of(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    data = data or {}
    found = data.get("dispute") or (data.get("payload") or {}).get("dispute")
    return found if isinstance(found, Mapping) else {}


@dataclass(frozen=True)
class DisputeRow:
    """One dispute case as the list shows it."""

    case_id: int
    case_status: str
    case_ref: str
    customer_id: str
    customer_name: str
    invoice_number: str
    currency: str
    reason_code: str
    reason_label: str
    owner_team: str
    sla_due: dt.datetime | None
    overdue: bool
    status: str
    claims: int
    classified_by: str
    needs_person: bool
    disputed: Decimal
    credited: Decimal
    paid: Decimal
    written_off: Decimal
    created_at: dt.datetime

    def amount(self, column: str) -> Decimal:
        return getattr(self, column)


@dataclass(frozen=True)
class DisputeFilters:
    owner_team: str | None = None
    reason: str | None = None
    status: str | None = None

    @classmethod
    def of(cls, owner_team: str | None, reason: str | None, status: str | None
           ) -> DisputeFilters:
        """Filters with unknown values refused (ValueError naming the filter)."""
        if owner_team and owner_team not in OWNER_TEAMS:
            raise ValueError(f"owner_team must be one of {', '.join(OWNER_TEAMS)}")
        if status and status not in DISPUTE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(DISPUTE_STATUSES)}")
        if reason and (len(reason) > 40 or not reason.replace("_", "").isalnum()):
            raise ValueError("reason must be a reason code (letters, digits and _)")
        return cls(owner_team or None, reason.upper() if reason else None, status or None)

    def keep(self, row: DisputeRow) -> bool:
        return ((self.owner_team is None or row.owner_team == self.owner_team)
                and (self.reason is None or row.reason_code == self.reason)
                and (self.status is None or row.status == self.status))


@dataclass(frozen=True)
class Totals:
    """The amount columns summed over every dispute the filters keep, per currency."""

    currency: str
    disputes: int
    disputed: Decimal = ZERO
    credited: Decimal = ZERO
    paid: Decimal = ZERO
    written_off: Decimal = ZERO

    def amount(self, column: str) -> Decimal:
        return getattr(self, column)


@dataclass(frozen=True)
class DisputePage:
    """A page of disputes, with the totals of every dispute the filters keep."""

    rows: list[DisputeRow]
    total: int
    offset: int
    limit: int
    totals: list[Totals]
    overdue: int
    reasons: list[str] = field(default_factory=list)  # every reason code seen (the filter)

    @property
    def records(self) -> list[DisputeRow]:  # the pager's name
        return self.rows

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total


def _claim_count(dispute: Mapping[str, Any], later: Mapping[str, Any]) -> int:
    """The claims of the dispute: those it opened with and those that joined it later (the
    outcome record lists every claim), each reference once."""
    refs = {str(c.get("ref")) for c in [*(dispute.get("claims") or ()),
                                        *(later.get("claims") or ())]
            if isinstance(c, Mapping) and c.get("ref")}
    return len(refs) or len(dispute.get("claims") or ())


def _row(case: Any, outcome: Mapping[str, Any] | None, now: dt.datetime) -> DisputeRow:
    dispute = _dispute_of(case.data)
    later = outcome or {}

    def pick(name: str) -> Any:
        return later.get(name) or dispute.get(name)

    amounts = {**(dispute.get("amounts") or {}), **(later.get("amounts") or {})}
    suggestion = dispute.get("suggestion") or {}
    sla_due = _when(pick("sla_due")) or case.sla_due_at
    status = str(pick("status") or "open")
    return DisputeRow(
        case_id=int(case.id), case_status=str(case.status),
        case_ref=str(pick("case_ref") or case.reference),
        customer_id=str(pick("customer_id") or case.customer_id or ""),
        customer_name=str(dispute.get("customer_name") or ""),
        invoice_number=str(pick("invoice_number") or ""),
        currency=str(pick("currency") or "EUR"),
        reason_code=str(pick("reason_code") or ""),
        reason_label=str(dispute.get("reason_label") or ""),
        owner_team=str(pick("owner_team") or ""),
        sla_due=sla_due, overdue=status in UNDECIDED and sla_due is not None and sla_due < now,
        status=status, claims=_claim_count(dispute, later),
        classified_by=str(dispute.get("classified_by") or ""),
        needs_person=bool(suggestion.get("needs_person")) and not later.get("reason_code"),
        disputed=_money(amounts.get("disputed")), credited=_money(amounts.get("credited")),
        paid=_money(amounts.get("paid")), written_off=_money(amounts.get("written_off")),
        created_at=case.created_at)


def _outcomes(store: Store) -> dict[Any, Mapping[str, Any]]:
    """The newest outcome record per case id and per case ref."""
    found: dict[Any, Mapping[str, Any]] = {}
    for record in store.find_records(OUTCOME, limit=MAX_RECORDS):  # newest first
        data = record.data
        for key in (("id", data.get("case_id")), ("ref", data.get("case_ref") or record.key)):
            if key[1] not in (None, "") and key not in found:
                found[key] = data
    return found


def dispute_rows(store: Store, *, now: dt.datetime | None = None) -> list[DisputeRow]:
    """Every dispute case, the one due first leading (then the newest)."""
    now = now or dt.datetime.now(dt.UTC)
    outcomes = _outcomes(store)
    rows = []
    for case in store.find_cases(reason_code=REASON, limit=MAX_CASES):
        dispute = _dispute_of(case.data)
        outcome = outcomes.get(("id", case.id)) or outcomes.get(
            ("ref", dispute.get("case_ref") or case.reference))
        rows.append(_row(case, outcome, now))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (r.status not in UNDECIDED, r.sla_due or far, -r.case_id))
    return rows


def _totals(rows: Iterable[DisputeRow]) -> list[Totals]:
    sums: dict[str, dict[str, Decimal]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        column = sums.setdefault(row.currency, dict.fromkeys(AMOUNT_COLUMNS, ZERO))
        for name in AMOUNT_COLUMNS:
            column[name] += row.amount(name)
        counts[row.currency] = counts.get(row.currency, 0) + 1
    return [Totals(currency, counts[currency], **sums[currency]) for currency in sorted(sums)]


def dispute_page(store: Store, filters: DisputeFilters = DisputeFilters(), *, offset: int = 0,
                 limit: int = 50, now: dt.datetime | None = None) -> DisputePage:
    """A page of the disputes the filters keep, and their totals (all pages)."""
    everything = dispute_rows(store, now=now)
    kept = [r for r in everything if filters.keep(r)]
    return DisputePage(kept[offset:offset + limit], len(kept), offset, limit, _totals(kept),
                       sum(r.overdue for r in kept),
                       sorted({r.reason_code for r in everything if r.reason_code}))


# -- the classifier's acceptance -------------------------------------------------------------

@dataclass(frozen=True)
class ReasonAcceptance:
    """What became of the model's suggestions of one reason code."""

    reason_code: str
    suggested: int  # suggestions of this code decided (by the model or a person)
    by_model: int  # decided by the model alone (confidence at or above the threshold)
    accepted: int  # a person took the suggestion
    changed: int  # a person chose another code

    @property
    def reviewed(self) -> int:
        return self.accepted + self.changed

    @property
    def acceptance_rate(self) -> Decimal | None:
        """Accepted / reviewed by a person (None: no person reviewed one yet)."""
        if not self.reviewed:
            return None
        return (Decimal(self.accepted) / Decimal(self.reviewed)).quantize(Decimal("0.001"))


@dataclass(frozen=True)
class RejectedSuggestion:
    case_id: int | None
    claim_ref: str
    suggested: str
    confidence: str
    chosen: str
    by: str
    at: dt.datetime | None


@dataclass(frozen=True)
class AcceptanceView:
    reasons: list[ReasonAcceptance]
    rejected: list[RejectedSuggestion]
    total: ReasonAcceptance


def _is_model(by: Any) -> bool:
    return str(by or "").strip().lower() in {"model", "bot", "bot:disputes"}


def acceptance_view(store: Store) -> AcceptanceView:
    """Per suggested reason: suggestions, by the model alone, accepted, changed; and the
    suggestions a person changed, newest first."""
    counts: dict[str, list[int]] = {}
    rejected: list[RejectedSuggestion] = []
    for record in store.find_records(CLASSIFICATION, limit=MAX_RECORDS):  # newest first
        data = record.data
        suggested = str(data.get("suggested") or "")
        chosen = str(data.get("chosen") or "")
        if not suggested:
            continue
        row = counts.setdefault(suggested, [0, 0, 0, 0])
        row[0] += 1
        if _is_model(data.get("by")):
            row[1] += 1
        elif bool(data.get("accepted")) and chosen in ("", suggested):
            row[2] += 1
        else:
            row[3] += 1
            if len(rejected) < MAX_REJECTED:
                case_id = data.get("case_id")
                rejected.append(RejectedSuggestion(
                    int(case_id) if isinstance(case_id, int | str) and str(case_id).isdigit()
                    else None, str(data.get("claim_ref") or ""), suggested,
                    str(data.get("confidence") or ""), chosen, str(data.get("by") or ""),
                    _when(data.get("at")) or record.written_at))
    reasons = [ReasonAcceptance(code, *values) for code, values in sorted(counts.items())]
    total = ReasonAcceptance("", *(sum(r[i] for r in counts.values()) for i in range(4)))
    return AcceptanceView(reasons, rejected, total)


def audit_read(store: Store, actor: str, what: str, via: str,
               details: Mapping[str, Any] | None = None) -> None:
    """Who looked at the disputes (``what``: list or classifier; ``via``: page, api)."""
    store.record_audit(actor, AUDIT_ACTION, f"disputes:{what}", {"via": via, **(details or {})})
