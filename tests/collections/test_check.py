"""``finbots sandbox check`` on the dunning month: silent before the bot ran; after, every
difference from the expected reminders named (missing, twice, to a customer the month
skips, without the statement, no dunning block)."""

from __future__ import annotations

from typing import Any

from sandbox.collections_check import compare_collections
from sandbox.collections_scenario import build_month
from sandbox.mail.addresses import FINANCE_MAILBOX, customer_mailbox
from sandbox.scenario import build_scenario

SCENARIO = build_scenario()
MONTH = build_month(SCENARIO)


def _message(folder: str, ref: str, level: int) -> dict[str, Any]:
    return {"folder": folder, "headers": {"X-Finbots-Reference": ref},
            "attachments": ["statement.pdf"] if level >= 2 else []}


def _done() -> tuple[dict[str, Any], dict[str, Any]]:
    """The truths a correct run leaves."""
    notes = [{"reference": r.reference, "note_type": "reminder", "customer_id": r.customer_id}
             for r in MONTH.reminders]
    erp = {"collection_notes": notes,
           "customer_master": [{"customer_id": c, "dunning_block": 1}
                               for c in MONTH.dunning_blocks_set]}
    boxes: dict[str, list[dict[str, Any]]] = {FINANCE_MAILBOX: []}
    for r in MONTH.reminders:
        boxes.setdefault(r.to, []).append(_message("INBOX", r.reference, r.level))
        boxes[FINANCE_MAILBOX].append(_message("Sent", r.reference, r.level))
    return erp, {"mailboxes": boxes}


def test_silent_before_the_run_and_clean_after_a_correct_one() -> None:
    assert compare_collections({"collection_notes": []}, {"mailboxes": {}}, SCENARIO) == []
    erp, mail = _done()
    assert compare_collections(erp, mail, SCENARIO) == []


def test_every_difference_is_named() -> None:
    erp, mail = _done()
    first = MONTH.reminders[0]
    level2 = next(r for r in MONTH.reminders if r.level == 2)
    erp["collection_notes"].append(dict(erp["collection_notes"][0]))  # noted twice
    erp["collection_notes"].append({"reference": "DUN-C2006-L2-20261120",
                                    "note_type": "reminder", "customer_id": "C2006"})
    erp["customer_master"] = []
    mail["mailboxes"][customer_mailbox("C2010")] = [
        _message("INBOX", "DUN-C2010-L2-20261120", 2)]
    mail["mailboxes"][FINANCE_MAILBOX].append(_message("Sent", "DUN-C2010-L2-20261120", 2))
    mail["mailboxes"][level2.to] = [_message("INBOX", level2.reference, 1)]
    problems = compare_collections(erp, mail, SCENARIO)
    assert f"{first.reference}: noted 2 time(s) in the ERP, expected once" in problems
    assert any("DUN-C2006" in p and "PROMISED" in p for p in problems)
    assert any("DUN-C2010" in p and "DISPUTED" in p for p in problems)
    assert f"mail: reminder {level2.reference} without the account statement (PDF)" in problems
    assert "C2003: not blocked from dunning after its final reminder" in problems


def test_a_promise_read_from_a_reply_before_dunning_means_no_reminder() -> None:
    """The day's order: replies first. A customer whose reply promised payment for every
    invoice of its reminder is not reminded; a reminder sent before the reply was read
    (its note exists) stays expected."""
    promised = next(r for r in MONTH.reminders if r.customer_id == "C2001")
    erp, mail = _done()
    erp["promises"] = [{"customer_id": "C2001", "invoices": ",".join(promised.invoices),
                        "source": "mail", "status": "open"}]
    assert compare_collections(erp, mail, SCENARIO) == []  # sent before the promise

    erp["collection_notes"] = [n for n in erp["collection_notes"]
                               if n["reference"] != promised.reference]
    mail["mailboxes"] = {box: [m for m in msgs if _message("", promised.reference, 0)["headers"]
                               != m["headers"]] for box, msgs in mail["mailboxes"].items()}
    assert compare_collections(erp, mail, SCENARIO) == []  # promised first: none expected

    erp["promises"][0]["status"] = "broken"  # a broken promise does not hold dunning back
    problems = compare_collections(erp, mail, SCENARIO)
    assert f"{promised.reference}: noted 0 time(s) in the ERP, expected once" in problems
