"""Contract with the sandbox bank: every statement file it offers parses into the scenario."""

from __future__ import annotations

import datetime as dt

import pytest

from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements import check_balance, parse_statement
from sandbox.scenario import Payment, build_scenario

formats = pytest.importorskip("sandbox.bank.formats")


def _statement_files(extra: int) -> tuple[list[Payment], dict[str, Statement]]:
    sc = build_scenario(extra_exact=extra)
    entries = tuple(formats.BookedEntry(
        p.amount, p.credit, sc.statement_date, sc.statement_date, p.bank_reference,
        p.end_to_end_id, p.counterparty_name, p.counterparty_iban, p.creditor_reference,
        p.remittance_text) for p in sc.payments)
    day = formats.DayStatement(sc.company_iban, sc.company_name, sc.currency, "NWBKDEFFXXX",
                               sc.statement_date, 318, sc.opening_balance, entries,
                               dt.datetime(2026, 11, 20, 18, tzinfo=dt.UTC))
    parsed = {}
    for key in formats.FORMATS:
        data, name, _ = formats.render(key, day)
        parsed[key] = parse_statement(data, source=name)
    return sc.payments, parsed


def _expected(p: Payment) -> tuple[object, ...]:
    way = Direction.CREDIT if p.credit else Direction.DEBIT
    return (p.amount, way, p.bank_reference, p.end_to_end_id, p.counterparty_name,
            p.counterparty_iban, p.creditor_reference, p.remittance_text)


def _view(e: StatementEntry) -> tuple[object, ...]:
    return (e.amount, e.direction, e.bank_reference, e.end_to_end_id, e.counterparty_name,
            e.counterparty_iban, e.creditor_reference, e.remittance_text)


@pytest.mark.parametrize("extra", [0, 25])
def test_every_sandbox_format_reads_as_the_scenario(extra: int) -> None:
    payments, parsed = _statement_files(extra)
    assert set(parsed) >= {"camt053", "mt940", "bai2", "csv"}
    for key, statement in parsed.items():
        check_balance(statement)
        assert [_view(e) for e in statement.entries] == [_expected(p) for p in payments], key
    ids = {key: [e.entry_id for e in s.entries] for key, s in parsed.items()}
    assert len({tuple(v) for v in ids.values()}) == 1, ids
