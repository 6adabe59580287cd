"""Who has a mailbox on the sandbox mail server.

Northwind's accounts-receivable team reads and sends from the finance mailbox; each customer's
accounts-payable contact has a mailbox of their own, named after the customer number (the ERP's
customer master shows it as the customer's contact e-mail).
"""

from __future__ import annotations

FINANCE_MAILBOX = "ar@northwind.example"
CUSTOMER_DOMAIN = "customers.example"


def customer_mailbox(customer_id: str) -> str:
    """The accounts-payable contact of a customer, e.g. ``ap.c10001@customers.example``."""
    return f"ap.{customer_id.strip().lower()}@{CUSTOMER_DOMAIN}"
