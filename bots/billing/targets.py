"""The billing bot's target systems, driven in the browser by logical selectors: the billing
portal (contracts and their terms, invoices with their lines, a draft's edit, release, hold
and cancel) and the legacy ERP (customers' billing master, purchase orders).

Every read and action is one unit of work for :func:`bots.runtime.retry.attempt`: a session
that expired (the page lands on the sign-in form) or an error page signs in again and
repeats it. Each action reads the draft's status first, so a repeated attempt or a rerun
never releases, holds or cancels a draft twice: a draft already in the wanted state answers
with the portal's confirmation and ``already=True``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import quote

from bots.billing.model import (
    Amendment,
    Contract,
    ContractLine,
    CustomerMaster,
    Discount,
    DraftInvoice,
    DraftLine,
    Milestone,
    PurchaseOrder,
    UsageRecord,
)
from bots.billing.rules.base import ValidationContext
from bots.billing.rules.config import BillingRules
from bots.runtime import ApplicationFailure, BusinessFailure, RunContext
from bots.runtime.errors import ConfigError
from bots.runtime.retry import attempt

__all__ = ["BillingTargets", "ContractTerms", "PortalAnswer"]

T = TypeVar("T")
OPEN = ("draft", "held")
#: the fields of a correction and the edit form's field of each (``{n}``: the line number)
LINE_FIELDS = {"quantity": "qty_{n}", "unit_price": "price_{n}",
               "discount_percent": "discount_{n}", "vat_category": "category_{n}",
               "vat_rate": "rate_{n}"}
HEADER_FIELDS = ("payment_terms_days", "po_number", "buyer_vat_id", "period_start",
                 "period_end")


def _dec(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ApplicationFailure("PORTAL_UNREADABLE", f"{what}: {text!r} is no number") from None
    if not value.is_finite():
        raise ApplicationFailure("PORTAL_UNREADABLE", f"{what}: {text!r} is no number")
    return value


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def _opt(text: str | None) -> str | None:
    return (text or "").strip() or None


@dataclass(frozen=True, slots=True)
class PortalAnswer:
    """What the portal shows after a release, hold or cancel (or showed before it)."""

    number: str
    status: str
    confirmation: str
    already: bool
    released_at: str | None = None
    released_by: str | None = None
    xml_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """Every contract with its amendments, usage and milestones, as the portal shows them."""

    contracts: dict[str, Contract]
    amendments: tuple[Amendment, ...]
    usage: tuple[UsageRecord, ...]
    milestones: tuple[Milestone, ...]


class _Session:
    """One target app signed on with a vault login; ``open`` notices an expired session."""

    def __init__(self, ctx: RunContext, name: str, credential: str, login_path: str) -> None:
        self.ctx, self.name, self.credential, self.login_path = ctx, name, credential, login_path
        self.app = ctx.browser.app(name)
        self._logged_in = False

    def login(self) -> None:
        cred = self.ctx.credential(self.credential)
        app = self.app
        app.open(self.login_path)
        app.fill("login.username", cred.username)
        app.fill("login.password", cred.password, secret=True)
        app.click("login.submit")
        app.page.wait_for_load_state("load")
        if self.login_path in app.page.url:
            message = app.text("login.message") if app.exists("login.message") else ""
            raise ConfigError(f"{self.name} refused the login of {self.credential}: {message}")
        self._logged_in = True

    def recover(self) -> None:
        self._logged_in = False
        self.login()

    def signed_off(self) -> None:
        """The app showed its sign-in page: sign in again before the next page."""
        self._logged_in = False

    def open(self, path: str) -> None:
        if not self._logged_in:
            self.login()
        self.app.open(path)
        if self.login_path in self.app.page.url:
            self._logged_in = False
            raise ApplicationFailure(f"{self.name.upper()}_SESSION_EXPIRED",
                                     f"the {self.name} session has expired")

    def attempt(self, work: Callable[[], T]) -> T:
        return attempt(self, work)


class BillingTargets:
    """The billing portal and the ERP as the billing bot reads and changes them."""

    def __init__(self, ctx: RunContext, *, portal_credential: str,
                 erp_credential: str) -> None:
        self.ctx = ctx
        self.portal = _Session(ctx, "billing_portal", portal_credential, "/billing/login")
        self.erp = _Session(ctx, "legacy_erp", erp_credential, "/ar/login.do")
        self._terms: ContractTerms | None = None
        self._masters: dict[str, CustomerMaster] | None = None
        self._orders: tuple[PurchaseOrder, ...] | None = None
        self._invoices: list[DraftInvoice] | None = None

    # -- portal: invoices --------------------------------------------------------------
    def drafts(self) -> list[DraftInvoice]:
        """The drafts waiting for release, with their lines."""
        return self.invoices("draft")

    def invoices(self, status: str = "all") -> list[DraftInvoice]:
        """The portal's invoices of ``status`` (draft, held, released, cancelled, all)."""
        return self.portal.attempt(lambda: self._invoices_of(status))

    def _invoices_of(self, status: str) -> list[DraftInvoice]:
        app = self.portal.app
        self.portal.open(f"/billing/lines?status={quote(status)}")
        app.wait_for("lines.table")
        lines: dict[str, list[DraftLine]] = {}
        for r in app.rows("lines.rows"):
            lines.setdefault(r.text("number"), []).append(self._line(r.cells(), r.text("number")))
        self.portal.open(f"/billing/drafts?status={quote(status)}")
        app.wait_for("invoices.table")
        return [self._invoice(r.cells(), tuple(lines.get(r.text("number"), ())))
                for r in app.rows("invoices.rows")]

    @staticmethod
    def _line(c: Mapping[str, str], number: str) -> DraftLine:
        what = f"{number} line {c['line_no']}"
        return DraftLine(int(c["line_no"]), _opt(c["contract_line"]), c["description"],
                         _dec(c["quantity"], what), _dec(c["unit_price"], what),
                         _dec(c["discount"], what), _dec(c["net"], what),
                         c["vat_category"].strip(), _dec(c["vat_rate"], what))  # type: ignore[arg-type]

    @staticmethod
    def _invoice(c: Mapping[str, str], lines: tuple[DraftLine, ...]) -> DraftInvoice:
        n = c["number"]
        return DraftInvoice(
            n, c["customer"], c["contract"], _date(c["issue_date"]), _date(c["period_start"]),
            _date(c["period_end"]), int(c["terms"]), c["currency"], _opt(c["po"]),
            _opt(c["vat_id"]), lines, _dec(c["net"], n), _dec(c["vat"], n),
            _dec(c["gross"], n), c["status"].strip())

    def draft(self, number: str) -> DraftInvoice:
        """One invoice as its page shows it now."""
        return self.portal.attempt(lambda: self._draft(number))

    def _draft(self, number: str) -> DraftInvoice:
        self.portal.open(f"/billing/drafts/{quote(number)}")
        return self._shown_draft(number)

    def _shown_draft(self, number: str) -> DraftInvoice:
        app = self.portal.app
        if not app.exists("draft.number"):
            raise BusinessFailure("DRAFT_NOT_FOUND", f"the billing portal has no invoice "
                                  f"{number}", data={"draft": number})
        if app.text("draft.number") != number:
            raise ApplicationFailure("PORTAL_UNEXPECTED_PAGE", f"invoice {number} not shown")
        lines = tuple(self._line(r.cells(), number) for r in app.rows("draft.lines"))
        header = {"number": number, "customer": app.text("draft.customer"),
                  "contract": app.text("draft.contract"),
                  "issue_date": app.text("draft.issue_date"),
                  "period_start": app.text("draft.period_start"),
                  "period_end": app.text("draft.period_end"), "terms": app.text("draft.terms"),
                  "currency": app.text("draft.currency"), "po": app.text("draft.po"),
                  "vat_id": app.text("draft.vat_id"), "net": app.text("draft.net"),
                  "vat": app.text("draft.vat"), "gross": app.text("draft.gross"),
                  "status": app.text("draft.status")}
        return self._invoice(header, lines)

    def _answer(self, number: str, already: bool) -> PortalAnswer:
        """The confirmation the draft's page shows now."""
        app = self.portal.app
        status = app.text("draft.status")
        if status == "released":
            at, by = app.text("draft.released_at"), app.text("draft.released_by")
            sha = app.text("draft.xml_sha256") if app.exists("draft.xml_sha256") else None
            return PortalAnswer(number, status, f"{number} released on {at} by {by}"
                                + (f", e-invoice sha256 {sha}" if sha else ""), already,
                                at, by, sha)
        shown = app.text("draft.message") if app.exists("draft.message") else ""
        return PortalAnswer(number, status, f"{number} {status}" + (f": {shown}" if shown
                                                                     else ""), already)

    # -- portal: actions ---------------------------------------------------------------
    def release(self, number: str, xml: bytes) -> PortalAnswer:
        """Release the draft with its e-invoice ``xml``; a released draft is not released
        again (its confirmation is returned with ``already=True``)."""
        return self.portal.attempt(lambda: self._release(number, xml))

    def _release(self, number: str, xml: bytes) -> PortalAnswer:
        draft = self._draft(number)  # the idempotency look-up
        if draft.status == "released":
            return self._answer(number, True)
        self._check_open(draft, "released")
        app = self.portal.app
        digest = hashlib.sha256(xml).hexdigest()
        with self.ctx.recorder.step("upload", app=self.portal.name,
                                    selector="draft.einvoice_file",
                                    data={"draft": number, "bytes": len(xml),
                                          "sha256": digest}):
            app.locator("draft.einvoice_file").set_input_files(
                {"name": f"{number}.xml", "mimeType": "application/xml", "buffer": xml})
        app.click("draft.release")
        return self._after(number, "released")

    def hold(self, number: str, reason: str) -> PortalAnswer:
        """Put the draft on hold with ``reason`` (a held draft answers ``already``)."""
        return self.portal.attempt(lambda: self._decide(number, "held", reason, ""))

    def cancel(self, number: str, reason: str, approver: str = "") -> PortalAnswer:
        """Cancel the draft with ``reason`` (and the approver the portal asks for above its
        limit); a cancelled draft answers ``already``."""
        return self.portal.attempt(lambda: self._decide(number, "cancelled", reason,
                                                        approver))

    def _decide(self, number: str, wanted: str, reason: str, approver: str) -> PortalAnswer:
        draft = self._draft(number)
        if draft.status == wanted:
            return self._answer(number, True)
        self._check_open(draft, wanted)
        app = self.portal.app
        if wanted == "held":
            app.fill("draft.hold_reason_input", reason[:500])
            app.click("draft.hold")
        else:
            app.fill("draft.cancel_reason_input", reason[:500])
            app.fill("draft.cancel_approver_input", approver[:100])
            app.click("draft.cancel")
        return self._after(number, wanted)

    def _after(self, number: str, wanted: str) -> PortalAnswer:
        app = self.portal.app
        app.page.wait_for_load_state("load")
        if self.portal.login_path in app.page.url:
            self.portal.signed_off()
            raise ApplicationFailure("BILLING_PORTAL_SESSION_EXPIRED", "the session expired")
        if app.exists("draft.error"):
            raise BusinessFailure("PORTAL_REFUSED", f"{number}: {app.text('draft.error')}",
                                  data={"draft": number})
        shown = self._shown_draft(number)
        if shown.status != wanted:
            raise ApplicationFailure("PORTAL_NOT_DONE", f"{number} is {shown.status}, "
                                     f"not {wanted}")
        return self._answer(number, False)

    @staticmethod
    def _check_open(draft: DraftInvoice, action: str) -> None:
        if draft.status not in OPEN:
            raise BusinessFailure("DRAFT_NOT_OPEN", f"{draft.number} is {draft.status} in "
                                  f"the portal: it cannot be {action}",
                                  data={"draft": draft.number, "status": draft.status})

    def update_draft(self, number: str, changes: Mapping[str, Any]) -> DraftInvoice:
        """Edit the draft: header fields (``payment_terms_days``, ``po_number``,
        ``buyer_vat_id``, ``period_start``, ``period_end``) and the line ``line_no``'s
        ``quantity``, ``unit_price``, ``discount_percent``, ``vat_category``, ``vat_rate``
        (or ``lines``: ``{line_no: {field: value}}``). Returns the draft as the portal
        shows it after saving (totals recomputed by the portal)."""
        per_line = _line_changes(changes)
        header = {k: str(v if v is not None else "") for k, v in changes.items()
                  if k in HEADER_FIELDS}
        unknown = set(changes) - set(HEADER_FIELDS) - set(LINE_FIELDS) - {"line_no", "lines"}
        if unknown:
            raise ValueError(f"not a draft field: {', '.join(sorted(unknown))}")
        return self.portal.attempt(lambda: self._update(number, header, per_line))

    def _update(self, number: str, header: dict[str, str],
                per_line: dict[int, dict[str, str]]) -> DraftInvoice:
        draft = self._draft(number)
        self._check_open(draft, "edited")
        known = {ln.line_no for ln in draft.lines}
        missing = sorted(set(per_line) - known)
        if missing:
            raise BusinessFailure("DRAFT_LINE_UNKNOWN", f"{number} has no line {missing[0]}",
                                  data={"draft": number})
        app = self.portal.app
        self.portal.open(f"/billing/drafts/{quote(number)}/edit")
        app.wait_for("edit.form")
        for name, value in header.items():
            app.fill(f"edit.{name}", value)
        for n, fields in sorted(per_line.items()):
            for name, value in fields.items():
                field = LINE_FIELDS[name].format(n=n)
                with self.ctx.recorder.step("fill", app=self.portal.name, selector=field,
                                            data={"line": n, "field": name, "value": value}):
                    box = app.page.locator(f"#editForm [name='{field}']")
                    if name == "vat_category":
                        box.select_option(value)
                    else:
                        box.fill(value)
        app.click("edit.save")
        app.page.wait_for_load_state("load")
        if app.exists("edit.error"):
            raise BusinessFailure("PORTAL_REFUSED_EDIT", f"{number}: {app.text('edit.error')}",
                                  data={"draft": number})
        return self._shown_draft(number)

    # -- portal: contracts -------------------------------------------------------------
    def contract_terms(self) -> ContractTerms:
        """Every contract with its lines, discounts, amendments, usage and milestones."""
        if self._terms is None:
            self._terms = self.portal.attempt(self._read_terms)
        return self._terms

    def contracts(self) -> list[Contract]:
        return list(self.contract_terms().contracts.values())

    def _read_terms(self) -> ContractTerms:
        app = self.portal.app
        self.portal.open("/billing/contracts/terms")
        app.wait_for("terms.lines_table")
        lines: dict[str, list[ContractLine]] = {}
        for r in app.rows("terms.lines"):
            c = r.cells()
            what = f"{c['contract']} {c['line_id']}"
            lines.setdefault(c["contract"], []).append(ContractLine(
                c["line_id"], c["sku"], c["description"], c["kind"],  # type: ignore[arg-type]
                _dec(c["unit_price"], what), _dec(c["quantity"], what), c["unit"],
                c["vat_category"]))  # type: ignore[arg-type]
        discounts: dict[str, list[Discount]] = {}
        for r in app.rows("terms.discounts"):
            c = r.cells()
            discounts.setdefault(c["contract"], []).append(Discount(
                _dec(c["percent"], c["contract"]), _date(c["ends"]), _opt(c["line_id"])))
        amendments = tuple(Amendment(
            c["contract"], _date(c["effective"]), c["line_id"],
            _dec(c["new_unit_price"], c["contract"]) if _opt(c["new_unit_price"]) else None,
            _dec(c["new_quantity"], c["contract"]) if _opt(c["new_quantity"]) else None)
            for c in (r.cells() for r in app.rows("terms.amendments")))
        usage = tuple(UsageRecord(c["contract"], c["line_id"], _date(c["period_start"]),
                                  _date(c["period_end"]), _dec(c["quantity"], c["contract"]))
                      for c in (r.cells() for r in app.rows("terms.usage")))
        milestones = tuple(Milestone(c["contract"], c["line_id"], c["name"], _date(c["due"]),
                                     _dec(c["amount"], c["contract"]), c["billed"] == "Yes")
                           for c in (r.cells() for r in app.rows("terms.milestones")))
        self.portal.open("/billing/contracts")
        app.wait_for("contracts.table")
        contracts = {}
        for r in app.rows("contracts.rows"):
            c = r.cells()
            n = c["number"]
            contracts[n] = Contract(
                n, c["customer"], c["currency"], _date(c["start"]),
                _date(c["end"]) if _opt(c["end"]) else None, int(c["terms"]),
                c["treatment"], c["billing"],  # type: ignore[arg-type]
                tuple(lines.get(n, ())), tuple(discounts.get(n, ())), _opt(c["po"]))
        return ContractTerms(contracts, amendments, usage, milestones)

    # -- ERP: billing master and purchase orders ---------------------------------------
    def billing_masters(self) -> dict[str, CustomerMaster]:
        """Every customer's billing master, by customer id."""
        if self._masters is None:
            self._masters = self.erp.attempt(self._read_masters)
        return self._masters

    def _read_masters(self) -> dict[str, CustomerMaster]:
        app = self.erp.app
        self.erp.open("/ar/billingmaster.do")
        app.wait_for("masters.table")
        out = {}
        for r in app.rows("masters.rows"):
            c = r.cells()
            out[c["customer"]] = CustomerMaster(
                c["customer"], c["name"], c["street"], c["postcode"], c["city"],
                c["country"], _opt(c["vat_id"]), c["po_required"] == "Yes")
        return out

    def purchase_orders(self) -> tuple[PurchaseOrder, ...]:
        """Every customer's purchase orders."""
        if self._orders is None:
            self._orders = self.erp.attempt(self._read_orders)
        return self._orders

    def _read_orders(self) -> tuple[PurchaseOrder, ...]:
        app = self.erp.app
        self.erp.open("/ar/purchaseorders.do")
        app.wait_for("orders.table")
        return tuple(PurchaseOrder(
            c["number"], c["customer"], _dec(c["amount"], c["number"]),
            _dec(c["remaining"], c["number"]), _date(c["expires"]) if _opt(c["expires"])
            else None) for c in (r.cells() for r in app.rows("orders.rows")))

    # -- what a draft is checked against -----------------------------------------------
    def validation_context(self, draft: DraftInvoice, rules: BillingRules) -> ValidationContext:
        """The draft's contract and terms, its customer's master data and purchase orders,
        and the customer's other invoices (read once per run, then kept)."""
        terms = self.contract_terms()
        contract = terms.contracts.get(draft.contract_number)
        if contract is None:
            raise BusinessFailure("CONTRACT_NOT_FOUND", f"{draft.number}: the portal has no "
                                  f"contract {draft.contract_number}",
                                  data={"draft": draft.number})
        if self._invoices is None:
            self._invoices = self.invoices("all")
        others = [i for i in self._invoices if i.customer_id == draft.customer_id]
        n = contract.number
        return ValidationContext(
            contract=contract, customer=self.billing_masters().get(draft.customer_id),
            config=rules,
            amendments=tuple(a for a in terms.amendments if a.contract_number == n),
            usage=tuple(u for u in terms.usage if u.contract_number == n),
            milestones=tuple(m for m in terms.milestones if m.contract_number == n),
            purchase_orders=tuple(p for p in self.purchase_orders()
                                  if p.customer_id == draft.customer_id),
            other_invoices=tuple(others))


def _line_changes(changes: Mapping[str, Any]) -> dict[int, dict[str, str]]:
    """``{line_no: {field: text}}`` from a flat correction or its ``lines`` mapping."""
    out: dict[int, dict[str, str]] = {}
    flat = {k: str(v) for k, v in changes.items() if k in LINE_FIELDS and v is not None}
    if flat:
        if "line_no" not in changes:
            raise ValueError("line_no: name the line the correction changes")
        out[int(str(changes["line_no"]))] = flat
    for n, fields in (changes.get("lines") or {}).items():
        bad = set(fields) - set(LINE_FIELDS)
        if bad:
            raise ValueError(f"line {n}: not a line field: {', '.join(sorted(bad))}")
        out.setdefault(int(n), {}).update({k: str(v) for k, v in fields.items()})
    return out
