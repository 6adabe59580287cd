"""SWIFT MT940 customer statements, read with the ``mt-940`` library.

Field 86 is mapped whether it is SEPA-structured (``?20``..``?29`` purpose, ``?31`` IBAN,
``?32``/``?33`` name, ``EREF+``/``SVWZ+`` keywords), a SWIFT keyword narrative
(``/EREF/``, ``/NAME/``, ``/REMI/``) or free text.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import mt940

from bots.cashapp.identifiers import compact, is_valid_iban
from bots.cashapp.model import Direction, Statement, StatementEntry
from bots.cashapp.statements.money import check_currency, check_decimals
from bots.cashapp.statements.mt940_fields import check_shapes, check_tags, details_of, tag_lines
from bots.cashapp.statements.narrative import reference
from bots.cashapp.statements.text import decode
from bots.runtime.errors import StatementParseError

_OPTIONS = mt940.Options.all()
_ENVELOPE = re.compile(r"^\{1:[^}]*\}(?:\{2:[^}]*\})?(?:\{3:(?:\{[^}]*\})*\})?\{4:", re.M)
_CREDIT_MARKS = {"C": Direction.CREDIT, "RD": Direction.CREDIT,
                 "D": Direction.DEBIT, "RC": Direction.DEBIT}


class _TagFailure(Exception):
    def __init__(self, line_index: int, tag: str, cause: Exception) -> None:
        super().__init__(tag)
        self.line_index, self.tag, self.cause = line_index, tag, cause


class _Transactions(mt940.models.Transactions):
    """Remembers where in the text a tag failed, so the error can name the line."""

    def _process_match(self, match: re.Match[str], i: int, valid_matches: list[re.Match[str]],
                       data: str) -> None:
        try:
            super()._process_match(match, i, valid_matches, data)
        except (RuntimeError, ValueError, ArithmeticError, KeyError, TypeError) as exc:
            raise _TagFailure(data.count("\n", 0, match.start()), match.group("full_tag"),
                              exc) from exc


def unwrap(text: str) -> str:
    """The text block 4 of a SWIFT message, line numbers kept; plain MT940 unchanged."""
    match = _ENVELOPE.search(text)
    if not match:
        return text
    head = "\n" * text.count("\n", 0, match.end())
    body = text[match.end():]
    end = body.find("\n-}")
    return head + (body[:end] if end >= 0 else body)


def _kept_lines(text: str) -> list[int]:
    """Line numbers of the lines the library keeps (it drops blank and ``-`` lines)."""
    return [no for no, raw in enumerate(text.split("\n"), start=1)
            if raw.replace("\r", "").strip() not in ("", "-")]


def parse_mt940(data: bytes, *, source: str = "") -> Statement:
    text = unwrap(decode(data, "utf-8", file=source))
    tags = tag_lines(text)
    starts = [line for tag, line in tags if tag == "20"]
    last = f"line {max(1, text.rstrip().count(chr(10)) + 1)}"
    if len(starts) != 1:
        found = "no :20: field" if not starts else f"{len(starts)} statements (:20: fields)"
        raise StatementParseError(f"expected one statement, found {found}", file=source,
                                  location=f"line {starts[1]}" if len(starts) > 1 else last)
    check_tags(text, source)
    check_shapes(text, tags, source)
    result = _Transactions(options=_OPTIONS)
    try:
        result.parse(text)
    except _TagFailure as exc:
        line = _kept_lines(text)[exc.line_index]
        raise StatementParseError(f"malformed field :{exc.tag}:", file=source,
                                  location=f"line {line}") from exc
    except (RuntimeError, ValueError, ArithmeticError, KeyError, TypeError) as exc:
        raise StatementParseError(f"unreadable MT940: {exc}", file=source) from exc
    info: dict[str, Any] = result.data
    opening = info.get("final_opening_balance") or info.get("intermediate_opening_balance")
    closing = info.get("final_closing_balance") or info.get("intermediate_closing_balance")
    for field, value in (("25", info.get("account_identification")), ("60F", opening),
                         ("62F", closing)):
        if not value:
            raise StatementParseError(f"missing field :{field}: (truncated file?)",
                                      file=source, location=last)
    lines61 = [line for tag, line in tags if tag == "61"]
    currency = check_currency(str(opening.amount.currency or ""), file=source,
                              location=_line_of(tags, "60"))
    for balance, tag in ((opening, "60"), (closing, "62")):
        check_decimals(abs(balance.amount.amount), currency, file=source,
                       location=_line_of(tags, tag))
    entries = tuple(_entry(t.data, n, currency, source, f"line {lines61[n - 1]}")
                    for n, t in enumerate(result.transactions, start=1))
    return Statement(
        format="mt940",
        statement_id=_raw(text, tags, "20") or "",
        sequence=_raw(text, tags, "28C") or _raw(text, tags, "28"),
        account_iban=_account(str(info["account_identification"])),
        currency=currency,
        opening_balance=opening.amount.amount,
        closing_balance=closing.amount.amount,
        created_at=None,
        from_date=_date(opening.date),
        to_date=_date(closing.date),
        entries=entries,
        source=source,
    )


def _line_of(tags: list[tuple[str, int]], prefix: str) -> str:
    return next((f"line {line}" for tag, line in tags if tag.startswith(prefix)), "line 1")


def _raw(text: str, tags: list[tuple[str, int]], name: str) -> str | None:
    line = next((line for tag, line in tags if tag == name), None)
    if line is None:
        return None
    return text.split("\n")[line - 1].split(":", 2)[2].strip() or None


def _account(value: str) -> str:
    """``:25:`` is an IBAN, ``BIC/IBAN`` or ``bank code/account``."""
    value = value.strip()
    last = value.rsplit("/", 1)[-1].strip()
    return compact(last) if is_valid_iban(last) else value


def _date(value: dt.date) -> dt.date:
    return dt.date(value.year, value.month, value.day)


def _entry(t: dict[str, Any], n: int, currency: str, source: str,
           where: str) -> StatementEntry:
    amount: Decimal = abs(t["amount"].amount)
    check_decimals(amount, currency, file=source, location=where)
    way = _CREDIT_MARKS.get(str(t.get("status", "")).upper())
    if way is None:
        raise StatementParseError(f"unknown debit/credit mark {t.get('status')!r}",
                                  file=source, location=where)
    bank_ref = reference(t.get("bank_reference"))
    customer_ref = reference(t.get("customer_reference"))
    details = details_of(t)
    return StatementEntry(
        entry_id=f"{n}-1", amount=amount, currency=currency, direction=way,
        booking_date=_date(t.get("entry_date") or t["date"]), value_date=_date(t["date"]),
        bank_reference=bank_ref or customer_ref or f"{n}-1",
        end_to_end_id=details.end_to_end_id or customer_ref,
        counterparty_name=details.name, counterparty_iban=details.iban,
        creditor_reference=details.creditor_reference, remittance_text=details.text,
    )


def parse_mt940_statements(data: bytes, *, source: str = "") -> list[Statement]:
    """Every statement in ``data``, in file order (today: the file's one statement)."""
    return [parse_mt940(data, source=source)]
