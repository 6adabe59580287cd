"""The legacy ERP's collections pages, driven in the browser: aging by due date, customer
master (and its dunning block), account statement (and its PDF), collection notes.

Each page is opened by its address. When the ERP sends the session back to its sign-on
page (expired) or answers with an error page, the unit of work is repeated after signing
on again (:class:`bots.runtime.signon.SignedOnSession`); every unit here is safe to repeat, and
adding a note or setting a block first looks whether it is there already.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

from bots.runtime import ApplicationFailure, RunContext
from bots.runtime.paths import unique_path
from bots.runtime.signon import SignedOnSession, SignOnForm

T = TypeVar("T")
TROUBLE = ("login.username", "error.page")
SIGN_ON = SignOnForm("/ar/login.do", signed_on="main.frameset", expired_at="/login.do")


@dataclass(frozen=True)
class AgingItem:
    invoice: str
    customer_id: str
    due_date: dt.date
    days_overdue: int
    open: Decimal
    disputed: bool
    promised: bool  # an open promise to pay covers it


@dataclass(frozen=True)
class Master:
    customer_id: str
    name: str
    email: str
    language: str
    collector: str
    risk_class: str
    dunning_block: bool
    block_reason: str


@dataclass(frozen=True)
class Note:
    date: str
    type: str
    text: str
    reference: str


def _money(text: str, what: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise ApplicationFailure("ERP_UNREADABLE", f"{what}: {text!r} is not an amount") \
            from None


class CollectionsErp:
    name = "legacy_erp"

    def __init__(self, ctx: RunContext, credential: str) -> None:
        self.ctx, self.credential = ctx, credential
        self.session = SignedOnSession(ctx, self.name, credential, SIGN_ON)
        self.app = self.session.app

    # -- session -----------------------------------------------------------------------
    def login(self) -> None:
        self.session.sign_on()

    def recover(self) -> None:
        self.session.recover()

    def _page(self, path: str, params: dict[str, str], expect: str) -> None:
        """Open ``path`` and wait for ``expect``; the sign-on page or an error page is
        technical trouble (repeated by :meth:`_work` after signing on again)."""
        self.session.ensure()
        self.app.open(f"{path}?{urlencode(params)}" if params else path)
        found = self.app.wait_for_any([expect, *TROUBLE])
        if found == "login.username":
            self.session.expire()
        if found != expect:
            raise ApplicationFailure("ERP_TROUBLE", f"the ERP shows {found} on {path}")

    def _work(self, work: Callable[[], T]) -> T:
        return self.session.work(work)

    # -- reading -----------------------------------------------------------------------
    def aging(self, as_of: dt.date | None = None
              ) -> tuple[dt.date, list[AgingItem], dict[str, str]]:
        """Every open item on ``as_of`` (default: the ERP's business date), that date, and
        the customers' names."""
        def work() -> tuple[dt.date, list[AgingItem], dict[str, str]]:
            params = {"view": "detail"} | ({"asof": as_of.isoformat()} if as_of else {})
            self._page("/ar/aging.do", params, "aging.as_of")
            shown = dt.date.fromisoformat(self.app.text("aging.as_of").strip())
            if as_of is not None and shown != as_of:
                raise ApplicationFailure("ERP_WRONG_DATE", f"aging as of {shown}, asked "
                                         f"for {as_of}")
            items = [AgingItem(r.text("invoice"), r.text("customer"),
                               dt.date.fromisoformat(r.text("due_date")),
                               int(r.text("days_overdue")),
                               _money(r.text("open"), f"open amount of {r.text('invoice')}"),
                               r.text("disputed") == "Yes", r.text("promised") == "Yes")
                     for r in self.app.rows("aging.items")]
            names = {r.text("customer"): r.text("name") for r in self.app.rows("aging.names")}
            return shown, items, names
        return self._work(work)

    def master(self, customer_id: str) -> Master:
        def work() -> Master:
            self._page("/ar/customer.do", {"id": customer_id}, "customer.id")
            [row] = self.app.rows("customer.details")
            t = row.cells()
            return Master(t["id"], t["name"], t["email"], t["language"], t["collector"],
                          t["risk_class"], t["dunning_block"] == "Yes",
                          t.get("block_reason", ""))
        return self._work(work)

    def unapplied_total(self, customer_id: str) -> Decimal:
        """Cash on the customer's account not yet applied (the statement's total)."""
        def work() -> Decimal:
            self._page("/ar/statement.do", {"id": customer_id}, "statement.unapplied_total")
            return _money(self.app.text("statement.unapplied_total"),
                          f"unapplied cash of {customer_id}")
        return self._work(work)

    def statement_pdf(self, customer_id: str) -> Path:
        """The customer's account statement as the ERP prints it (the statement page's PDF
        link, fetched in the browser's session; saved in the run's downloads)."""
        def work() -> Path:
            with self.ctx.recorder.step("download", app=self.name,
                                        selector="statement.pdf") as st:
                url = (f"{self.app.selectors.base_url}/ar/statement.pdf?"
                       f"{urlencode({'id': customer_id})}")
                response = self.app.page.context.request.get(url)
                body = response.body()
                self.session.check(response.url)
                if response.status != 200 or not body.startswith(b"%PDF"):
                    raise ApplicationFailure("ERP_NO_PDF", f"the ERP gave no PDF for "
                                             f"{customer_id} ({response.status})")
                target = unique_path(self.ctx.run_dir / "downloads",
                                     f"statement_{customer_id}.pdf")
                target.write_bytes(body)
                st.data = {"url": url, "file": target.relative_to(self.ctx.run_dir).as_posix(),
                           "bytes": len(body)}
            return target
        return self._work(work)

    def notes(self, customer_id: str) -> list[Note]:
        def work() -> list[Note]:
            self._page("/ar/notes.do", {"id": customer_id}, "notes.list")
            return [Note(r.text("date"), r.text("type"), r.text("text"), r.text("reference"))
                    for r in self.app.rows("notes.rows")]
        return self._work(work)

    # -- writing -----------------------------------------------------------------------
    def add_note(self, customer_id: str, day: dt.date, note_type: str, text: str,
                 reference: str) -> None:
        """A collection note carrying ``reference``; none when one carries it already (a
        repeat after trouble looks first, so it saves nothing twice)."""
        tries = []

        def work() -> None:
            tries.append(1)
            here = self.app.page.url.endswith(f"/ar/notes.do?{urlencode({'id': customer_id})}")
            if len(tries) > 1 or not here:  # the notes just read: no need to load them again
                self._page("/ar/notes.do", {"id": customer_id}, "notes.list")
            if len(tries) > 1 and any(r.text("reference") == reference
                                      for r in self.app.rows("notes.rows")):
                return
            app = self.app
            app.fill("note.date", day.isoformat())
            app.select("note.type", note_type)
            app.fill("note.text", text)
            app.fill("note.reference", reference)
            app.click("note.submit")
            if app.wait_for_any(["page.message", "page.error", *TROUBLE]) != "page.message":
                raise ApplicationFailure("ERP_NOTE_REFUSED", f"the ERP did not save the note "
                                         f"{reference} of {customer_id}")
        self._work(work)

    def set_dunning_block(self, customer_id: str, reason: str) -> bool:
        """Block the customer from dunning with ``reason``; False when already blocked."""
        def work() -> bool:
            self._page("/ar/customer.do", {"id": customer_id}, "customer.id")
            if self.app.text("customer.dunning_block").strip() == "Yes":
                return False
            self.app.select("block.action", "set")
            self.app.fill("block.reason", reason)
            self.app.click("block.submit")
            if self.app.wait_for_any(["page.message", "page.error", *TROUBLE]) != \
                    "page.message":
                raise ApplicationFailure("ERP_BLOCK_REFUSED", f"the ERP did not block "
                                         f"{customer_id}")
            return True
        return self._work(work)
