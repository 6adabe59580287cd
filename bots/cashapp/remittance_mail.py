"""Which mails of the finance mailbox carry remittance advices for cash application.

Customers' mails land in one INBOX. A reply to a payment reminder (a promise, a dispute,
"already paid", even with a copy of an advice attached) belongs to collections; a mail whose
subject announces a remittance or payment advice and which carries an advice file (an
Excel workbook, a PDF or a CSV file) belongs to cash application. Both bots read the INBOX
with this one test, so whichever runs first leaves the other's mail alone: collections
files an advice mail to :data:`REMITTANCE_FOLDER`, where payment posting reads it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["ADVICE_SUFFIXES", "REMITTANCE_FOLDER", "is_remittance_mail"]

#: where advice mails wait for cash application once collections has seen them
REMITTANCE_FOLDER = "Remittances"
#: the advice files cash application reads
ADVICE_SUFFIXES = (".xlsx", ".pdf", ".csv")
_SUBJECT = re.compile(
    r"remittance|payment advice|advice of payment|zahlungsavis|avis de (?:paiement|virement)"
    r"|betalingsavis|betalingsadvies|aviso de pago", re.IGNORECASE)


def is_remittance_mail(subject: str, attachment_names: Iterable[str]) -> bool:
    """A mail whose subject announces a remittance advice and which carries at least one
    advice file."""
    if not _SUBJECT.search(subject or ""):
        return False
    return any(name.lower().endswith(ADVICE_SUFFIXES) for name in attachment_names)
