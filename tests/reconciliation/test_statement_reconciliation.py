"""The sandbox's statement, posted by the payment-posting bot, reconciled to the cent: the
balances add up, the cash the ERP shows posted is the bank's credits less what waits in
cases, and every credit is accounted for; a payment whose work item vanishes behind the
app's back flags the statement."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from orchestrator.app import create_app
from orchestrator.auth.service import add_user, create_token
from orchestrator.runner import run_bot
from orchestrator.services.reconciliation import Reconciliation, list_statements
from orchestrator.services.resolutions import resolve_case
from orchestrator.store.models import WorkItem
from sandbox.scenario import STATEMENT_DATE

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
ZERO = Decimal("0.00")
DAY = {"date": STATEMENT_DATE.isoformat()}


def sandbox_postings(run: Any) -> list[dict[str, Any]]:
    """The ERP's postings now (its ground truth)."""
    return list(httpx.get(f"{run.env['FINBOTS_LEGACY_ERP_URL']}/_sandbox/truth",
                          timeout=30).json()["postings"])


def _only_statement(run: Any) -> Reconciliation:
    found = list_statements(run.store())
    assert len(found) == 1, [r.statement_id for r in found]
    return found[0]


def test_the_seeded_statement_is_explained_to_the_cent(day_run: Any) -> None:
    rec = _only_statement(day_run)

    assert rec.balance_difference == ZERO
    assert rec.opening is not None and rec.closing == rec.opening + rec.credits - rec.debits
    credits = [line for line in rec.lines if line.credit]
    assert credits and rec.credits == sum(line.amount for line in credits)
    for line in credits:  # every credit split into pieces that add up to it
        assert line.explanations, line.ref
        assert sum(e.amount for e in line.explanations) == line.amount, line.ref
    assert rec.posted + rec.explained == rec.credits
    assert rec.unexplained == ZERO and not rec.flagged

    # the cash posted is what the ERP booked for this statement's payments, no more
    refs = {line.ref for line in credits}
    erp_posted = sum((Decimal(row["amount"]) for p in day_run.postings
                      if p["bank_reference"] in refs for row in p["lines"]), ZERO)
    assert erp_posted > ZERO and rec.posted == erp_posted
    erp_numbers = {p["confirmation"] for p in day_run.postings}
    assert {e.document for line in credits for e in line.explanations
            if e.kind == "posted"} <= erp_numbers

    # the rest waits in the cases the run opened, each case's amount once
    cases = {c.id: c for c in day_run.store().list_cases(run_id=day_run.outcome.run_id)}
    waiting = [e for line in credits for e in line.explanations if e.kind == "open_case"]
    assert waiting and {e.case_id for e in waiting} == set(cases)
    assert rec.totals["open_case"] == sum(cases[e.case_id].amount for e in waiting)


def test_finance_reads_it_over_the_api_and_the_command_line(day_run: Any) -> None:
    store = day_run.store()
    rec = _only_statement(day_run)
    add_user(store, "finance", "a long enough password", ["finance_reviewer"])
    add_user(store, "ops", "a long enough password", ["operator"])
    _t, finance = create_token(store, "recon-finance", ["finance_reviewer"], owner="finance")
    _t, ops = create_token(store, "recon-ops", ["operator"], owner="ops")
    app = create_app(store)

    client = TestClient(app, headers={"Authorization": f"Bearer {finance}"})
    listed = client.get("/api/v1/statements")
    assert listed.status_code == 200
    assert [(s["statement_id"], s["credits"], s["unexplained"], s["flagged"])
            for s in listed.json()] == [(rec.statement_id, f"{rec.credits:.2f}", "0.00", False)]
    detail = client.get(f"/api/v1/statements/{rec.id}").json()
    assert sum(Decimal(e["amount"]) for line in detail["lines"] if line["direction"] == "credit"
               for e in line["explanations"]) == rec.credits
    assert client.get("/api/v1/statements/999999").status_code == 404
    page = client.get(f"/statements/{rec.id}")
    assert page.status_code == 200 and "Entry by entry" in page.text
    denied = TestClient(app, headers={"Authorization": f"Bearer {ops}"})
    assert denied.get("/api/v1/statements").status_code == 403

    cli = day_run.finbots("reconcile", str(rec.id), "--json")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["posted"] == f"{rec.posted:.2f}"


def test_money_left_on_account_is_explained_by_the_erps_document(day_run: Any) -> None:
    """A person leaves a case's payment on account; once the bot has booked it, the
    statement shows it on account with the ERP's document, still explained to the cent."""
    store = day_run.store()
    store.approval_threshold = Decimal("1000000.00")  # no second person for this test
    case = next(c for c in store.list_cases(run_id=day_run.outcome.run_id)
                if c.customer_id and c.reason_code in ("UNMATCHED", "OVERPAYMENT",
                                                       "SHORT_PAYMENT", "AMBIGUOUS"))
    resolve_case(store, case.id, "finance", "on_account", {"note": "customer asked"})
    assert run_bot("payment-posting", DAY).status == "successful"
    assert store.get_case(case.id).status == "resolved"

    rec = _only_statement(day_run)

    line = next(line for line in rec.lines if line.ref == case.reference)
    (piece,) = line.explanations
    assert (piece.kind, piece.amount) == ("on_account", case.amount)
    erp = [d for p in sandbox_postings(day_run) if p["bank_reference"] == case.reference
           for d in p["documents"]]
    assert [(d["kind"], d["number"]) for d in erp] == [("unapplied", piece.document)]
    assert rec.totals["on_account"] == case.amount
    assert rec.posted + rec.explained == rec.credits and not rec.flagged


def test_a_payment_nothing_accounts_for_flags_the_statement(day_run: Any) -> None:
    """Runs last: it deletes a posted payment's work item in the database itself."""
    store = day_run.store()
    posted = store.list_items("payment-posting", state="successful")[0]
    with store.engine.begin() as conn:
        conn.execute(WorkItem.__table__.delete().where(WorkItem.__table__.c.id == posted.id))

    rec = _only_statement(day_run)

    line = next(line for line in rec.lines if line.ref == posted.reference)
    assert [e.kind for e in line.explanations] == ["unexplained"]
    assert rec.unexplained == line.amount == Decimal(posted.payload["entry"]["amount"])
    assert rec.flagged and "unexplained" in rec.flags[0]
    assert rec.posted + rec.explained + rec.unexplained == rec.credits
    cli = day_run.finbots("reconcile", "--all")
    assert cli.returncode == 1 and "FLAGGED" in cli.stdout
