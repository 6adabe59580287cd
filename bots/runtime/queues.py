"""Work queues, their items and the exception cases of failed items, for a bot.

::

    q = ctx.queue("ledger-entries")
    q.add("REF-1", {"amount": "12.00"})      # False when the reference is live already
    q.add_many([("REF-2", {...}), NewItem("REF-3", {...}, priority=5)])  # one call, one batch
    for item in q.items():                   # claims under a lease, renewed while worked
        with item:                           # releases exactly once
            if item.resolution:              # a person's decision to carry out
                ...
            raise BusinessFailure("OVERPAID", "paid 880.00 for 800.00",
                                  data={"invoice": "INV-1"}, amount=Decimal("80.00"))

Releasing an item:

- the ``with item:`` block ends normally (or :meth:`Item.done`): completed with
  ``item.output``;
- :class:`~bots.runtime.errors.BusinessFailure`: failed ``business`` and an exception case
  opens for a person (reason = the failure's ``code``) with this item's evidence: the
  screenshot of the page the item used last, the payload, the failure's data;
- :class:`~bots.runtime.errors.ApplicationFailure` or any other error: failed
  ``application``; the queue retries it as a clone up to its ``max_retries``, and a case
  opens once it is past that limit.

A decision that moves its case on without deciding it (a classification handing the case to
another team): :meth:`Item.keep_case_open` before the item completes; the case goes back
open with the bot's line in its history, and the next decision on it comes as usual.

An item the loop body did not release is completed when the loop asks for the next one
(or when the task ends normally); when an error escapes the task, the run releases the
open item by the error's kind.

**Unique references.** A reference is unique among a queue's *live* items (new, in
progress, successful, failed, abandoned): :meth:`WorkQueue.add` returns ``False`` for a
reference already there, so a second run of the same day adds nothing twice and says so
(count the ``False`` answers). An item a person retried or withdrew (``retried``,
``deleted``) frees its reference. Use references that name the business fact (a bank
reference, an invoice number), and remember inputs already read with :meth:`ctx.state
<bots.runtime.context.RunContext.state>`.

Backends: the orchestrator implements :class:`QueueBackend` and :class:`CaseBackend` over
its store; :class:`~bots.runtime.memory.MemoryBackend` keeps them in memory (tests, runs
without an orchestrator).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import Any, Protocol, runtime_checkable

from loguru import logger

from bots.runtime import evidence
from bots.runtime.errors import (
    ApplicationFailure,
    BotFailure,
    BusinessFailure,
    IllegalTransitionError,
    LeaseLostError,
)
from bots.runtime.failure_limit import STOP_AFTER_FAILURES, FailureStreak
from bots.runtime.state import StateBackend
from bots.runtime.steps import StepRecorder
from bots.runtime.transaction import Transaction

__all__ = [
    "CASE_STAYS_OPEN",
    "DECISION_KEYS",
    "AuditBackend",
    "BatchAdding",
    "BotBackend",
    "CaseBackend",
    "FailingWithCase",
    "Item",
    "ItemRecord",
    "NewItem",
    "QueueBackend",
    "QueueSettings",
    "WorkQueue",
]


@runtime_checkable
class ItemRecord(Protocol):
    """A work item as a backend returns it (the store's ``WorkItem`` is one)."""

    id: Any
    queue: str
    reference: str
    payload: dict[str, Any]
    retry_count: int


@runtime_checkable
class QueueSettings(Protocol):
    """A queue as a backend returns it."""

    name: str
    max_retries: int
    lease_seconds: int


@runtime_checkable
class QueueBackend(Protocol):
    """Where work items live. ``owner`` names the lease holder (host, process, run)."""

    def ensure_queue(self, name: str, max_retries: int = 3) -> QueueSettings:
        """Create the queue unless it exists (an existing queue keeps its settings)."""
        ...

    def add_item(self, queue: str, reference: str, payload: Mapping[str, Any] | None = None,
                 priority: int = 0, deadline: dt.datetime | None = None,
                 not_before: dt.datetime | None = None) -> ItemRecord | None:
        """The new item; None when a live item of the queue holds ``reference``."""
        ...

    def claim_item(self, queue: str, owner: str, lease_seconds: int | None = None,
                   run_id: Any = None) -> ItemRecord | None: ...

    def renew_lease(self, item_id: Any, owner: str, lease_seconds: int | None = None) -> Any:
        """Extend the lease; raises :class:`LeaseLostError` when ``owner`` lost it."""
        ...

    def complete_item(self, item_id: Any, output: Mapping[str, Any] | None = None,
                      owner: str | None = None) -> Any: ...

    def fail_item(self, item_id: Any, kind: str, code: str, message: str = "",
                  owner: str | None = None) -> ItemRecord | None:
        """Fail the item; returns the retry clone when the queue tries it again."""
        ...

    def list_items(self, queue: str | None = None, state: str | None = None,
                   reference: str | None = None, run_id: Any = None,
                   limit: int | None = None) -> Sequence[Any]: ...


@dataclass(frozen=True)
class NewItem:
    """One item of :meth:`WorkQueue.add_many`: what :meth:`WorkQueue.add` takes."""

    reference: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    priority: int = 0
    deadline: dt.datetime | None = None
    not_before: dt.datetime | None = None


@runtime_checkable
class BatchAdding(Protocol):
    """A backend that adds many items in one call (optional; one transaction)."""

    def add_items(self, queue: str, items: Sequence[NewItem]) -> Sequence[Any]:
        """Per item, in order: its id, or None when a live item of the queue (or an earlier
        item of the batch) holds its reference."""
        ...


#: the output key of a completed decision item whose case goes back open
#: (:meth:`Item.keep_case_open`): ``{"note", "data", "sla_due", "unassign"}``
CASE_STAYS_OPEN = "case_stays_open"

#: the payload keys through which an item carries a person's decision on a case
#: (:attr:`Item.resolution`), or names the person who asked for it on a page
#: (``requested_by``): only the orchestrator writes them, when it hands the case's item
#: back to its bot or queues a person's request; an item added to a queue (API, CLI, web
#: UI, a bot) never carries them, so no one decides, or names who approved or asked, by
#: adding an item
DECISION_KEYS = frozenset({"resolution", "resolves_case", "requested_by"})


@runtime_checkable
class CaseBackend(Protocol):
    """Where exception cases go (one open case per reference and reason)."""

    def open_case(self, run_id: Any, item_id: Any, reference: str, reason_code: str,
                  summary: str, data: Mapping[str, Any] | None = None,
                  candidates: Sequence[Mapping[str, Any]] = (),
                  evidence: Sequence[str | PurePath] = (), rule: str | None = None,
                  amount: Decimal | None = None, customer_id: str | None = None,
                  sla_due: dt.datetime | None = None) -> Any:
        """``sla_due``: when the case is due (None: the backend's default SLA); it is
        passed only when the failure gives one."""
        ...


@runtime_checkable
class AuditBackend(Protocol):
    """The audit trail: what a bot did that moved money (``ctx.audit``)."""

    def record_audit(self, actor: str, action: str, target: str,
                     details: Mapping[str, Any] | None = None) -> Any: ...


@runtime_checkable
class AuditLookup(Protocol):
    """A trail that can say whether it holds a record already (optional; ``ctx.audited``)."""

    def audit_exists(self, action: str, details: Mapping[str, Any]) -> bool:
        """Whether this bot's trail holds a record of ``action`` whose details hold every
        ``key: value`` of ``details`` (compared as text)."""
        ...


@runtime_checkable
class FailingWithCase(Protocol):
    """A backend that fails an item and opens its case in one transaction (optional)."""

    def fail_item_with_case(self, item_id: Any, kind: str, code: str, message: str = "",
                            owner: str | None = None, *,
                            case: Mapping[str, Any]) -> tuple[ItemRecord | None, Any]:
        """Fail the item; unless the queue retries it, open the case ``case`` describes
        (:meth:`CaseBackend.open_case`'s keywords). Returns ``(retry clone, case)``:
        one of them is None."""
        ...


@runtime_checkable
class BotBackend(QueueBackend, CaseBackend, StateBackend, AuditBackend, Protocol):
    """All at once: what a run context is given (the orchestrator's, or memory)."""


@dataclass
class CaseFacts:
    """What every case of an item shows unless its failure says otherwise
    (:meth:`Item.describe`)."""

    data: dict[str, Any] = field(default_factory=dict)
    rule: str | None = None
    amount: Decimal | None = None
    customer: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


class _Heartbeat:
    """Renews an item's lease from a background thread while the bot works it."""

    def __init__(self, renew: Callable[[], Any], every: float) -> None:
        self._renew, self._every = renew, every
        self._stop = threading.Event()
        self.lost = False
        self._thread = threading.Thread(target=self._beat, name="lease-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._renew()
            except LeaseLostError:
                self.lost = True
                return
            except Exception as exc:  # the store is briefly unreachable: try again later
                logger.warning("lease renewal failed: {}", exc)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)


class Item(Transaction):
    """One claimed work item: its data, the person's decision it carries, its release."""

    def __init__(self, queue: WorkQueue, record: ItemRecord) -> None:
        super().__init__(record, None, queue.recorder, on_failure=queue.open_case,
                         log=queue.log)
        self.work_queue = queue
        self.record = record
        self.id, self.queue, self.reference = record.id, record.queue, str(record.reference)
        self.payload: dict[str, Any] = dict(record.payload or {})
        self.retry_count = int(record.retry_count or 0)
        self.facts = CaseFacts()
        self.lost = False  # the release was refused: another owner has the item now
        self.case_opened: Any = None  # the case its failure opened with it (see _fail)
        lease = max(1.0, float(queue.settings.lease_seconds))
        self._heartbeat: _Heartbeat | None = _Heartbeat(self.renew, lease / 3)

    def __repr__(self) -> str:
        return f"Item({self.queue!r}, {self.reference!r}, {self.result})"

    @property
    def resolution(self) -> dict[str, Any] | None:
        """The person's decision this item carries out, or None.

        ``{"name", "values", "case_id", "by", "approved_by"}``: the resolution chosen on
        the case page and its form values; the case resolves when this item completes.
        """
        found = self.payload.get("resolution")
        if isinstance(found, Mapping):
            return {"name": found.get("name"), "values": dict(found.get("values") or {}),
                    "case_id": found.get("case_id", self.payload.get("resolves_case")),
                    "by": found.get("by"), "approved_by": found.get("approved_by")}
        if self.payload.get("resolves_case") is None:
            return None
        return {"name": "apply", "values": {}, "case_id": self.payload["resolves_case"],
                "by": self.payload.get("applied_by"),
                "approved_by": self.payload.get("approved_by")}

    @property
    def lease_lost(self) -> bool:
        return self._heartbeat is not None and self._heartbeat.lost

    def renew(self) -> None:
        """Extend the lease now; raises :class:`LeaseLostError` when another owner has it."""
        self.work_queue.backend.renew_lease(self.id, self.work_queue.owner)

    def renew_unless_fresh(self) -> None:
        """:meth:`renew`, unless the lease the item was claimed with still has more than
        two thirds of its time left and the heartbeat found it held (then no robot can
        have recovered the item): the look before a first attempt right after the claim,
        without a store round trip. A retry, or money about to move, calls :meth:`renew`."""
        expires = getattr(self.record, "lease_expires_at", None)
        if not self.lease_lost and isinstance(expires, dt.datetime) \
                and expires.tzinfo is not None:
            left = expires - dt.datetime.now(dt.UTC)
            if left > dt.timedelta(seconds=float(self.work_queue.settings.lease_seconds)
                                   * 2 / 3):
                return
        self.renew()

    def describe(self, *, data: Mapping[str, Any] | None = None, rule: str | None = None,
                 amount: Decimal | None = None, customer: str | None = None,
                 candidates: Sequence[Mapping[str, Any]] | None = None,
                 evidence: Sequence[str] = ()) -> None:
        """Facts every case of this item shows (a failure's own keywords take precedence)."""
        self.facts.data.update(data or {})
        self.facts.rule = rule if rule is not None else self.facts.rule
        self.facts.amount = amount if amount is not None else self.facts.amount
        self.facts.customer = customer if customer is not None else self.facts.customer
        if candidates is not None:
            self.facts.candidates = [dict(c) for c in candidates]
        self.facts.evidence.extend(str(e) for e in evidence)

    def keep_case_open(self, note: str, *, data: Mapping[str, Any] | None = None,
                       sla_due: dt.datetime | None = None, unassign: bool = False) -> None:
        """The person's decision this item carries is done, the case is not (e.g. a
        classification that hands it to another team): when the item completes, its case
        goes back open instead of resolving, ``note`` the line in its history, ``data``'s
        top-level keys merged into the case's data, due at ``sla_due`` (timezone-aware);
        ``unassign``: the person it is assigned to is taken off it, so that whoever is to
        decide next takes it from the inbox. The next decision on the case is handed to
        the bot as any other."""
        if self.resolution is None:
            raise ValueError(f"item {self.id} carries no decision on a case to keep open")
        if not note.strip():
            raise ValueError("keep_case_open needs the line for the case's history")
        if sla_due is not None and sla_due.utcoffset() is None:
            raise ValueError("sla_due must be timezone-aware")
        self.output[CASE_STAYS_OPEN] = {
            "note": note.strip(), "data": dict(data or {}), "unassign": unassign,
            "sla_due": None if sla_due is None else sla_due.astimezone(dt.UTC).isoformat()}

    def done(self) -> None:
        """Complete the item now with :attr:`output`."""
        self._release("successful", None)

    def fail(self, kind: str, code: str, message: str = "", **facts: Any) -> None:
        """Fail the item now (``business`` or ``application``), as if the failure were raised."""
        if kind not in ("business", "application"):
            raise ValueError(f"kind must be business or application, not {kind!r}")
        failure_type = BusinessFailure if kind == "business" else ApplicationFailure
        self.release_for(failure_type(code, message, **facts))

    def _stop_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.stop()

    def _case_request(self) -> dict[str, Any]:
        assert self._step is not None
        self.evidence = self._step.evidence  # the case shows this failure's screenshot
        return self.work_queue.case_request(self)

    def _complete(self, output: dict[str, Any]) -> None:
        self._stop_heartbeat()
        try:
            self.work_queue.backend.complete_item(self.id, output, owner=self.work_queue.owner)
        except (LeaseLostError, IllegalTransitionError) as exc:
            self.log.error("item {} was not completed: {}", self.id, exc)
            self.lost = True

    def _fail(self, kind: str, code: str, message: str) -> Any:
        """Fail the item; with a backend that can, its case opens in the same transaction
        (a crash between the two never leaves a failed item without its case)."""
        self._stop_heartbeat()
        backend, owner = self.work_queue.backend, self.work_queue.owner
        try:
            if isinstance(backend, FailingWithCase) and self.work_queue.cases is not None:
                try:
                    retry, self.case_opened = backend.fail_item_with_case(
                        self.id, kind, code, message, owner=owner, case=self._case_request())
                    return retry
                except (LeaseLostError, IllegalTransitionError):
                    raise
                except Exception as exc:  # the case cannot be written: the failure alone
                    # (its case is tried again after the release; recovery opens it else)
                    self.log.error("item {} and its case were not written together: {}",
                                   self.id, self.recorder.redactor.describe(exc))
            return backend.fail_item(self.id, kind, code, message, owner=owner)
        except (LeaseLostError, IllegalTransitionError) as exc:
            self.log.error("item {} was not failed: {}", self.id, exc)
            self.lost = True
            return None


class WorkQueue:
    """A named queue of work items, as a bot sees it (``ctx.queue(name)``)."""

    def __init__(self, name: str, backend: QueueBackend, cases: CaseBackend | None, *,
                 owner: str, run_id: Any, recorder: StepRecorder, max_retries: int = 3,
                 stop_requested: Callable[[], bool] = lambda: False,
                 on_item: Callable[[Item], None] = lambda _: None,
                 log: Any = logger, stop_after_failures: int = STOP_AFTER_FAILURES) -> None:
        self.name, self.backend, self.cases = name, backend, cases
        self.owner, self.run_id, self.recorder, self.log = owner, run_id, recorder, log
        self.settings = backend.ensure_queue(name, max_retries=max_retries)
        self._stop_requested, self._on_item = stop_requested, on_item
        self.released: list[Item] = []
        #: application failures in a row; the run stops at its limit (see failure_limit)
        self.failures = FailureStreak(name, stop_after_failures, recorder, log)

    def __repr__(self) -> str:
        return f"WorkQueue({self.name!r})"

    @property
    def max_retries(self) -> int:
        return int(self.settings.max_retries)

    def add(self, reference: str, payload: Mapping[str, Any] | None = None, *,
            priority: int = 0, deadline: dt.datetime | None = None,
            not_before: dt.datetime | None = None) -> bool:
        """Add an item; False when a live item of this queue holds ``reference``."""
        record = self.backend.add_item(self.name, str(reference), dict(payload or {}),
                                       priority=priority, deadline=deadline,
                                       not_before=not_before)
        return record is not None

    def add_many(self, items: Iterable[NewItem | tuple[str, Mapping[str, Any]]]) -> list[bool]:
        """Add many items in one call: :class:`NewItem` or ``(reference, payload)`` pairs.

        Per item, in order: True when added, False when a live item of this queue (or an
        earlier item of the same call) holds its reference. A backend that can
        (:class:`BatchAdding`, the orchestrator's store) writes them in one transaction: a
        bad item refuses them all with a ``ValueError`` naming it.
        """
        batch = [i if isinstance(i, NewItem) else NewItem(str(i[0]), dict(i[1] or {}))
                 for i in items]
        if isinstance(self.backend, BatchAdding):
            return [added is not None for added in self.backend.add_items(self.name, batch)]
        return [self.add(i.reference, i.payload, priority=i.priority, deadline=i.deadline,
                         not_before=i.not_before) for i in batch]

    def items(self) -> Iterator[Item]:
        """Claim the queue's items one by one until none is left (or a stop is asked).

        After :attr:`failures`' limit of application failures in a row it claims nothing
        more and raises :class:`~bots.runtime.errors.ConsecutiveFailuresError`: the run
        ends failed, the items not yet started stay in the queue.
        """
        item: Item | None = None
        while not self._stop_requested():
            if item is not None:
                self._settle(item)
                item = None
                self.failures.check()
            record = self.backend.claim_item(self.name, self.owner, run_id=self.run_id)
            if record is None:
                break
            item = Item(self, record)
            item.begin()
            self._on_item(item)
            yield item
        if item is not None:
            self._settle(item)

    def _settle(self, item: Item) -> None:
        if not item.released:
            item.done()  # the loop body did not release it: it is done
        self.failures.settle(item.result, item.failure)

    def history(self, state: str = "successful", limit: int | None = None) -> list[Any]:
        """Items of this queue in ``state`` (oldest first): what earlier runs did."""
        return list(self.backend.list_items(self.name, state=state, limit=limit))

    # -- exception cases ---------------------------------------------------------------
    def open_case(self, tx: Transaction) -> None:
        """A business failure, or an application failure past the retry limit: a case."""
        assert isinstance(tx, Item) and tx.failure is not None
        if self.cases is None or tx.lost or (tx.result == "application" and tx.retried):
            return
        if tx.case_opened is not None:  # opened with the failure, in one transaction
            return
        self.cases.open_case(**self.case_request(tx))

    def case_request(self, tx: Item) -> dict[str, Any]:
        """The keyword arguments of :meth:`CaseBackend.open_case` for ``tx``'s failure."""
        failure, facts = tx.failure, tx.facts
        assert failure is not None
        request = dict(
            run_id=self.run_id, item_id=tx.id, reference=tx.reference,
            reason_code=failure.code, summary=failure.message,
            data=case_data(tx, failure), candidates=failure.candidates or facts.candidates,
            evidence=self._evidence([tx.evidence, *facts.evidence, *failure.evidence]),
            rule=failure.rule or facts.rule,
            amount=failure.amount if failure.amount is not None else facts.amount,
            customer_id=failure.customer or facts.customer)
        if failure.sla_due is not None:  # only then: backends without it keep working
            request["sla_due"] = failure.sla_due
        return request

    def _evidence(self, paths: Sequence[str | PurePath | None]) -> list[str]:
        """The case's evidence as paths relative to this run's folder (files from elsewhere
        are copied into it); a path that cannot be recorded is left out with a warning."""
        out: list[str] = []
        for path in paths:
            if not path:
                continue
            try:
                entry = evidence.record(path, self.recorder.run_dir)
            except OSError as exc:
                self.log.warning("evidence {} not kept: {}", path, exc.strerror or exc)
                continue
            if entry is None:
                self.log.warning("evidence {} not kept: not a file of this run or a "
                                 "readable file to copy into it", path)
            elif entry not in out:
                out.append(entry)
        return out


def case_data(item: Item, failure: BotFailure) -> dict[str, Any]:
    """``{"payload": ..., **item facts, **failure.data, "failure_kind": kind}``."""
    redact = item.recorder.redactor.redact_value
    return redact({"payload": item.payload, **item.facts.data, **failure.data,
                   "failure_kind": failure.kind})
