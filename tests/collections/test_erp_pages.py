"""The legacy ERP's collections pages over HTTP: customer master and dunning block, aging
by due date, account statement (HTML and PDF), collection notes, promises to pay."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from pypdf import PdfReader

from sandbox.collections_scenario import build_month
from sandbox.erp.app import create_app
from sandbox.erp.ext.ar_queries import bucket
from sandbox.scenario import CREDENTIALS, build_scenario
from sandbox.serve import serve_app

LOGIN = {"userid": CREDENTIALS.erp_username, "password": CREDENTIALS.erp_password}
MONTH = build_month(build_scenario())


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture
def erp(erp_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=erp_url, timeout=10) as client:
        client.post("/_sandbox/reset").raise_for_status()
        assert client.post("/ar/login.do", data=LOGIN).status_code == 302
        yield client


def cells(html: str, row_class: str, key: str) -> dict[str, dict[str, str]]:
    """Rows ``tr.<row_class>`` keyed by their ``data-<key>``: cell class -> text."""
    out = {}
    for m in re.finditer(rf'<tr class="{row_class}"[^>]*data-{key}="([^"]+)"[^>]*>(.*?)</tr>',
                         html, re.S):
        out[m.group(1)] = {c: re.sub(r"<[^>]+>", "", t).strip() for c, t in re.findall(
            r'<td class="(\w+)"[^>]*>(.*?)</td>', m.group(2), re.S)}
    return out


def test_pages_require_login(erp_url: str) -> None:
    with httpx.Client(base_url=erp_url) as client:
        for path in ("/ar/customers.do", "/ar/customer.do?id=C2001", "/ar/aging.do",
                     "/ar/statement.do?id=C2001", "/ar/statement.pdf?id=C2001",
                     "/ar/notes.do?id=C2001", "/ar/promises.do?id=C2001"):
            r = client.get(path)
            assert r.status_code == 302 and "/ar/login.do" in r.headers["location"], path


def test_customer_master_and_dunning_block(erp: httpx.Client) -> None:
    page = erp.get("/ar/customer.do", params={"id": "c2001"}).text
    assert 'id="custEmail">ap.c2001@customers.example<' in page
    assert 'id="creditLimit">10000.00<' in page and 'id="language">de<' in page
    assert 'id="dunningBlock">No<' in page
    listed = cells(erp.get("/ar/customers.do").text, "customer", "customer")
    assert set(listed) >= {c.customer_id for c in build_scenario().customers}
    assert listed["C2004"]["dunningBlock"] == "Yes"
    refused = erp.post("/ar/customer.do", data={"id": "C2001", "blockAction": "set"})
    assert refused.status_code == 400 and "blockReason" in refused.text
    done = erp.post("/ar/customer.do", data={"id": "C2001", "blockAction": "set",
                                             "blockReason": "Insolvency filed"})
    assert "Dunning block set." in done.text and 'id="dunningBlock">Yes<' in done.text
    assert "Insolvency filed" in done.text and LOGIN["userid"] in done.text
    truth = erp.get("/_sandbox/truth").json()["customer_master"]
    assert next(m for m in truth if m["customer_id"] == "C2001")["dunning_block"] == 1
    assert erp.get("/ar/customer.do", params={"id": "C99999"}).status_code == 404


@pytest.mark.parametrize("as_of", [dt.date(2026, 11, 20), dt.date(2026, 12, 31)])
def test_aging_buckets_by_due_date(erp: httpx.Client, as_of: dt.date) -> None:
    html = erp.get("/ar/aging.do", params={"asof": as_of.isoformat(), "view": "detail"}).text
    items = cells(html, "agingItem", "invoice")
    summary = cells(html, "agingRow", "customer")
    for inv in MONTH.invoices:
        days = (as_of - inv.due_date).days
        assert items[inv.invoice_number]["daysOverdue"] == str(max(days, 0))
        assert items[inv.invoice_number]["bucket"] == bucket(days)
    expected: dict[str, Decimal] = {}
    for inv in MONTH.invoices:
        if inv.customer_id.startswith("C20") and bucket((as_of - inv.due_date).days) == "31-60":
            expected[inv.customer_id] = expected.get(inv.customer_id, Decimal(0)) + inv.amount
    for cid, row in summary.items():
        if cid.startswith("C20"):
            assert Decimal(row["b31_60"]) == expected.get(cid, Decimal(0)), cid
    assert items["INV-2026-1107"]["disputed"] == "Yes"
    assert items["INV-2026-1108"]["disputed"] == "No"
    on_day = as_of == MONTH.as_of
    assert items["INV-2026-1109"]["promised"] == ("Yes" if on_day else "Passed")
    assert items["INV-2026-1110"]["promised"] == "Passed"
    assert "Field asof" in erp.get("/ar/aging.do", params={"asof": "31.12.2026"}).text


def test_statement_page_and_pdf(erp: httpx.Client) -> None:
    html = erp.get("/ar/statement.do", params={"id": "C2008"}).text
    assert 'id="unappliedTotal">1672.40<' in html and 'id="balance">0.00<' in html
    paid = [p for p in MONTH.paid if p.customer_id == "C2008"]
    assert html.count('class="paidItem"') == len(paid)
    avg = sum(p.days_late for p in paid) / len(paid)
    assert Decimal(re.search(r'id="avgDaysLate">([^<]+)<', html).group(1)) == \
        Decimal(str(avg)).quantize(Decimal("0.1"))
    pdf = erp.get("/ar/statement.pdf", params={"id": "C2008"})
    assert pdf.headers["content-type"] == "application/pdf"
    assert "statement_C2008_20261120.pdf" in pdf.headers["content-disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "INV-2026-1111" in text and "UC-2026-000412" in text and "Harbor" in text
    assert erp.get("/ar/statement.pdf", params={"id": "X1"}).status_code == 404


def test_collection_notes(erp: httpx.Client) -> None:
    before = erp.get("/ar/notes.do", params={"id": "C2002"}).text.count('class="note"')
    bad = erp.post("/ar/notes.do", data={"id": "C2002", "noteType": "gossip",
                                         "noteText": "x"})
    assert bad.status_code == 400 and "noteType" in bad.text
    ok = erp.post("/ar/notes.do", data={"id": "C2002", "noteDate": "2026-11-20",
                                        "noteType": "call", "noteText": "Left a voicemail.",
                                        "reference": "CALL-1"})
    assert "Note saved." in ok.text and ok.text.count('class="note"') == before + 1
    notes = erp.get("/_sandbox/truth").json()["collection_notes"]
    assert {"customer_id": "C2002", "note_date": "2026-11-20", "note_type": "call",
            "text": "Left a voicemail.", "user": LOGIN["userid"], "reference": "CALL-1"} in notes


def test_promises_to_pay(erp: httpx.Client) -> None:
    listed = cells(erp.get("/ar/promises.do", params={"id": "C2006"}).text, "promise",
                   "promise-id")
    assert [p["status"] for p in listed.values()] == ["open"]
    form = {"id": "C2002", "promisedDate": "2026-11-30", "amount": "3912.80",
            "invoices": "INV-2026-1102", "source": "mail", "reference": "<m1@example>"}
    wrong = erp.post("/ar/promises.do", data=form | {"invoices": "INV-2026-1101"})
    assert wrong.status_code == 400 and "Field invoices" in wrong.text
    assert erp.post("/ar/promises.do", data=form | {"amount": "1e5"}).status_code == 400
    saved = erp.post("/ar/promises.do", data=form)
    assert "Promise to pay saved." in saved.text
    aging = cells(erp.get("/ar/aging.do", params={"customer": "C2002"}).text, "agingItem",
                  "invoice")
    assert aging["INV-2026-1102"]["promised"] == "Yes"
    pid = next(p["id"] for p in erp.get("/_sandbox/truth").json()["promises"]
               if p["customer_id"] == "C2002")
    erp.post("/ar/promises.do", data={"id": "C2002", "action": "status",
                                      "promiseId": str(pid), "status": "kept"})
    aging = cells(erp.get("/ar/aging.do", params={"customer": "C2002"}).text, "agingItem",
                  "invoice")
    assert aging["INV-2026-1102"]["promised"] == "No"
