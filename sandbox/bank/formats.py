"""Statement files the sandbox bank offers for download, built from its booked entries.

One writer per format (``fmt_camt``, ``fmt_mt940``, ``fmt_bai2``, and CSV here);
:func:`render` picks the writer and returns the bytes, a bank-style file name and the
media type. Every writer states the opening balance, the entries and the closing balance
(opening + credits - debits).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["FORMATS", "BookedEntry", "DayStatement", "render"]


@dataclass(frozen=True)
class BookedEntry:
    amount: Decimal  # positive
    credit: bool
    booking_date: dt.date
    value_date: dt.date
    bank_reference: str
    end_to_end_id: str | None
    counterparty_name: str
    counterparty_iban: str | None
    creditor_reference: str | None
    remittance_text: str

    @property
    def direction(self) -> str:
        return "CRDT" if self.credit else "DBIT"

    @property
    def signed(self) -> Decimal:
        return self.amount if self.credit else -self.amount


@dataclass(frozen=True)
class DayStatement:
    """One account's statement for one booking day."""

    iban: str
    owner: str
    currency: str
    bic: str
    date: dt.date
    sequence: int  # electronic sequence number (counts statements of the year)
    opening: Decimal
    entries: tuple[BookedEntry, ...]
    created_at: dt.datetime

    @property
    def closing(self) -> Decimal:
        return self.opening + sum((e.signed for e in self.entries), Decimal("0"))

    @property
    def statement_id(self) -> str:
        return f"{self.iban}-{self.date:%Y%m%d}"

    @property
    def credits(self) -> tuple[BookedEntry, ...]:
        return tuple(e for e in self.entries if e.credit)

    @property
    def debits(self) -> tuple[BookedEntry, ...]:
        return tuple(e for e in self.entries if not e.credit)


CSV_HEADER = ("booking_date", "value_date", "amount", "currency", "direction",
              "bank_reference", "end_to_end_id", "counterparty_name", "counterparty_iban",
              "creditor_reference", "remittance_text")


def write_csv(st: DayStatement) -> bytes:
    """A flat CSV export: one row per entry, amount positive with a dot."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in st.entries:
        writer.writerow((
            e.booking_date.isoformat(), e.value_date.isoformat(), f"{e.amount:.2f}",
            st.currency, e.direction, e.bank_reference, e.end_to_end_id or "",
            e.counterparty_name, e.counterparty_iban or "", e.creditor_reference or "",
            e.remittance_text,
        ))
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Format:
    key: str  # the value in the download form
    label: str
    extension: str
    media_type: str
    writer: Callable[[DayStatement], bytes]


def _formats() -> dict[str, Format]:
    from sandbox.bank import fmt_bai2, fmt_camt, fmt_mt940

    return {f.key: f for f in (
        Format("camt053", "camt.053 (ISO 20022 XML)", "xml", "application/xml",
               fmt_camt.write_camt053),
        Format("mt940", "MT940 (SWIFT)", "sta", "text/plain", fmt_mt940.write_mt940),
        Format("bai2", "BAI2", "bai", "text/plain", fmt_bai2.write_bai2),
        Format("csv", "CSV", "csv", "text/csv", write_csv),
    )}


FORMATS: dict[str, Format] = _formats()


def render(fmt: str, st: DayStatement) -> tuple[bytes, str, str]:
    """(content, file name, media type) of ``st`` in format ``fmt`` (a FORMATS key)."""
    spec = FORMATS[fmt]
    name = f"STMT_{st.iban}_{st.date:%Y%m%d}.{spec.extension}"
    return spec.writer(st), name, spec.media_type
