"""The desktop ERP client on the web ERP's database, through the bot's adapter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bots.payment_posting.bot import BOT
from bots.payment_posting.desktop_erp import DesktopErp
from bots.runtime import BusinessFailure, RunContext
from bots.runtime.vault import Vault
from sandbox.scenario import STATEMENT_DATE

pytestmark = pytest.mark.desktop

ALLOC = [{"invoice_number": "INV-2026-1002", "amount": "2380.00", "write_off": "0.00",
          "discount": "0.00"}]


@pytest.fixture
def erp(home: Path) -> DesktopErp:
    # the bot's own selector files, as in a run of the payment-posting bot
    ctx = RunContext("client-test", home / "runs" / "client-test", bot=BOT, vault=Vault())
    return DesktopErp(ctx, "desktop_erp/cashapp")


def test_a_double_posting_shows_in_both_clients(erp: DesktopErp, sandbox: Any) -> None:
    receipt = {"customer_id": "C1002", "value_date": STATEMENT_DATE,
               "bank_reference": "NWB-DOUBLE-1", "amount": Decimal("1000.00"),
               "allocations": [{**ALLOC[0], "amount": "1000.00"}]}
    assert erp.find_postings("NWB-DOUBLE-1") == []

    first = erp.post_receipt(**receipt)
    second = erp.post_receipt(**receipt)  # what the bot's look-up prevents

    assert first != second and first.startswith("CR-")
    assert erp.find_postings("NWB-DOUBLE-1") == [first, second]
    web = [p for p in sandbox.postings() if p["bank_reference"] == "NWB-DOUBLE-1"]
    assert [p["confirmation"] for p in web] == [first, second]
    assert {p["posted_by"] for p in web} == {"cashapp"}
    invoice = next(i for i in sandbox.truth("legacy_erp")["invoices"]
                   if i["invoice_number"] == "INV-2026-1002")
    assert Decimal(invoice["amount_open"]) == Decimal("380.00")


def test_a_refused_receipt_is_a_business_failure_with_the_clients_message(
        erp: DesktopErp, sandbox: Any) -> None:
    with pytest.raises(BusinessFailure, match="belongs to customer C1002, not C1001") as err:
        erp.post_receipt(customer_id="C1001", value_date=dt.date(2026, 11, 20),
                         bank_reference="NWB-WRONG-1", amount=Decimal("2380.00"),
                         allocations=ALLOC)
    assert err.value.code == "ERP_REJECTED"
    assert sandbox.postings() == []


def test_open_items_come_from_the_grid_as_the_web_export(erp: DesktopErp) -> None:
    from bots.cashapp.matching import load_open_items_csv

    items = {i.invoice_number: i for i in load_open_items_csv(erp.export_open_items())}
    # the day's invoices (and the open items the ERP's extensions seed: collections, credit)
    assert {f"INV-2026-{n}" for n in range(1001, 1022)} <= set(items)
    castellan = items["INV-2026-1005"]
    assert castellan.amount_open == Decimal("1250.50") and len(castellan.customer_ibans) == 2
    assert items["INV-2026-1016"].discount_until == dt.date(2026, 11, 25)
    assert items["INV-2026-1001"].creditor_reference


def test_the_customer_search_dialog_fills_the_customer(erp: DesktopErp) -> None:
    erp.recover()  # signed on, at the main menu
    app = erp.app
    app.press("F3", "main")
    app.wait_for("receipt")
    app.press("alt+c F4", "receipt")
    app.wait_for("customer_search")
    app.press("ctrl+a BackSpace", "customer_search")
    app.type_text("borealis", "customer_search")
    app.press("Return", "customer_search")
    app.press("Return", "customer_search")  # picks the first (only) result
    app.wait_gone("customer_search")
    assert app.value("receipt.customer") == "C1002"
    app.press("Escape", "receipt")
    app.wait_for("main_menu")


def test_a_lost_sign_on_is_noticed_and_recovered(erp: DesktopErp) -> None:
    from bots.runtime.retry import attempt

    erp.recover()
    erp.app.press("alt+f", "main")  # File menu, Log Off
    erp.app.press("l", "main")
    erp.app.wait_for("login")
    before = len(erp.ctx.recorder.steps)

    assert attempt(erp, lambda: erp.find_postings("NWB-NOT-POSTED")) == []
    after = erp.ctx.recorder.steps[before:]
    assert next(s.data.get("found") for s in after if s.action == "wait_for_any") == "login"
    assert any(s.selector == "login.password" for s in after)  # signed on again
