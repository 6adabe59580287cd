"""The sandbox mail server's accounts: who has a mailbox and how each signs on.

Northwind's finance mailbox (:data:`~sandbox.mail.addresses.FINANCE_MAILBOX`) signs on with
:data:`FINANCE_PASSWORD`; every customer's accounts-payable mailbox with
:data:`CUSTOMER_PASSWORD` (demo data: one password for all of them, so a test can look into
any customer's mailbox). Passwords are stored for the IMAP server salted and hashed.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from sandbox.collections_scenario import build_month
from sandbox.mail.addresses import CUSTOMER_DOMAIN, FINANCE_MAILBOX, customer_mailbox
from sandbox.scenario import Scenario

__all__ = ["CUSTOMER_PASSWORD", "DOMAINS", "FINANCE_PASSWORD", "InvalidAddressError",
           "hashed_password", "mailboxes", "normalise", "password_for"]

FINANCE_PASSWORD = "Mail#Finance-2026"
CUSTOMER_PASSWORD = "Mail#Customer-2026"
FINANCE_DOMAIN = FINANCE_MAILBOX.rpartition("@")[2]
#: the domains the server accepts mail for (everything else is relaying, refused)
DOMAINS = (FINANCE_DOMAIN, CUSTOMER_DOMAIN)
_ADDRESS = re.compile(r"[a-z0-9](?:[a-z0-9._+-]{0,62}[a-z0-9])?@[a-z0-9-]+(?:\.[a-z0-9-]+)+")


class InvalidAddressError(ValueError):
    """An address the sandbox cannot have a mailbox for (also a path name: checked strictly)."""


def normalise(address: str) -> str:
    """``address`` lower-cased, refused unless it is a plain ``local@domain`` (no path
    characters, no ``..``: the mailbox's directory is named after it)."""
    text = address.strip().strip("<>").lower()
    if not _ADDRESS.fullmatch(text) or ".." in text:
        raise InvalidAddressError(f"not a mailbox address: {address!r}")
    return text


def mailboxes(scenario: Scenario) -> list[str]:
    """The finance mailbox and each customer's (the day's and the collections month's)."""
    ids = [c.customer_id for c in scenario.customers]
    ids += [m.customer_id for m in build_month(scenario).masters]
    return [FINANCE_MAILBOX, *dict.fromkeys(customer_mailbox(i) for i in ids)]


def password_for(address: str) -> str:
    """The demo password of a mailbox."""
    return FINANCE_PASSWORD if normalise(address) == FINANCE_MAILBOX else CUSTOMER_PASSWORD


def hashed_password(password: str) -> str:
    """``{SSHA256}`` as dovecot's passwd-file reads it: salted SHA-256, base64."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha256(password.encode() + salt).digest()
    return "{SSHA256}" + base64.b64encode(digest + salt).decode()
