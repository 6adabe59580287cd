"""MT940 (customer statement) writer in the German SEPA flavour.

Field ``:86:`` uses the structured subfields: ``?00`` booking text, ``?10`` prima nota,
``?20``..``?29`` the purpose (``EREF+`` end-to-end id, ``SVWZ+`` remittance text with the
RF creditor reference first), ``?30`` BIC, ``?31`` IBAN, ``?32``/``?33`` the name, each at
most 27 characters; lines are at most 65 characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt
    from decimal import Decimal

    from sandbox.bank.formats import BookedEntry, DayStatement

LINE = 65
SUB = 27


def _amount(value: Decimal) -> str:
    return f"{abs(value):.2f}".replace(".", ",")


def _balance(tag: str, value: Decimal, day: dt.date, ccy: str) -> str:
    return f":{tag}:{'C' if value >= 0 else 'D'}{day:%y%m%d}{ccy}{_amount(value)}"


def _chunks(text: str, size: int = SUB) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def _clean(text: str) -> str:
    """The SWIFT X character set has no ``?`` (subfield marker) nor line breaks."""
    return " ".join(text.replace("?", ".").split())


def _details(e: BookedEntry) -> str:
    gvc, posting = ("166", "GUTSCHR. UEBERWEISUNG") if e.credit else ("805", "ENTGELT")
    fields = [f"{gvc}?00{posting}", "?109310"]
    purpose: list[str] = []
    if e.end_to_end_id:
        purpose += _chunks(f"EREF+{_clean(e.end_to_end_id)}")
    svwz = " ".join(p for p in (e.creditor_reference, _clean(e.remittance_text)) if p)
    if svwz:
        purpose += _chunks(f"SVWZ+{svwz}")
    fields += [f"?{20 + i}{chunk}" for i, chunk in enumerate(purpose[:10])]
    if e.counterparty_iban:
        fields.append(f"?31{e.counterparty_iban}")
    name = _chunks(_clean(e.counterparty_name))[:2]
    fields += [f"?{32 + i}{part}" for i, part in enumerate(name)]
    lines: list[str] = [":86:"]
    for field in fields:  # break lines only between subfields
        if len(lines[-1]) + len(field) > LINE:
            lines.append("")
        lines[-1] += field
    return "\n".join(lines)


def _line61(e: BookedEntry, ccy: str) -> str:
    mark = "C" if e.credit else "D"
    own_ref = (e.end_to_end_id or "NONREF")[:16]
    return (f":61:{e.value_date:%y%m%d}{e.booking_date:%m%d}{mark}{ccy[-1]}"
            f"{_amount(e.amount)}NTRF{own_ref}//{e.bank_reference[:16]}")


def write_mt940(st: DayStatement) -> bytes:
    lines = [
        f":20:STMT{st.date:%y%m%d}{st.sequence:05d}",
        f":25:{st.iban}",
        f":28C:{st.sequence:05d}/001",
        _balance("60F", st.opening, st.date, st.currency),
    ]
    for entry in st.entries:
        lines += [_line61(entry, st.currency), _details(entry)]
    lines += [_balance("62F", st.closing, st.date, st.currency),
              _balance("64", st.closing, st.date, st.currency), "-"]
    return ("\r\n".join("\r\n".join(x.split("\n")) for x in lines) + "\r\n").encode("latin-1")
