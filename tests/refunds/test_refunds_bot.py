"""The refunds bot against a real ERP and bank (served on free ports) with a real store:
C1005's bank details changed today hold its 120.00 until a second person verified them,
then one ERP refund document and one transfer; C1004's 900.00 waits for a second person's
approval and is paid after it; C1007 has no bank details: a case. A rerun issues nothing
twice."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

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


def _cases(home: RefundsHome) -> dict[str, object]:
    return {c.reason_code: c for c in home.store.list_cases()}


def _refund_transfers(targets: Targets) -> list[dict[str, object]]:
    return [t for t in targets.transfers() if str(t.get("end_to_end_id", "")).startswith(
        "RF-ERP-")]


def test_first_run_pays_nothing_a_person_must_see_first(home: RefundsHome,
                                                         refund_targets: Targets) -> None:
    erp = refund_targets.erp()  # the clerk changes C1005's account today
    try:
        changed = erp.post("/ar/bank-details/C1005", data={
            "holder": "Elbe Pharma AG", "iban": NEW_IBAN, "bic": ""})
        assert 'id="bd-saved"' in changed.text
    finally:
        erp.close()
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


def test_decisions_need_a_second_person(home: RefundsHome) -> None:
    cases = _cases(home)
    verify, approval = cases["REFUND_VERIFY_BANK_DETAILS"], cases["REFUND_APPROVAL"]
    with pytest.raises(ValueError, match="changed these bank details"):
        resolve_case(home.store, verify.id, "cashapp", "verified",
                     {"how": "I changed them myself"})
    resolve_case(home.store, verify.id, "vera", "verified",
                 {"how": "called back Elbe Pharma's AP on the contract's number"})

    asked = resolve_case(home.store, approval.id, "alice", "refund", {"note": "old CM"})
    assert asked.approval is not None and asked.work_item is None  # waits for a second person
    with pytest.raises(SelfApprovalError):
        home.store.decide_approval(asked.approval.id, "alice", ["approver"], True)
    home.store.decide_approval(asked.approval.id, "bob", ["approver"], True, "checked CM")


def test_decided_refunds_are_posted_and_paid_once(home: RefundsHome,
                                                  refund_targets: Targets) -> None:
    result = home.run()
    assert result["decisions_carried_out"] == 2
    refunds = {r["customer_id"]: r for r in refund_targets.erp_truth()["balance_refunds"]}
    assert {c: (r["amount"], r["iban"]) for c, r in refunds.items()} == {
        "C1005": ("120.00", NEW_IBAN), "C1004": ("900.00", OLD_C1004)}
    transfers = {t["end_to_end_id"]: t for t in _refund_transfers(refund_targets)}
    assert {e2e: (Decimal(str(t["amount"])), t["creditor_iban"]) for e2e, t in
            transfers.items()} == {refunds["C1005"]["number"]: (Decimal("120.00"), NEW_IBAN),
                                   refunds["C1004"]["number"]: (Decimal("900.00"),
                                                                OLD_C1004)}
    cases = _cases(home)
    for reason, customer in (("REFUND_VERIFY_BANK_DETAILS", "C1005"),
                             ("REFUND_APPROVAL", "C1004")):
        case = home.store.get_case(cases[reason].id)
        assert case.status == "resolved", (reason, case.status)
        number = refunds[customer]["number"]
        bank_ref = next(t["bank_reference"] for e, t in transfers.items() if e == number)
        assert number in str(case.resolution) and str(bank_ref) in str(case.resolution)
    assert home.store.get_case(cases["REFUND_NO_BANK_DETAILS"].id).status == "open"


def test_rerun_issues_nothing_twice(home: RefundsHome, refund_targets: Targets) -> None:
    before_cases = len(home.store.list_cases())
    result = home.run()
    assert result["queued"] == 0 and result["handled"] == 0
    assert len(refund_targets.erp_truth()["balance_refunds"]) == 2
    assert len(_refund_transfers(refund_targets)) == 2
    assert len(home.store.list_cases()) == before_cases
    open_balances = [b["customer_id"] for b in refund_targets.erp_truth()["credit_balances"]
                     if b["status"] == "open"]
    assert open_balances == ["C1007"]


def test_audit_and_finance_events(home: RefundsHome) -> None:
    from bots.runtime.finance_events import FINANCE_EVENT

    paid = home.store.find_records(FINANCE_EVENT, where={"type": "refund_paid"})
    assert sorted(r.customer_id for r in paid) == ["C1004", "C1005"]
    audits = home.store.list_audit(action="refund.pay")
    assert sorted(a.details["customer_id"] for a in audits) == ["C1004", "C1005"]
    c1004 = next(a for a in audits if a.details["customer_id"] == "C1004")
    assert (c1004.details["requested_by"], c1004.details["approved_by"]) == ("alice", "bob")
