"""BAI2 (cash management balance reporting) writer.

One file, one group (02), one account (03 with 010 opening and 015 closing ledger, an 88
continuation with the 100/400 credit and debit summaries), a 16 record per entry. Amounts
are in cents. The 16 text is a SWIFT keyword narrative, ``/NAME/<payer>/IBAN/<iban>/EREF/<id>``
then ``/REMI/STRD/SCOR/ISO/<RF>`` for a creditor reference or ``/REMI/USTD//<text>``
(keys left out when empty); the bank reference and end-to-end id are also the 16 record's
bank and customer reference fields.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.bank.formats import BookedEntry, DayStatement

SENDER = "SANDBOXBANK"
CREDIT_CODE, DEBIT_CODE = "195", "698"  # incoming money transfer / miscellaneous fees


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def _text(e: BookedEntry) -> str:
    if e.creditor_reference and not e.remittance_text:
        remittance = f"STRD/SCOR/ISO/{e.creditor_reference}"
    else:
        text = " ".join(p for p in (e.remittance_text, e.creditor_reference) if p)
        remittance = f"USTD//{text}" if text else ""
    parts = (("NAME", e.counterparty_name), ("IBAN", e.counterparty_iban),
             ("EREF", e.end_to_end_id), ("REMI", remittance))
    return "".join(f"/{key}/{value}" for key, value in parts if value)


def _detail(e: BookedEntry) -> tuple[str, int]:
    code = CREDIT_CODE if e.credit else DEBIT_CODE
    cents = _cents(e.amount)
    record = f"16,{code},{cents},0,{e.bank_reference},{e.end_to_end_id or ''},{_text(e)}"
    return record, cents


def write_bai2(st: DayStatement) -> bytes:
    day, hhmm = f"{st.date:%y%m%d}", f"{st.created_at:%H%M}"
    receiver = st.owner.upper().replace(" ", "")[:15]
    opening, closing = _cents(st.opening), _cents(st.closing)
    credits = sum((_cents(e.amount) for e in st.credits), 0)
    debits = sum((_cents(e.amount) for e in st.debits), 0)
    account = [
        f"03,{st.iban},{st.currency},010,{opening},,,015,{closing},,/",
        f"88,100,{credits},{len(st.credits)},0,400,{debits},{len(st.debits)},0/",
    ]
    control = opening + closing + credits + debits
    for entry in st.entries:
        record, cents = _detail(entry)
        account.append(record)
        control += cents
    account.append(f"49,{control},{len(account) + 1}/")
    group = [f"02,{receiver},{SENDER},1,{day},{hhmm},{st.currency},2/", *account]
    group.append(f"98,{control},1,{len(group) + 1}/")
    lines = [f"01,{SENDER},{receiver},{day},{hhmm},{st.sequence},,,2/", *group]
    lines.append(f"99,{control},1,{len(lines) + 1}/")
    return ("\n".join(lines) + "\n").encode("ascii", "replace")
