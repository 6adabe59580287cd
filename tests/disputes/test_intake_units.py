"""The disputes bot's intake without targets: which mails are claims and which invoice they
name (the PDF's text too), what a claim without an amount disputes, a short payment's
deduction, and one case per customer and invoice (a second claim joins it, once)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from bots.cashapp.dispute_mail import invoice_numbers, is_dispute_mail, is_dispute_message
from bots.disputes import BOT
from bots.disputes.dedupe import case_ref_for, intake_record, link_claim, open_dispute
from bots.disputes.desk import ClaimState
from bots.disputes.evidence import claimed_amount
from bots.disputes.intake_deductions import deducted_amount, read_deductions
from bots.disputes.intake_mail import pdf_text
from bots.disputes.model import DisputeClaim
from bots.disputes.targets import ClaimPage, InvoicePage
from bots.runtime import Bot, BusinessFailure, QueueSpec, RunContext
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.disputes_scenario import CLAIMS, claims, invoice
from sandbox.mail.disputes import claim_form_pdf
from sandbox.mail.remittances import seeded_inbox
from sandbox.scenario import build_scenario

POSTER = Bot(name="payment-posting", version="1.0", queues=(QueueSpec("payments"),))


def _parsed(msg: EmailMessage) -> EmailMessage:
    found = message_from_bytes(msg.as_bytes(), _class=EmailMessage, policy=policy.default)
    assert isinstance(found, EmailMessage)
    return found


def test_the_seeded_dispute_mails_are_claims_and_no_other_mail_of_the_inbox_is() -> None:
    subjects = {c.subject for c in claims("mail")}
    inbox = [_parsed(m) for m in seeded_inbox(build_scenario())]
    found = {str(m["Subject"]) for m in inbox if is_dispute_message(m)}
    assert found == subjects
    assert len(inbox) > len(found)  # replies to reminders and advices stay collections'


@pytest.mark.parametrize(("subject", "text", "replied", "names", "want"), [
    ("Reklamation Rechnung INV-2026-1001", "Die Ware kam beschädigt an.", (), (), True),
    ("Réclamation", "Litige sur la facture INV-2026-1002: prix erroné.", (), (), True),
    ("Claim", "Please see the attached claim form.", (), ("form.pdf",), True),
    ("Claim", "Please see the attached claim form.", (), ("photo.jpg",), False),
    ("RE: Payment reminder INV-2026-1001", "The goods were damaged.", (), (), False),
    ("Damaged goods INV-2026-1001", "Damaged.", ("<DUN-C1-L1@x>",), (), False),
    ("Complaint INV-2026-1001", "We will not pay this invoice.", (), (), False),
    ("Payment INV-2026-1001", "We will transfer the amount on Friday.", (), (), False),
])
def test_a_dispute_mail_contests_an_invoice_and_is_no_dunning_reply(
        subject: str, text: str, replied: tuple[str, ...], names: tuple[str, ...],
        want: bool) -> None:
    assert is_dispute_mail(subject, text, replied_to=replied, attachment_names=names) is want


def test_the_invoice_of_a_mail_comes_from_its_pdf_when_the_text_names_none() -> None:
    d06 = next(c for c in CLAIMS if c.key == "D06")
    assert invoice_numbers(f"{d06.subject}\n{d06.text}") == []
    text = pdf_text(claim_form_pdf(d06))
    assert invoice_numbers(text) == ["INV-2026-2009"]
    assert claimed_amount(text, None)[0] == Decimal("1450.00")
    assert pdf_text(b"%PDF-1.4 broken") == "" and pdf_text(b"not a pdf") == ""


def _page(number: str) -> InvoicePage:
    inv = invoice(number)
    lines = tuple({"description": ln.description, "quantity": str(ln.quantity),
                   "unit_price": str(ln.unit_price),
                   "contract_price": str(ln.contract_price or "")} for ln in inv.lines)
    return InvoicePage(number, "open", inv.customer_id, lines, inv.net, inv.vat, inv.gross)


def test_a_claim_without_an_amount_disputes_the_units_or_the_price_difference_it_names(
        ) -> None:
    for claim in claims("mail"):
        amount, how = claimed_amount(f"{claim.subject}\n{claim.text}",
                                     _page(claim.invoice_number))
        if claim.invoice_only_in_pdf:
            continue  # its amount is on the claim form (above)
        assert amount == claim.amount, (claim.key, how)


def test_a_deduction_is_the_amount_after_less() -> None:
    assert deducted_amount("INV-2026-1012 less 250.00 damaged goods") == Decimal("250.00")
    assert deducted_amount("RE 4711 abzüglich 12,50 Skonto") == Decimal("12.50")
    assert deducted_amount("INV-2026-1012") is None


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    for bot in (POSTER, BOT):
        s.register_bot(bot.name, bot.version, "", ())
    yield s
    s.close()


def _claim(ref: str, invoice_number: str = "INV-2026-2001",
           amount: str = "190.40") -> DisputeClaim:
    channel, external = ref.split(":", 1)
    return DisputeClaim(channel, external, "C1001", invoice_number,  # type: ignore[arg-type]
                        Decimal(amount), "EUR", "billed above the contract price",
                        dt.datetime(2026, 11, 19, tzinfo=dt.UTC))


def _open(ctx: RunContext, claim: DisputeClaim) -> None:
    queue = ctx.queue("dispute-claims")
    queue.add(claim.ref, claim.payload())
    for item in queue.items():
        with item:
            raise BusinessFailure("DISPUTE", "disputed", customer=claim.customer_id,
                                  amount=claim.amount, data={"dispute": {
                                      "case_ref": f"DISP-{claim.invoice_number}",
                                      "invoice_number": claim.invoice_number,
                                      "claims": [claim.as_case_claim()],
                                      "amounts": {"disputed": str(claim.amount)}}})


def test_a_second_claim_on_the_invoice_joins_its_case_once(store: Store,
                                                           tmp_path: Path) -> None:
    run = store.start_run(BOT.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "r", bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name)) as ctx:
        assert open_dispute(ctx, "C1001", "INV-2026-2001") is None
        assert case_ref_for(ctx, "C1001", "INV-2026-2001") == "DISP-INV-2026-2001"
        _open(ctx, _claim("portal:DSP-0001"))
        case = open_dispute(ctx, "C1001", "INV-2026-2001")
        assert case is not None and open_dispute(ctx, "C1001", "INV-2026-2002") is None
        assert open_dispute(ctx, "C1002", "INV-2026-2001") is None
        mail = _claim("mail:<m1@x>")
        assert link_claim(ctx, case, mail) == ("DISP-INV-2026-2001", True)
        assert link_claim(ctx, case, mail) == ("DISP-INV-2026-2001", False)
        record = intake_record(ctx, "DISP-INV-2026-2001")
        assert record is not None
        assert [c["ref"] for c in record["claims"]] == ["portal:DSP-0001", "mail:<m1@x>"]
        assert record["claims"][1]["joined"] is True
        assert record["amounts"]["disputed"] == "190.40"  # a duplicate adds nothing
        store.set_case_status(case.id, "resolved")
        assert open_dispute(ctx, "C1001", "INV-2026-2001") is None
        assert case_ref_for(ctx, "C1001", "INV-2026-2001") == "DISP-INV-2026-2001-2"
    assert len(store.list_cases(reason_code="DISPUTE")) == 1


def test_short_payments_with_a_reason_are_deduction_claims(store: Store,
                                                            tmp_path: Path) -> None:
    run = store.start_run(POSTER.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "p", bot=POSTER, store=store,
                    backend=StoreBackend(store, POSTER.name)) as ctx:
        q = ctx.queue("payments")
        for ref, text in (("NWB-8", "INV-2026-1012 less 250.00 damaged goods"),
                          ("NWB-9", "INV-2026-1013")):
            q.add(ref, {"entry": {"bank_reference": ref, "remittance_text": text,
                                  "amount": "4750.00", "currency": "EUR",
                                  "booking_date": "2026-11-20"}})
        for item in q.items():
            with item:
                raise BusinessFailure("SHORT_PAYMENT", "short", customer="C1008",
                                      amount=Decimal("250.00"))
    run = store.start_run(BOT.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "d", bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name)) as ctx:
        [claim] = read_deductions(ctx)
    assert (claim.ref, claim.customer_id, claim.invoice_number, claim.amount) == (
        "deduction:NWB-8", "C1008", "INV-2026-1012", Decimal("250.00"))
    assert claim.received_at == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


class _Desk:
    """The claims desk as the follow-up uses it: receipts counted."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.registered: dict[str, tuple[str, str, str]] = {}  # case ref -> claim
        self.closed: list[str] = []
        self.open = {"INV-2026-2001": Decimal("2380.00")}

    def invoice(self, number: str) -> InvoicePage | None:
        return _page(number)

    def invoice_pdf(self, number: str) -> bytes:
        return b"%PDF-1.4 " + number.encode()

    def receive(self, claim_id: str, case_ref: str) -> str:
        self.received.append((claim_id, case_ref))
        return "received"

    def register(self, *, invoice: str, amount: Decimal, text: str, channel: str,
                 case_ref: str) -> ClaimPage:
        """As the desk: a case reference registered before answers with its claim."""
        claim_id = f"DSP-{41 + len(self.registered):04d}"
        self.registered.setdefault(case_ref, (claim_id, f"{invoice} {amount}", channel))
        return ClaimPage(self.registered[case_ref][0], invoice, "C1001", "", amount, "EUR",
                         dt.datetime.now(dt.UTC), text, "received", case_ref, (), "")

    def open_amounts(self) -> dict[str, Decimal]:
        return dict(self.open)

    def close_claim(self, claim_id: str, note: str) -> ClaimState:
        self.closed.append(claim_id)
        return ClaimState(claim_id, "closed", "", "")


class _Erp:
    def order(self, number: str) -> None:
        return None

    def customer(self, customer_id: str) -> tuple[str, str]:
        return "Acme Industrial GmbH", f"ap.{customer_id.lower()}@customers.example"

    def statement(self, customer_id: str) -> tuple[list[dict[str, str]], None]:
        return [{"invoice": "INV-2026-2001", "open": "2380.00"}], None


class _Systems:
    def __init__(self) -> None:
        from bots.runtime.mail_memory import MemoryMailbox

        self.desk, self.erp = _Desk(), _Erp()
        self.mail = MemoryMailbox("ar@northwind.example")


def test_follow_up_receives_files_and_acknowledges_each_claim_once(
        store: Store, tmp_path: Path) -> None:
    from bots.disputes.intake import follow_up, work
    from bots.disputes.routing import reason_book

    systems = _Systems()
    mail = EmailMessage()
    mail["From"], mail["To"] = "payables@acme-industrial.example", "ar@northwind.example"
    mail["Subject"], mail["Message-ID"] = "Price difference INV-2026-2001", "<m1@acme>"
    mail.set_content("The bearings were billed above the contract price.")
    systems.mail.deliver(mail)
    portal = _claim("portal:DSP-0001")
    joined = DisputeClaim("mail", "<m1@acme>", "", "INV-2026-2001", Decimal("0.00"), "EUR",
                          "The bearings were billed above the contract price.",
                          dt.datetime(2026, 11, 19, 15, tzinfo=dt.UTC),
                          claimant_address="payables@acme-industrial.example",
                          subject="Price difference INV-2026-2001",
                          extra={"message_id": "<m1@acme>", "uid": "1"})
    for n in (1, 2):
        run = store.start_run(BOT.name, {}, "host", 1)
        with RunContext(run.id, tmp_path / str(n), bot=BOT, store=store,
                        backend=StoreBackend(store, BOT.name)) as ctx:
            queue = ctx.queue("dispute-claims")
            queue.add_many([(portal.ref, portal.payload()), (joined.ref, joined.payload())])
            work(ctx, systems, reason_book(ctx), queue)  # type: ignore[arg-type]
            done = follow_up(ctx, systems, queue)  # type: ignore[arg-type]
            noted = work(ctx, systems, reason_book(ctx), queue)  # type: ignore[arg-type]
        if n == 1:
            assert (done["received"], done["filed"], done["acknowledged"]) == (1, 1, 2)
            assert noted["noted"] == 1
        else:  # the rerun: nothing queued, received, filed or sent again
            assert (done["received"], done["filed"], done["acknowledged"]) == (0, 0, 0)
    assert systems.desk.received == [("DSP-0001", "DISP-INV-2026-2001")]
    assert [m.subject for m in systems.mail.messages("Disputes")] == [
        "Price difference INV-2026-2001"]
    refs = sorted(m.reference or "" for m in systems.mail.messages("Sent"))
    assert refs == ["dispute-ack:DISP-INV-2026-2001:mail:<m1@acme>",
                    "dispute-ack:DISP-INV-2026-2001:portal:DSP-0001"]
    [case] = store.list_cases(reason_code="DISPUTE")
    assert case.data["dispute"]["reason_code"] == "PRICING"
    events = [e for e in store.case_events(case.id) if e.kind == "refreshed"]
    assert len(events) == 1 and "mail:<m1@acme>" in events[0].text
    assert store.get_record("dispute_classification", "DISP-INV-2026-2001/model") is not None


def test_a_deduction_dispute_is_registered_on_the_desk_once_and_closed_when_settled(
        store: Store, tmp_path: Path) -> None:
    from bots.disputes.carry_out import Decisions
    from bots.disputes.intake import follow_up, work
    from bots.disputes.outcome import load_outcome
    from bots.disputes.routing import reason_book
    from bots.disputes.settle import sweep

    systems = _Systems()
    deduction = _claim("deduction:NWB-8")
    for n in (1, 2):
        run = store.start_run(BOT.name, {}, "host", 1)
        with RunContext(run.id, tmp_path / str(n), bot=BOT, store=store,
                        backend=StoreBackend(store, BOT.name)) as ctx:
            queue = ctx.queue("dispute-claims")
            queue.add(deduction.ref, deduction.payload())
            work(ctx, systems, reason_book(ctx), queue)  # type: ignore[arg-type]
            done = follow_up(ctx, systems, queue)  # type: ignore[arg-type]
            assert done["registered"] == (1 if n == 1 else 0)  # a rerun registers nothing
    # no customer filed it on the portal: the bot registered it there, the invoice disputed
    assert systems.desk.registered == {
        "DISP-INV-2026-2001": ("DSP-0041", "INV-2026-2001 190.40", "deduction")}
    assert systems.desk.received == []
    run = store.start_run(BOT.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "s", bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name)) as ctx:
        outcome = load_outcome(ctx.records, "DISP-INV-2026-2001")
        assert outcome is not None and outcome.portal_claim_ids == ["DSP-0041"]
        decisions = Decisions(ctx)
        decisions._desk = systems.desk  # type: ignore[assignment]
        assert sweep(ctx, decisions) == {"settled": 0, "unsettled": 1}
        assert systems.desk.closed == []
        systems.desk.open.clear()  # the customer paid it all, the deduction too
        assert sweep(ctx, decisions) == {"settled": 1, "unsettled": 0}
    assert systems.desk.closed == ["DSP-0041"]  # closed like a customer's claim


def test_a_claim_the_bot_cannot_read_is_a_case_naming_the_claim_and_what_is_missing(
        store: Store, tmp_path: Path) -> None:
    from bots.disputes.intake import work
    from bots.disputes.intake_mail import read_mail_claims
    from bots.disputes.routing import reason_book

    systems = _Systems()
    mail = EmailMessage()
    mail["From"], mail["To"] = "ap@fjordmarine.example", "ar@northwind.example"
    mail["Subject"], mail["Message-ID"] = "Complaint about your invoice", "<m9@fjord>"
    mail.set_content("The service was never carried out, see the attached form.")
    mail.add_attachment(b"%PDF-1.4 no text here", maintype="application", subtype="pdf",
                        filename="claim-form.pdf")
    systems.mail.deliver(mail)
    run = store.start_run(BOT.name, {}, "host", 1)
    with RunContext(run.id, tmp_path / "u", bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name)) as ctx:
        [claim] = read_mail_claims(ctx, systems.mail, ctx.run_dir / "evidence")
        assert claim.extra["problem"].startswith("mail <m9@fjord> from ap@fjordmarine")
        queue = ctx.queue("dispute-claims")
        queue.add(claim.ref, claim.payload())
        work(ctx, systems, reason_book(ctx), queue)  # type: ignore[arg-type]
    [case] = store.list_cases(reason_code="CLAIM_UNREADABLE")
    assert "names no invoice (subject, body or PDF)" in case.summary
    assert case.data["claim"]["ref"] == "mail:<m9@fjord>"
    assert any(e.endswith(".eml") for e in case.evidence)
    assert store.list_cases(reason_code="DISPUTE") == []
