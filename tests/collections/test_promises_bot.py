"""The replies and promises phase against the real legacy ERP sandbox in Chromium and the
real sandbox mail server (dovecot IMAP), with the ERP session expiring mid-run and the mail
server refusing connections for a while: the seeded replies read from the finance INBOX and
filed into folders, promises entered in the ERP (never twice, not the one the
collector entered already), already-paid and dispute replies noted, the unreadable reply
and the broken promise become the collector's cases with the mail attached; a rerun reads
and enters nothing twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from bots.collections import BOT
from bots.runtime import RunContext
from bots.runtime.mail import Mailbox, MailSettings
from bots.runtime.vault import Vault
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store
from sandbox.credentials import VAULT_ENTRIES
from sandbox.disputes_scenario import claims
from sandbox.erp.app import create_app
from sandbox.mail.accounts import FINANCE_PASSWORD
from sandbox.mail.addresses import CUSTOMER_DOMAIN, FINANCE_MAILBOX
from sandbox.mail.dovecot import DovecotError, find_dovecot
from sandbox.mail.replies import expected_replies
from sandbox.replies_check import compare_replies
from sandbox.scenario import STATEMENT_DATE, build_scenario
from sandbox.serve import serve_app


def ctx_free_mailbox(ports: dict[str, Any]) -> Mailbox:
    return Mailbox(MailSettings(ports["host"], ports["smtp_port"], ports["imap_port"],
                                FINANCE_MAILBOX, FINANCE_PASSWORD), name="check")


def _customer_of(address: str) -> str | None:
    local, _, domain = address.partition("@")
    return local[3:].upper() if domain == CUSTOMER_DOMAIN and local.startswith("ap.") else None


@pytest.fixture(scope="module")
def erp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        app = create_app(tmp_path_factory.mktemp("erp") / "erp.db", build_scenario())
    with serve_app(app) as url:
        yield url


@pytest.fixture(scope="module")
def mail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sandbox mail server, its finance INBOX seeded with the customers' replies."""
    try:
        find_dovecot()
    except DovecotError as exc:
        pytest.fail(str(exc))
    from sandbox.mail.app import create_app as create_mail_app

    app = create_mail_app(tmp_path_factory.mktemp("mail") / "mail", smtp_port=0, imap_port=0)
    try:
        with serve_app(app) as url:
            yield url
    finally:
        app.state.close()


@pytest.fixture(scope="module")
def world(mail: str, erp_url: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_HOME", str(home))
        mp.setenv("FINBOTS_MASTER_KEY", Fernet.generate_key().decode())
        mp.setenv("FINBOTS_LEGACY_ERP_URL", erp_url)
        mp.setenv("FINBOTS_TIMEOUT_MS", "10000")
        vault = Vault()
        vault.set("legacy_erp/collections", VAULT_ENTRIES["legacy_erp/collections"])
        ports = httpx.get(f"{mail}/_sandbox/ports", timeout=10).json()
        vault.set("mail/finance", {"host": ports["host"], "smtp_port": str(ports["smtp_port"]),
                                   "imap_port": str(ports["imap_port"]),
                                   "username": FINANCE_MAILBOX, "password": FINANCE_PASSWORD})
        store = Store(f"sqlite:///{home / 'finbots.db'}")
        store.register_bot(BOT.name, BOT.version, "", ())

        run_ids: list[int] = []

        def run() -> tuple[dict[str, int], dict[str, int]]:
            rec = store.start_run(BOT.name, {"phase": "replies"}, "host", 1)
            run_ids.append(int(rec.id or 0))
            with RunContext(rec.id, home / "runs" / str(rec.id), bot=BOT, store=store,
                            backend=StoreBackend(store, BOT.name), vault=vault,
                            args={"phase": "replies"}) as ctx:
                result = BOT.run(ctx)
            return result["replies"], result["promises"]

        before = (httpx.get(f"{erp_url}/_sandbox/truth", timeout=10).json(),
                  httpx.get(f"{mail}/_sandbox/truth", timeout=10).json())
        # the first run meets trouble: the ERP session expires every 7 requests and the
        # mail server refuses connections for its first seconds
        httpx.post(f"{erp_url}/_sandbox/faults", json={"session_expiry_requests": 7},
                   timeout=10).raise_for_status()
        httpx.post(f"{mail}/_sandbox/faults", json={"outage_s": 3}, timeout=10
                   ).raise_for_status()
        first = run()
        httpx.post(f"{erp_url}/_sandbox/faults", json={"clear": True}, timeout=10)
        truth_after_first = httpx.get(f"{erp_url}/_sandbox/truth", timeout=10).json()
        mail_after_first = httpx.get(f"{mail}/_sandbox/truth", timeout=10).json()
        second = run()
        folders = {f: len(ctx_free_mailbox(ports).messages(f))
                   for f in ("INBOX", "Processed", "Needs a person")}
        yield {"store": store, "folders": folders, "first": first, "second": second,
               "truth": truth_after_first, "mail": mail_after_first, "before": before,
               "run_ids": run_ids,
               "truth_again": httpx.get(f"{erp_url}/_sandbox/truth", timeout=10).json()}
        store.close()


def test_replies_are_read_filed_and_promises_entered_once(world: dict[str, Any]) -> None:
    read, _ = world["first"]
    expected = expected_replies()
    kinds: dict[str, int] = {}
    for e in expected:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    assert {k: v for k, v in read.items()} == {k: v for k, v in kinds.items()
                                               if k != "unreadable"}
    store: Store = world["store"]
    replies = {r.key: r.data["kind"] for r in store.find_records("customer_reply")}
    correct = sum(replies.get(e.message_id) == e.kind for e in expected)
    print(f"\nreplies read correctly: {correct} of {len(expected)}; sent to a person: "
          f"{sum(k == 'unreadable' for k in replies.values())}")
    assert correct == len(expected)
    # customers' dispute claims stay in the INBOX for the disputes bot
    assert world["folders"] == {"INBOX": len(claims("mail")),
                                "Processed": len(expected) - 1, "Needs a person": 1}

    promises = world["truth"]["promises"]
    by_ref = {p["reference"]: p for p in promises if p["reference"]}
    for e in expected:
        if e.kind != "promise" or e.customer_id in ("C2006", "C2007"):
            continue  # C2006 and C2007: the collector entered these promises already
        p = by_ref[e.message_id]
        assert (p["customer_id"], p["promised_date"], Decimal(p["amount"]), p["source"],
                p["invoices"]) == (
            e.customer_id, e.date.isoformat() if e.date else None, e.amount, "mail",
            ",".join(e.invoices))
    for cid in ("C2006", "C2007"):
        assert sum(p["customer_id"] == cid for p in promises) == 1  # not entered twice
    notes = [n for n in world["truth"]["collection_notes"]
             if n["reference"] in {e.message_id for e in expected}]
    assert {n["customer_id"] for n in notes} == {"C2008", "C2005"}  # paid, dispute
    assert {r.customer_id for r in store.find_records("collection_note")} == {"C2008", "C2005"}


def test_the_first_run_signed_on_again_and_waited_for_the_mail_server(
        world: dict[str, Any]) -> None:
    steps = world["store"].list_steps(world["run_ids"][0])
    sign_ons = [s for s in steps if s.selector == "login.submit"]
    assert len(sign_ons) > 1  # the ERP session expired mid-run and the bot signed on again
    reads = [s for s in steps if s.action == "mail.read"]
    assert reads and reads[0].outcome == "ok"


def test_unreadable_reply_and_broken_promise_become_cases_with_the_mail(
        world: dict[str, Any]) -> None:
    store: Store = world["store"]
    cases = {c.reason_code: c for c in store.list_cases()}
    unreadable = cases["UNREADABLE_REPLY"]
    assert unreadable.customer_id == "C1007"
    assert any(str(e).endswith(".eml") for e in unreadable.evidence)
    assert "part of it next week" in unreadable.data["text"]
    broken = cases["BROKEN_PROMISE"]
    assert broken.customer_id == "C2007" and broken.data["status"] == "broken"
    assert broken.amount == Decimal("2530.75")
    assert any(str(e).endswith(".eml") for e in broken.evidence)
    c2007 = [p for p in world["truth"]["promises"] if p["customer_id"] == "C2007"]
    assert [p["status"] for p in c2007] == ["broken"]
    record = store.find_records("promise_to_pay", customer_id="C2007")[0]
    assert record.data["status"] == "broken" and record.data["paid"] == "0.00"
    # the promises still ahead stay open
    ahead = store.find_records("promise_to_pay", where={"status": "open"})
    assert {r.customer_id for r in ahead} == {"C2001", "C2002", "C2006"}
    assert dt.date.fromisoformat(ahead[0].data["promised_date"]) > STATEMENT_DATE


def test_a_rerun_reads_and_enters_nothing_twice(world: dict[str, Any]) -> None:
    read, judged = world["second"]
    assert read == {} and judged == {}
    assert world["truth_again"]["promises"] == world["truth"]["promises"]
    assert world["truth_again"]["collection_notes"] == world["truth"]["collection_notes"]
    assert len([c for c in world["store"].list_cases()
                if c.reason_code in ("UNREADABLE_REPLY", "BROKEN_PROMISE")]) == 2


def test_sandbox_check_agrees_and_says_what_is_wrong(world: dict[str, Any]) -> None:
    assert compare_replies(*world["before"]) == []  # silent before the phase ran
    assert compare_replies(world["truth"], world["mail"]) == []
    doubled = dict(world["truth"])
    doubled["promises"] = [*doubled["promises"],
                           *[p for p in doubled["promises"] if p["customer_id"] == "C2002"]]
    assert any("C2002" in p and "2 time(s)" in p
               for p in compare_replies(doubled, world["mail"]))
