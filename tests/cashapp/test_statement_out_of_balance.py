"""The payment-posting intake on the orchestrator's store: every statement of a file is taken
in on its own; one whose balances do not add up becomes one reconciliation case, survives
reruns without posting anything, and is taken in (or quarantined) only after a person
decides."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from statement_files import day_statement, mt940_file, payment, read_several  # noqa: F401

from bots.cashapp.matching import MatchingConfig
from bots.payment_posting import BOT
from bots.payment_posting.intake import QUEUE, produce
from bots.payment_posting.statement_review import REVIEW_QUEUE
from bots.runtime import RunContext
from orchestrator.bot_backend import StoreBackend
from orchestrator.services.resolutions import resolve_case
from orchestrator.store import Store

MON, TUE = dt.date(2026, 11, 23), dt.date(2026, 11, 24)
OPEN_ITEMS = ("invoice_number,customer_id,customer_name,customer_iban,amount_open,currency,"
              "due_date\nINV-2026-1001,C1001,ACME INDUSTRIAL GMBH,DE89370400440532013000,"
              "1190.00,EUR,2026-12-01\n")
pytestmark = pytest.mark.usefixtures("read_several")


class NoBank:
    def download_statement(self, day: dt.date, fmt: str) -> Path:
        raise AssertionError("the statement file is given")


class OpenItemsErp:
    def __init__(self, folder: Path) -> None:
        self.folder, self.exports = folder, 0

    def export_open_items(self) -> Path:
        self.exports += 1
        path = self.folder / f"open-items-{self.exports}.csv"
        path.write_text(OPEN_ITEMS, encoding="utf-8")
        return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    s.approval_threshold = Decimal("100.00")
    try:
        yield s
    finally:
        s.close()


def intake(store: Store, tmp_path: Path, path: Path) -> dict[str, Any]:
    """One intake run of the bot on ``path``, as the orchestrator runs it."""
    run = store.start_run(BOT.name, {"phase": "intake"})
    with RunContext(run.id, tmp_path / "runs" / str(run.id), store=store, bot=BOT,
                    backend=StoreBackend(store, BOT.name)) as ctx:
        return produce(ctx, ctx.queue(QUEUE), statement_file=path, day=TUE, fmt="mt940",
                       bank=NoBank(), erp=OpenItemsErp(tmp_path),  # type: ignore[arg-type]
                       config=MatchingConfig(), quarantine_dir=tmp_path / "quarantine")


def queued(store: Store) -> list[str]:
    return sorted(i.reference for i in store.list_items(QUEUE) if i.state != "retried")


def two_days(path: Path, *, skew: str) -> Path:
    monday = day_statement(MON, 321, [payment("NWB-MON-1", "1190.00", "ACME INDUSTRIAL GMBH",
                                              "RF79INV20261001", MON),
                                      payment("NWB-MON-2", "250.00", "FJORD", "INV-2", MON)])
    tuesday = day_statement(TUE, 322, [payment("NWB-TUE-1", "99.95", "GRANITE", "INV-3", TUE),
                                       payment("NWB-TUE-2", "10.00", "ACME", "INV-4", TUE)],
                            opening=str(monday.closing), skew=skew)
    return mt940_file(path, monday, tuesday)


def test_a_statement_out_of_balance_waits_for_a_person_then_is_taken_in(
        store: Store, tmp_path: Path) -> None:
    path = two_days(tmp_path / "two.sta", skew="12.34")
    first = intake(store, tmp_path, path)
    assert first["statements"] == 2 and first["out_of_balance"] == 1
    assert queued(store) == ["NWB-MON-1", "NWB-MON-2"]  # Monday adds up: taken in

    [case] = store.list_cases(reason_code="STATEMENT_OUT_OF_BALANCE")
    assert case.status == "open" and case.amount == Decimal("12.34")
    payload = case.data["payload"]
    assert payload["balance"] == {
        "opening": "251440.00", "closing": "251562.29", "entries_sum": "109.95",
        "expected_closing": "251549.95", "difference": "12.34"}
    assert [(e["reference"], e["amount"], e["counterparty"]) for e in payload["entries"]] == [
        ("NWB-TUE-1", "99.95", "GRANITE"), ("NWB-TUE-2", "10.00", "ACME")]
    assert payload["statement"]["statement_id"] == "STMT26112400322"
    assert "difference 12.34" in case.summary

    for _ in range(2):  # reruns: no second case, nothing of Tuesday posted
        again = intake(store, tmp_path, path)
        assert again["new_items"] == 0 and again["already_imported"] == 1
        assert len(store.list_cases(reason_code="STATEMENT_OUT_OF_BALANCE")) == 1
        assert queued(store) == ["NWB-MON-1", "NWB-MON-2"]

    outcome = resolve_case(store, case.id, "ana", "accept_statement",
                           {"note": "the bank confirmed the entries"})
    assert outcome.approval is None and outcome.work_item is not None
    assert outcome.work_item.queue == REVIEW_QUEUE
    assert queued(store) == ["NWB-MON-1", "NWB-MON-2"]  # not before the bot's next run

    taken = intake(store, tmp_path, path)
    assert taken["statements_accepted"] == 1 and taken["new_items"] == 2
    assert queued(store) == ["NWB-MON-1", "NWB-MON-2", "NWB-TUE-1", "NWB-TUE-2"]
    done = store.get_case(case.id)
    assert done.status == "resolved" and done.resolved_by == "ana"
    assert "2 payments taken in" in store.case_events(case.id)[-1].text

    last = intake(store, tmp_path, path)
    assert last["already_imported"] == 2 and last["new_items"] == 0
    assert len(store.list_cases(reason_code="STATEMENT_OUT_OF_BALANCE")) == 1


def test_a_large_difference_is_accepted_only_with_a_second_person(
        store: Store, tmp_path: Path) -> None:
    path = two_days(tmp_path / "two.sta", skew="-500.00")
    intake(store, tmp_path, path)
    [case] = store.list_cases(reason_code="STATEMENT_OUT_OF_BALANCE")
    asked = resolve_case(store, case.id, "ana", "accept_statement", {})
    assert asked.approval is not None and asked.approval.amount == Decimal("500.00")
    assert intake(store, tmp_path, path)["new_items"] == 0  # waiting: nothing taken in
    store.decide_approval(asked.approval.id, "vera", ["approver"], True)
    assert intake(store, tmp_path, path)["new_items"] == 2
    assert store.get_case(case.id).status == "resolved"


def test_a_rejected_statement_is_quarantined_and_not_offered_again(
        store: Store, tmp_path: Path) -> None:
    path = two_days(tmp_path / "two.sta", skew="0.01")
    copy = tmp_path / "copy.sta"
    shutil.copy(path, copy)
    intake(store, tmp_path, path)
    [case] = store.list_cases(reason_code="STATEMENT_OUT_OF_BALANCE")
    with pytest.raises(ValueError, match="Note: required"):
        resolve_case(store, case.id, "ana", "reject_statement", {})
    resolve_case(store, case.id, "ana", "reject_statement",
                 {"note": "the bank sends a corrected statement"})

    result = intake(store, tmp_path, path)
    assert result["statements_rejected"] == 1 and result["new_items"] == 0
    assert not path.exists()
    reason = (tmp_path / "quarantine" / "two.sta.error.txt").read_text()
    assert "rejected by ana: the bank sends a corrected statement" in reason
    assert store.get_case(case.id).status == "resolved"

    again = intake(store, tmp_path, copy)  # the same file once more
    assert again["new_items"] == 0
    assert len(store.list_cases(reason_code="STATEMENT_OUT_OF_BALANCE")) == 1
    assert queued(store) == ["NWB-MON-1", "NWB-MON-2"]

    sent_again = intake(store, tmp_path, two_days(tmp_path / "again.sta", skew="0.02"))
    assert sent_again["new_items"] == 0  # other content, still out of balance: a new case
    cases = store.list_cases(reason_code="STATEMENT_OUT_OF_BALANCE")
    assert [c.status for c in cases] == ["resolved", "open"]
    assert cases[1].data["payload"]["balance"]["difference"] == "0.02"

    corrected = intake(store, tmp_path, two_days(tmp_path / "fixed.sta", skew="0"))
    assert corrected["new_items"] == 2
    assert queued(store) == ["NWB-MON-1", "NWB-MON-2", "NWB-TUE-1", "NWB-TUE-2"]
