"""The refunds bot against a real ERP and bank (served on free ports) with a real store:
C1005's bank details changed today hold its 120.00 until a second person verified them,
then one ERP refund document and one transfer; C1004's 900.00 waits for a second person's
approval and is paid after it; C1007 has no bank details: a case until a clerk entered them
and a second person verified them; a run stopped between the ERP and the bank pays once. A
rerun issues nothing twice."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from cryptography.fernet import Fernet
from refundsharness import RefundsHome, Targets

from bots.cashapp.identifiers import make_iban
from bots.refunds import BOT
from bots.runtime.errors import SelfApprovalError
from bots.runtime.vault import Vault
from orchestrator.services.resolutions import resolve_case
from orchestrator.store import Store
from sandbox.credentials import VAULT_ENTRIES
from sandbox.disputes_scenario import BANK_DETAILS

NEW_IBAN = make_iban("DE", "500105175407324931")  # C1005's new account, entered today
C1007_IBAN = make_iban("DE", "370400440532013000")  # C1007's account, entered today
OLD_C1004 = next(d.iban for d in BANK_DETAILS if d.customer_id == "C1004")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, refund_targets: Targets
         ) -> Iterator[RefundsHome]:
    tmp = tmp_path_factory.mktemp("refunds")
    refund_targets.reset()
    store = Store(f"sqlite:///{tmp / 'finbots.db'}")
    store.approval_threshold = Decimal("5000.00")  # above 900.00: the bot's rule decides
    store.register_bot(BOT.name, BOT.version, "", ())
    vault = Vault(tmp / "vault.enc", Fernet.generate_key())
    for name in ("legacy_erp/refunds", "sandbox_bank/treasury"):
        vault.set(name, VAULT_ENTRIES[name])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_LEGACY_ERP_URL", refund_targets.erp_url)
        mp.setenv("FINBOTS_SANDBOX_BANK_URL", refund_targets.bank_url)
        mp.setenv("FINBOTS_RUNS_DIR", str(tmp / "runs"))
        mp.setenv("FINBOTS_TIMEOUT_MS", "15000")
        try:
            yield RefundsHome(store, vault, tmp / "runs")
        finally:
            store.close()
            refund_targets.reset()


def _cases(home: RefundsHome) -> dict[str, Any]:
    """The newest case of each reason."""
    return {c.reason_code: c for c in home.store.list_cases()}


def _as_clerk(targets: Targets, path: str, **form: str) -> str:
    """A form of the ERP filled by the cash-application clerk (login ``cashapp``)."""
    erp = targets.erp()
    try:
        return erp.post(path, data=form).text
    finally:
        erp.close()


def _refund_transfers(targets: Targets) -> list[dict[str, object]]:
    return [t for t in targets.transfers() if str(t.get("end_to_end_id", "")).startswith(
        "RF-ERP-")]


def test_first_run_pays_nothing_a_person_must_see_first(home: RefundsHome,
                                                         refund_targets: Targets) -> None:
    changed = _as_clerk(refund_targets, "/ar/bank-details/C1005", holder="Elbe Pharma AG",
                        iban=NEW_IBAN, bic="")  # the clerk changes C1005's account today
    assert 'id="bd-saved"' in changed
    result = home.run()
    assert result["open_balances"] == 3 and result["queued"] == 3
    cases = _cases(home)
    assert set(cases) == {"REFUND_VERIFY_BANK_DETAILS", "REFUND_APPROVAL",
                          "REFUND_NO_BANK_DETAILS"}
    verify, approval, missing = (cases["REFUND_VERIFY_BANK_DETAILS"],
                                 cases["REFUND_APPROVAL"], cases["REFUND_NO_BANK_DETAILS"])
    assert (verify.customer_id, verify.amount, verify.reference) == (
        "C1005", Decimal("120.00"), "CM-2026-0042")
    assert verify.data["bank_details"]["iban"] == NEW_IBAN
    assert verify.data["bank_details"]["changed_by"] == "cashapp"
    assert (approval.customer_id, approval.amount) == ("C1004", Decimal("900.00"))
    assert (missing.customer_id, missing.data["bank_problem"]) == (
        "C1007", "no bank details on file")
    assert _refund_transfers(refund_targets) == []
    assert refund_targets.erp_truth()["balance_refunds"] == []


def test_decisions_need_a_second_person(home: RefundsHome, refund_targets: Targets) -> None:
    cases = _cases(home)
    verify, approval = cases["REFUND_VERIFY_BANK_DETAILS"], cases["REFUND_APPROVAL"]
    with pytest.raises(ValueError, match="changed these bank details"):
        resolve_case(home.store, verify.id, "cashapp", "verified",
                     {"iban": NEW_IBAN, "how": "I changed them myself"})
    resolve_case(home.store, verify.id, "vera", "verified",
                 {"iban": NEW_IBAN, "how": "called back Elbe Pharma's AP on the contract's "
                  "number"})

    asked = resolve_case(home.store, approval.id, "alice", "refund", {"note": "old CM"})
    assert asked.approval is not None and asked.work_item is None  # waits for a second person
    with pytest.raises(SelfApprovalError):
        home.store.decide_approval(asked.approval.id, "alice", ["approver"], True)
    home.store.decide_approval(asked.approval.id, "bob", ["approver"], True, "checked CM")

    # C1007: the clerk enters the bank details in the ERP; a second person verifies them
    entered = _as_clerk(refund_targets, "/ar/bank-details/C1007", holder="Granite Tools Inc.",
                        iban=C1007_IBAN, bic="")
    assert 'id="bd-saved"' in entered
    resolve_case(home.store, cases["REFUND_NO_BANK_DETAILS"].id, "vera", "verified",
                 {"iban": C1007_IBAN, "how": "called back on the number of the contract"})
    # ... and the run that carried it out stopped after the ERP's refund, before the bank
    balance = next(b for b in refund_targets.erp_truth()["credit_balances"]
                   if b["customer_id"] == "C1007")
    posted = _as_clerk(refund_targets, f"/ar/credit-balances/{balance['id']}/refund",
                       iban=C1007_IBAN, reference="FB-CM-2026-0051")
    assert 'id="refund-document">RF-ERP-' in posted


def test_decided_refunds_are_posted_and_paid_once(home: RefundsHome,
                                                  refund_targets: Targets) -> None:
    result = home.run()
    assert result["decisions_carried_out"] == 3
    refunds = {r["customer_id"]: r for r in refund_targets.erp_truth()["balance_refunds"]}
    assert {c: (r["amount"], r["iban"]) for c, r in refunds.items()} == {
        "C1005": ("120.00", NEW_IBAN), "C1004": ("900.00", OLD_C1004),
        "C1007": ("75.00", C1007_IBAN)}
    transfers = {t["end_to_end_id"]: t for t in _refund_transfers(refund_targets)}
    assert {e2e: (Decimal(str(t["amount"])), t["creditor_iban"]) for e2e, t in
            transfers.items()} == {
        refunds["C1005"]["number"]: (Decimal("120.00"), NEW_IBAN),
        refunds["C1004"]["number"]: (Decimal("900.00"), OLD_C1004),
        refunds["C1007"]["number"]: (Decimal("75.00"), C1007_IBAN)}
    for case in home.store.list_cases():
        assert case.status == "resolved", (case.reason_code, case.status)
        number = refunds[str(case.customer_id)]["number"]
        bank_ref = transfers[number]["bank_reference"]
        assert number in str(case.resolution) and str(bank_ref) in str(case.resolution)


def test_rerun_issues_nothing_twice(home: RefundsHome, refund_targets: Targets) -> None:
    before_cases = len(home.store.list_cases())
    result = home.run()
    assert result["queued"] == 0 and result["handled"] == 0
    assert len(refund_targets.erp_truth()["balance_refunds"]) == 3
    assert len(_refund_transfers(refund_targets)) == 3
    assert len(home.store.list_cases()) == before_cases
    assert [b for b in refund_targets.erp_truth()["credit_balances"]
            if b["status"] == "open"] == []


def test_audit_and_finance_events(home: RefundsHome) -> None:
    from bots.runtime.finance_events import FINANCE_EVENT

    paid = home.store.find_records(FINANCE_EVENT, where={"type": "refund_paid"})
    assert sorted(r.customer_id for r in paid) == ["C1004", "C1005", "C1007"]
    audits = home.store.list_audit(action="refund.pay")
    assert sorted(a.details["customer_id"] for a in audits) == ["C1004", "C1005", "C1007"]
    c1004 = next(a for a in audits if a.details["customer_id"] == "C1004")
    assert (c1004.details["requested_by"], c1004.details["approved_by"]) == ("alice", "bob")
