"""The bank's pain.001 upload: the file the bot's library writes is accepted and shows its
transfers with bank references; a file sent twice, an EndToEndId paid before, a broken
file and one with an entity declaration are refused with a message naming what is wrong."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bots.cashapp.pain001 import CreditTransfer, Debtor, build
from sandbox.bank.pain001 import PaymentFileError, read
from sandbox.scenario import COMPANY_IBAN, COMPANY_NAME, build_scenario

PAYEE = build_scenario().payments[1]  # Borealis Foods, paid twice in the scenario
DAY = dt.date(2026, 11, 23)


def payment_file(msg_id: str, *transfers: tuple[str, str]) -> bytes:
    return build(Debtor(COMPANY_NAME, COMPANY_IBAN), msg_id, [
        CreditTransfer(e2e, Decimal(amount), PAYEE.counterparty_name,
                       PAYEE.counterparty_iban or "", f"refund of {PAYEE.bank_reference}")
        for e2e, amount in transfers], execution_date=DAY)


def upload(client: httpx.Client, content: bytes, name: str = "refunds.xml") -> httpx.Response:
    page = client.get("/payments").text
    csrf = re.search(r'name="csrf" value="([^"]*)"', page)
    assert csrf is not None
    return client.post("/payments/upload", data={"csrf": csrf.group(1)},
                       files={"payment_file": (name, content, "application/xml")})


def test_upload_shows_each_transfer_with_its_bank_reference_and_refuses_a_repeat(
        bank: Any, bank_login: Callable[..., httpx.Response]) -> None:
    with bank.client() as client:
        bank_login(client)
        ok = upload(client, payment_file("FB-MSG-1", ("RFD-2026-000101", "2380.00"),
                                         ("RFD-2026-000102", "80.00")))
        assert ok.status_code == 200 and "2 transfer(s) will be made" in ok.text
        transfers = bank.truth()["transfers"]
        assert [(t["end_to_end_id"], t["amount"], t["creditor_iban"]) for t in transfers] == [
            ("RFD-2026-000101", "2380.00", PAYEE.counterparty_iban),
            ("RFD-2026-000102", "80.00", PAYEE.counterparty_iban)]
        for t in transfers:
            assert t["bank_reference"].startswith("NWBTRF20261123")
            assert t["bank_reference"] in ok.text

        again = upload(client, payment_file("FB-MSG-1", ("RFD-2026-000103", "1.00")))
        assert again.status_code == 400 and "message id FB-MSG-1 was uploaded before" in again.text
        same_e2e = upload(client, payment_file("FB-MSG-2", ("RFD-2026-000101", "2380.00")))
        assert "EndToEndId RFD-2026-000101 was paid before" in same_e2e.text
        assert len(bank.truth()["transfers"]) == 2  # nothing of a refused file is booked

        found = client.get("/payments", params={"e2e": "RFD-2026-000102"}).text
        assert "RFD-2026-000102" in found and "RFD-2026-000101" not in found
        assert "No transfer found" in client.get("/payments", params={"e2e": "X1"}).text


def test_upload_needs_a_login_and_the_session_token(bank: Any) -> None:
    with bank.client() as client:
        r = client.post("/payments/upload", files={"payment_file": ("a.xml", b"<a/>")})
        assert "/login" in str(r.url)
    assert bank.truth()["transfers"] == []


ACCOUNTS = {COMPANY_IBAN}


def test_the_reader_refuses_entities_and_names_field_and_line() -> None:
    good = payment_file("FB-MSG-9", ("E2E-1", "10.00"))
    assert [t.amount for t in read(good, ACCOUNTS).transfers] == [Decimal("10.00")]
    evil = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + good.split(b"?>", 1)[1].replace(b"FB-MSG-9", b"&x;"))
    with pytest.raises(PaymentFileError, match="entities are not accepted"):
        read(evil, ACCOUNTS)
    with pytest.raises(PaymentFileError, match="not an account of yours"):
        read(good, {"DE02120300000000202051"})
    bad_count = good.replace(b"<NbOfTxs>1</NbOfTxs>", b"<NbOfTxs>2</NbOfTxs>", 1)
    with pytest.raises(PaymentFileError, match=r"line \d+: NbOfTxs says 2"):
        read(bad_count, ACCOUNTS)
    bad_amount = good.replace(b">10.00</InstdAmt>", b">10.001</InstdAmt>")
    with pytest.raises(PaymentFileError, match=r"line \d+: InstdAmt '10.001'"):
        read(bad_amount, ACCOUNTS)
    with pytest.raises(PaymentFileError, match="not well-formed"):
        read(good[:-40], ACCOUNTS)
    twice = payment_file("FB-MSG-8", ("E2E-1", "1.00"), ("E2E-1", "2.00"))
    with pytest.raises(PaymentFileError, match="EndToEndId E2E-1 appears twice"):
        read(twice, ACCOUNTS)
    with pytest.raises(PaymentFileError, match="at most"):
        read(b" " * 1_000_001, ACCOUNTS)


def test_the_library_refuses_what_a_bank_would() -> None:
    with pytest.raises(ValueError, match="creditor IBAN"):
        build(Debtor(COMPANY_NAME, COMPANY_IBAN), "M1",
              [CreditTransfer("E1", Decimal("1.00"), "X", "DE00123")], execution_date=DAY)
    with pytest.raises(ValueError, match="two decimals"):
        build(Debtor(COMPANY_NAME, COMPANY_IBAN), "M1",
              [CreditTransfer("E1", Decimal("1.005"), "X", COMPANY_IBAN)], execution_date=DAY)
