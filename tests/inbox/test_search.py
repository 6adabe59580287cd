"""The inbox search finds what people type: payer and customer names, remittance words,
invoice numbers and amounts however they are written (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from caseseed import candidate, seed_case

from orchestrator.store import Store
from orchestrator.store.case_query import CaseFilter
from orchestrator.store.case_search import case_search_text, search_terms
from orchestrator.store.models import ExceptionCase


def _found(store: Store, q: str) -> set[int]:
    page = store.search_cases(CaseFilter(q=q, status="all"), limit=500)
    return {c.id or 0 for c in page.cases}


@pytest.fixture
def cases(store: Store) -> dict[str, Any]:
    fjord = seed_case(store, amount="1234.56", payer="Fjord Marine AS",
                      text="Rechnung 1010 und 1011 Ersatzteile")
    elbe = seed_case(store, reason="UNMATCHED", amount="880.00", payer="Ålesund Müller GmbH",
                     text="Wartungsvertrag Q4", customer="C1002",
                     candidates=[candidate("INV-2026-1014", "800.00", "C1002")])
    with store._tx(write=True) as s:  # the customer's name, as the bot records it
        row = s.get(ExceptionCase, elbe.id)
        assert row is not None
        row.data = {**row.data, "customer": {"id": "C1002", "name": "Elbe Pharma GmbH"}}
        row.search_text = case_search_text(row)
        s.add(row)
    return {"fjord": fjord.id, "elbe": elbe.id}


def test_payer_customer_and_remittance_words_are_found(store: Store,
                                                       cases: dict[str, Any]) -> None:
    assert _found(store, "fjord") == {cases["fjord"]}
    assert _found(store, "FJORD marine") == {cases["fjord"]}
    assert _found(store, "ersatzteile") == {cases["fjord"]}
    assert _found(store, "elbe pharma") == {cases["elbe"]}
    assert _found(store, "wartungsvertrag") == {cases["elbe"]}


def test_accents_do_not_matter_and_every_word_must_be_there(
        store: Store, cases: dict[str, Any]) -> None:
    assert _found(store, "alesund muller") == {cases["elbe"]}
    assert _found(store, "Ålesund") == {cases["elbe"]}
    assert _found(store, "fjord wartungsvertrag") == set()
    assert _found(store, '"marine as"') == {cases["fjord"]}


def test_invoice_numbers_of_the_candidates_are_found(store: Store,
                                                     cases: dict[str, Any]) -> None:
    assert _found(store, "INV-2026-1014") == {cases["elbe"]}
    assert _found(store, "inv-2026-1011") == {cases["fjord"]}
    assert _found(store, "INV-2026") == {cases["fjord"], cases["elbe"]}


def test_an_amount_is_found_however_it_is_written(store: Store, cases: dict[str, Any]) -> None:
    for typed in ("1234.56", "1,234.56", "1234,56", "1.234,56"):
        assert _found(store, typed) == {cases["fjord"]}, typed


def test_a_search_neither_matches_everything_nor_breaks_on_like_wildcards(
        store: Store, cases: dict[str, Any]) -> None:
    assert _found(store, "%") == set()
    assert _found(store, "fjor_") == set()  # "_" is no wildcard
    assert _found(store, "880") == {cases["elbe"]}
    assert _found(store, "999.99") == set()


def test_typed_amounts_are_read_as_people_write_them() -> None:
    assert search_terms("1,234.56") == [["1234.56"]]
    assert search_terms("1.234,56") == [["1234.56"]]
    assert search_terms("1234,5") == [["1234.50"]]
    assert search_terms("1,234") == [["1234", "1.234"]]
    assert search_terms("12,345,678.90") == [["12345678.90"]]
    assert search_terms("INV-1,2") == [["inv-1,2"]]


def test_the_search_follows_cases_as_they_change(store: Store, cases: dict[str, Any]) -> None:
    with store._tx(write=True) as s:  # read again: the payer wrote other words
        row = s.get(ExceptionCase, cases["fjord"])
        assert row is not None
        row.data = {**row.data, "payload": {**row.data["payload"], "entry": {
            **row.data["payload"]["entry"], "remittance_text": "Hafenliegegeld November",
            "counterparty_name": "Tromso Havn KF"}}}
        row.search_text = case_search_text(row)
        s.add(row)
    assert _found(store, "hafenliegegeld") == {cases["fjord"]}
    assert _found(store, "ersatzteile") == set()
    assert _found(store, "kf havn") == {cases["fjord"]}  # a word shorter than 3 letters too
    with store._tx(write=True) as s:
        row = s.get(ExceptionCase, cases["elbe"])
        s.delete(row)
    assert _found(store, "wartungsvertrag") == set()
    assert _found(store, "INV-2026") == {cases["fjord"]}


def test_the_search_text_has_its_trigram_index(store: Store) -> None:
    from sqlalchemy import text

    from orchestrator.store.search_index import FTS_TABLE, PG_INDEX

    name, query = ((FTS_TABLE, "SELECT name FROM sqlite_master WHERE name = :n")
                   if store.dialect == "sqlite"
                   else (PG_INDEX, "SELECT indexname FROM pg_indexes WHERE indexname = :n"))
    with store._tx() as s:
        assert s.exec(text(query), params={"n": name}).all()  # type: ignore[call-overload]
