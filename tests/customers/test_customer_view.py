"""The customer view over what bots recorded: statuses derived, payments and how they were
applied, cases, promises, credit, timeline paging, freshness; search by every identifier,
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from customerseed import DAY, seed_customer
from storeharness import new_sqlite_store

from bots.runtime import Records
from bots.runtime.errors import NotFoundError
from bots.runtime.finance_events import record_finance_event
from orchestrator.services.customers import customer_view, search_customers, timeline
from orchestrator.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = new_sqlite_store(tmp_path / "store.db")
    else:
        s = Store(request.getfixturevalue("empty_pg_url"))
    yield s
    s.close()


def test_view_derives_statuses_and_shows_how_payments_were_applied(store: Store) -> None:
    case_id = seed_customer(store)
    store.set_case_status(case_id, "in_progress", owner="maria")
    view = customer_view(store, "C7001")
    assert view.name == "Nordlicht Werkzeuge GmbH"
    status = {i.number.removesuffix("-C7001"): i.status for i in view.invoices}
    assert status == {"INV-7001": "paid", "INV-7002": "partially paid",
                      "INV-7003": "disputed", "INV-7004": "open", "INV-7005": "on hold"}
    payments = {p.reference: p for p in view.payments}
    applied = payments["BR-C7001-1"]
    assert (applied.status, applied.document, applied.amount) == ("paid", "RC-7001",
                                                                  Decimal("1300.00"))
    assert "by the bot" in applied.how and "exact reference" in applied.how
    waiting = payments["BR-C7001-2"]
    assert waiting.status == "with a person" and waiting.case_id == case_id
    assert "owner maria" in waiting.how
    [case] = view.cases
    assert (case.id, case.owner, case.status) == (case_id, "maria", "in_progress")
    assert view.promises[0]["status"] == "open"
    assert view.credit is not None and view.credit["held_orders"][0]["order"] == "SO-77"
    assert view.freshness["invoices"].run_id == "41"
    assert view.freshness["credit"].bot == "credit"
    assert "by run 41" in view.freshness["identity"].describe(DAY)
    newest = [e.type for e in view.timeline.events]
    assert newest[0] == "dispute_opened" and len(newest) == view.timeline.total == 5


def test_timeline_pages_newest_first_and_bounds_are_checked(store: Store) -> None:
    records = Records(store, "payment-posting", "7")
    for n in range(12):
        record_finance_event(records, "reminder_sent", "C7100", f"R{n}",
                             occurred_at=DAY + dt.timedelta(days=n), summary=f"Reminder {n}.")
    first = timeline(store, "C7100", limit=5)
    second = timeline(store, "C7100", offset=10, limit=5)
    assert first.total == 12 and [e.summary for e in first.events][:2] == ["Reminder 11.",
                                                                          "Reminder 10."]
    assert [e.summary for e in second.events] == ["Reminder 1.", "Reminder 0."]
    with pytest.raises(ValueError, match="limit"):
        timeline(store, "C7100", limit=5000)


def test_a_customer_no_bot_recorded_is_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="C9999"):
        customer_view(store, "C9999")


@pytest.mark.parametrize(("typed", "found_by"), [
    ("nordlicht", "name"), ("Werkzeuge", "name"), ("Nordlicht Werkz", "name"),
    ("c7001", "number"), ("INV 7002 c7001", "invoice"), ("de44 5001 0517 7001", "iban"),
    ("BR-C7001-2", "reference"), ("rc-7001", "document"),
])
def test_search_finds_the_customer_by_every_identifier(store: Store, typed: str,
                                                       found_by: str) -> None:
    seed_customer(store)
    seed_customer(store, "C7002", "Sudwind Logistik AG")
    hits = search_customers(store, typed)
    assert hits and hits[0].customer_id == "C7001" and hits[0].found_by == found_by
    assert hits[0].name == "Nordlicht Werkzeuge GmbH"
    assert all(h.customer_id != "C7002" for h in hits)


def test_search_needs_two_characters_and_finds_nothing_else(store: Store) -> None:
    seed_customer(store)
    with pytest.raises(ValueError, match="at least 2"):
        search_customers(store, " -")
    assert search_customers(store, "zzz") == []
