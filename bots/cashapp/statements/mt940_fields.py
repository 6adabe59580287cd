"""The values of MT940/MT942 fields, read strictly; a field 86's payment details.

Amounts are checked against the SWIFT shapes before anything is read (a lenient reader
would take ``:61:261120C6l5,40NTRF`` for 6.00), digits are ASCII digits only. Field 86
is mapped whether it is SEPA-structured (``?20``..``?29`` and ``?60``..``?63`` purpose,
``?31`` IBAN, ``?32``/``?33`` name, ``EREF+``/``SVWZ+`` keywords; split by the ``mt-940``
library), Polish banks' ``~`` sub-fields (the same numbers, see ``_tilde_details``), a
SWIFT keyword narrative (``/EREF/``, ``/NAME/``, ``/REMI/``) or free text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import re
import warnings
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple

import mt940

from bots.cashapp.model import Direction
from bots.cashapp.statements.money import check_currency, parse_amount
from bots.cashapp.statements.mt940_messages import Field
from bots.cashapp.statements.narrative import (
    LINE_WIDTH,
    Details,
    join_wrapped,
    keyword_fields,
    parse_narrative,
    reference,
    without_reference,
)
from bots.cashapp.statements.text import clean_iban, find_rf, join_cut, squash
from bots.runtime.errors import StatementParseError

# The library reports what it could not match through logging (and may warn): that is
# never finbots' output. Its records go nowhere; finbots raises its own error instead.
_LIBRARY_LOG = logging.getLogger("mt940")
_LIBRARY_LOG.addHandler(logging.NullHandler())
_LIBRARY_LOG.propagate = False

_AMOUNT = r"[0-9]{1,14},[0-9]*"
_BALANCE = re.compile(rf"^(?P<mark>[CD])(?P<date>[0-9]{{6}})(?P<currency>[A-Z]{{3}})"
                      rf"(?P<amount>{_AMOUNT})$", re.ASCII)
_LINE = re.compile(rf"""^(?P<date>[0-9]{{6}})(?P<entry>[0-9]{{4}}|\s{{4}})?
    (?P<mark>[RrEe]?[CDcd])(?P<funds>[A-Z])?(?P<amount>{_AMOUNT})
    \s?(?P<type>[NSFnsf][A-Za-z0-9 ]{{3}})(?P<rest>.*)$""", re.ASCII | re.X | re.S)
_DATE_TIME = re.compile(r"^(?P<stamp>[0-9]{10})(?P<zone>[+-][0-9]{4})?$", re.ASCII)
_FLOOR = re.compile(rf"^(?P<currency>[A-Z]{{3}})(?P<mark>[CD]?)(?P<amount>{_AMOUNT})$",
                    re.ASCII)
_SUM = re.compile(rf"^(?P<count>[0-9]{{1,5}})(?P<currency>[A-Z]{{3}})(?P<amount>{_AMOUNT})$",
                  re.ASCII)
_NUMBER = re.compile(r"^[0-9]{1,5}(?:/[0-9]{1,5})?$", re.ASCII)
# EC/ED: an expected credit/debit of an MT942, not booked yet
_MARKS = {"C": Direction.CREDIT, "RD": Direction.CREDIT, "EC": Direction.CREDIT,
          "D": Direction.DEBIT, "RC": Direction.DEBIT, "ED": Direction.DEBIT}
_SHAPE_OF = {
    "60": "balance: C/D mark, date, currency, amount with decimal comma",
    "61": "statement line: date, C/D mark, amount with decimal comma, type code",
    "13D": "date and time YYMMDDhhmm with UTC offset",
    "34F": "floor limit: currency, optional C/D mark, amount with decimal comma",
    "90": "number of entries, currency, amount with decimal comma",
    "28C": "statement number[/sequence number]",
}


class Balance(NamedTuple):
    amount: Decimal  # negative when the balance is a debit
    date: dt.date
    currency: str


class Line(NamedTuple):
    """A ``:61:`` statement line."""

    value_date: dt.date
    booking_date: dt.date
    direction: Direction
    amount: Decimal
    customer_reference: str
    bank_reference: str
    expected: bool = False  # EC/ED (MT942): announced, not booked


def malformed(f: Field, shape: str, file: str) -> StatementParseError:
    value = f.lines[0].strip()
    return StatementParseError(f"malformed field :{f.tag}: (expected {_SHAPE_OF[shape]}): "
                               f"{value[:60]!r}", file=file, location=f"line {f.line}")


def _date(f: Field, text: str, shape: str, file: str) -> dt.date:
    year = int(text[:2])
    try:
        return dt.date(year + (2000 if year < 80 else 1900), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise malformed(f, shape, file) from None


def balance(f: Field, file: str, currency: str | None = None) -> Balance:
    match = _BALANCE.match(f.joined)
    if match is None:
        raise malformed(f, "60", file)
    code = check_currency(match["currency"], file=file, location=f"line {f.line}")
    if currency is not None and code != currency:
        raise StatementParseError(f"field :{f.tag}: is in {code}, the statement in {currency}",
                                  file=file, location=f"line {f.line}")
    amount = parse_amount(match["amount"], code, file=file, location=f"line {f.line}",
                          decimal_sep=",", exact_zeros=True)
    return Balance(-amount if match["mark"] == "D" else amount,
                   _date(f, match["date"], "60", file), code)


def statement_number(f: Field, file: str) -> str:
    """``:28C:`` as written (a wrapped one joined): ``00318/001``."""
    if not _NUMBER.match(f.joined):
        raise malformed(f, "28C", file)
    return f.joined


def statement_line(f: Field, currency: str, file: str) -> Line:
    """A ``:61:``: the customer reference may run past 16 characters and wrap onto the next
    line, or the bank reference stand on the next line; the type code may hold spaces."""
    match = _LINE.match(f.text)
    if match is None:
        raise malformed(f, "61", file)
    value_date = _date(f, match["date"], "61", file)
    booking = value_date
    if match["entry"] and match["entry"].strip():
        booking = _entry_date(f, value_date, match["entry"], file)
    amount = parse_amount(match["amount"], currency, file=file, location=f"line {f.line}",
                          decimal_sep=",", exact_zeros=True)
    customer, bank = _references(match["rest"])
    mark = match["mark"].upper()
    return Line(value_date, booking, _MARKS[mark], amount, customer, bank,
                expected=mark.startswith("E"))


def _entry_date(f: Field, value_date: dt.date, mmdd: str, file: str) -> dt.date:
    """The booking date MMDD in the year that puts it nearest the value date."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    years = (value_date.year, value_date.year - 1 if month > value_date.month else
             value_date.year + 1)
    found = []
    for year in years:
        with contextlib.suppress(ValueError):
            found.append(dt.date(year, month, day))
    if not found:
        raise malformed(f, "61", file)
    return min(found, key=lambda booked: abs((booked - value_date).days))


def _references(rest: str) -> tuple[str, str]:
    """(customer reference, bank reference) of what follows the type code."""
    first, *more = rest.split("\n")
    if "//" not in first and more and "//" in more[0] \
            and (more[0].startswith("//") or not more[0].startswith("/")):
        head, _, bank = more[0].partition("//")
        return (first + head).strip(), bank.strip()
    customer, _, bank = first.partition("//")
    return customer.strip(), bank.strip()


def date_time(f: Field, file: str) -> dt.datetime:
    """``:13D:`` (YYMMDDhhmm and UTC offset) as an aware UTC time."""
    match = _DATE_TIME.match(f.joined)
    if match is None:
        raise malformed(f, "13D", file)
    stamp, zone = match["stamp"], match["zone"] or "+0000"
    day = _date(f, stamp[:6], "13D", file)
    offset = dt.timedelta(hours=int(zone[1:3]), minutes=int(zone[3:]))
    try:
        local = dt.datetime(day.year, day.month, day.day, int(stamp[6:8]), int(stamp[8:]),
                            tzinfo=dt.timezone(-offset if zone[0] == "-" else offset))
    except ValueError:
        raise malformed(f, "13D", file) from None
    return local.astimezone(dt.UTC)


def floor_limit(f: Field, file: str) -> str:
    """The currency of a ``:34F:`` floor limit (its amount is checked, not used)."""
    match = _FLOOR.match(f.joined)
    if match is None:
        raise malformed(f, "34F", file)
    code = check_currency(match["currency"], file=file, location=f"line {f.line}")
    parse_amount(match["amount"], code, file=file, location=f"line {f.line}", decimal_sep=",")
    return code


def entry_sum(f: Field, currency: str, file: str) -> tuple[int, Decimal]:
    """(number of entries, their sum) of ``:90D:``/``:90C:``."""
    match = _SUM.match(f.joined)
    if match is None:
        raise malformed(f, "90", file)
    code = check_currency(match["currency"], file=file, location=f"line {f.line}")
    if code != currency:
        raise StatementParseError(f"field :{f.tag}: is in {code}, the statement in {currency}",
                                  file=file, location=f"line {f.line}")
    return int(match["count"]), parse_amount(match["amount"], code, file=file,
                                             location=f"line {f.line}", decimal_sep=",")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Whatever the library would print or warn is kept, not shown (around a whole file:
    entering this costs more than reading a field)."""
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        yield


_LIBRARY = mt940.models.Transactions(options=mt940.Options.all())
_TAG_86 = mt940.tags.TransactionDetails()
_FIRST_LINE_WITHOUT_TAG = LINE_WIDTH - len(":86:")

# German layout: "166?00SEPA-GUTSCHRIFT?20EREF+..?21SVWZ+..": a code, then "?NN" sub-fields.
_QUESTION_MARK_LAYOUT = re.compile(r"^[0-9]{3}\?[0-9]{2}", re.ASCII)
_QUESTION_MARK_FIELD = re.compile(r"\?([0-9]{2})", re.ASCII)
_PURPOSE_CONTINUED = frozenset({"60", "61", "62", "63"})

# Polish layout: "020~00VE02~20title~30bank~31account~32name~33name~38IBAN".
_TILDE_LAYOUT = re.compile(r"^[0-9]{3}~[0-9]{2}", re.ASCII)
_TILDE_FIELD = re.compile(r"~([0-9]{2})", re.ASCII)
_TILDE_PURPOSE = ("20", "21", "22", "23", "24", "25")
_TILDE_NAME = ("32", "33")
_SUB_FIELD_WIDTH = 27  # a sub-field this long was cut mid-text: the next one continues it


def details(f: Field | None) -> Details:
    """Counterparty and remittance details of a transaction's ``:86:`` (None: no field).

    Call it inside ``quiet()``: the SEPA sub-fields are split by the library."""
    if f is None or not f.text:
        return Details()
    text = f.text
    if _TILDE_LAYOUT.match(text):
        return _tilde_details(text)
    sepa = _purpose_continued(text)
    split: dict[str, Any] = mt940.processors.transaction_details_post_processor(
        _LIBRARY, _TAG_86, {"transaction_details": sepa}, {"transaction_details": sepa})
    if "transaction_details" in split:  # not SEPA-structured
        first_width = _FIRST_LINE_WITHOUT_TAG if keyword_fields(text) is not None else None
        return parse_narrative(join_wrapped(text, first_width=first_width))
    purpose = squash(split.get("purpose"))
    rf = find_rf(purpose)
    return Details(
        name=squash(split.get("applicant_name")) or None,
        iban=clean_iban(split.get("applicant_iban")),
        end_to_end_id=reference(split.get("end_to_end_reference")),
        creditor_reference=rf,
        text=without_reference(purpose, rf),
    )


def _purpose_continued(text: str) -> str:
    """A German ``:86:`` made ready for the library: ``?60``..``?63`` (the purpose continued)
    written onto the end of its last ``?2x`` sub-field, so that the library reads the
    purpose, keywords such as ``SVWZ+`` included, as one text; and a space after each
    purpose sub-field shorter than the full 27 characters (the library joins them with none,
    which is right only where the bank cut a word). Any other text is returned as it is."""
    joined = "".join(text.splitlines())
    if not _QUESTION_MARK_LAYOUT.match(joined):
        return text
    head, *rest = _QUESTION_MARK_FIELD.split(joined)
    sub_fields = list(zip(rest[0::2], rest[1::2], strict=True))
    purpose = [n for n, (k, _) in enumerate(sub_fields)
               if k.startswith("2") or k in _PURPOSE_CONTINUED]
    for n in purpose[:-1]:
        key, value = sub_fields[n]
        if value and len(value) != _SUB_FIELD_WIDTH:  # a full one was cut mid-word
            sub_fields[n] = (key, value + " ")
    continued = "".join(value for key, value in sub_fields if key in _PURPOSE_CONTINUED)
    kept = [(key, value) for key, value in sub_fields if key not in _PURPOSE_CONTINUED]
    purposes = [i for i, (key, _) in enumerate(kept) if key.startswith("2")]
    if continued and purposes:
        key, value = kept[purposes[-1]]
        kept[purposes[-1]] = (key, value + continued)
    elif continued:
        kept.append(("20", continued))
    return head + "".join(f"?{key}{value}" for key, value in kept)


def _tilde_details(text: str) -> Details:
    """Details of the Polish ``~`` layout: ``~20``..``~25`` title, ``~32``/``~33`` name,
    ``~38`` IBAN (else ``~31``, the account number). ``~60``.. hold the counterparty's
    address and the bank's own data there, not the title: they are left out."""
    rest = _TILDE_FIELD.split("".join(text.splitlines()))[1:]  # [0]: the transaction code
    sub_fields: dict[str, str] = {}
    for key, value in zip(rest[0::2], rest[1::2], strict=True):
        sub_fields.setdefault(key, value)
    purpose = _joined_sub_fields([sub_fields.get(key, "") for key in _TILDE_PURPOSE])
    rf = find_rf(purpose)
    return Details(
        name=_joined_sub_fields([sub_fields.get(key, "") for key in _TILDE_NAME]) or None,
        iban=clean_iban(sub_fields.get("38") or sub_fields.get("31")),
        creditor_reference=rf,
        text=without_reference(purpose, rf),
    )


def _joined_sub_fields(parts: list[str]) -> str:
    """Sub-fields joined: directly after one cut at full width, else with a space."""
    written = [part for part in parts if part.strip()]
    return squash(join_cut(written, lambda _, part: len(part) >= _SUB_FIELD_WIDTH))
