"""Put the sandbox targets' demo logins into the vault under the names the bot expects.

The mail entry (``mail/finance``) also says where the mail server listens: the ports the
server at ``$FINBOTS_SANDBOX_MAIL_URL`` reports (a sandbox on free ports), else the fixed
ports of ``finbots sandbox up``.
"""

from __future__ import annotations

import os

import httpx

from bots.runtime.vault import Vault
from sandbox.crm.users import SYNC_PASSWORD as CRM_SYNC_PASSWORD
from sandbox.crm.users import SYNC_USER as CRM_SYNC_USER
from sandbox.launcher import MAIL_PORTS
from sandbox.mail.accounts import FINANCE_PASSWORD
from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.scenario import CREDENTIALS

VAULT_ENTRIES = {
    "sandbox_bank/treasury": {"username": CREDENTIALS.bank_username,
                              "password": CREDENTIALS.bank_password,
                              "totp_seed": CREDENTIALS.bank_totp_seed},
    "legacy_erp/cashapp": {"username": CREDENTIALS.erp_username,
                           "password": CREDENTIALS.erp_password},
    # the ERP's desktop client signs on with the same ERP user
    "desktop_erp/cashapp": {"username": CREDENTIALS.erp_username,
                            "password": CREDENTIALS.erp_password},
    "billing_portal/billing-bot": {"username": CREDENTIALS.portal_username,
                                   "password": CREDENTIALS.portal_password},
    "legacy_erp/collections": {"username": CREDENTIALS.collections_username,
                               "password": CREDENTIALS.collections_password},
    "legacy_erp/credit": {"username": CREDENTIALS.credit_username,
                          "password": CREDENTIALS.credit_password},
    "service_desk/crm-sync": {"username": CRM_SYNC_USER, "password": CRM_SYNC_PASSWORD},
    "legacy_erp/billing": {"username": CREDENTIALS.billing_username,
                           "password": CREDENTIALS.billing_password},
    "billing_portal/billing": {"username": CREDENTIALS.billing_username,
                               "password": CREDENTIALS.billing_portal_password},
    "legacy_erp/disputes": {"username": CREDENTIALS.disputes_username,
                            "password": CREDENTIALS.disputes_password},
    "billing_portal/disputes": {"username": CREDENTIALS.disputes_username,
                                "password": CREDENTIALS.disputes_portal_password},
    "legacy_erp/refunds": {"username": CREDENTIALS.refunds_username,
                           "password": CREDENTIALS.refunds_password},
}


def mail_entry(url: str | None = None) -> dict[str, str]:
    """The finance mailbox's login and the mail server's address (``url``: its control
    address, default ``$FINBOTS_SANDBOX_MAIL_URL``; unreachable or unset: fixed ports)."""
    host, smtp, imap = "127.0.0.1", MAIL_PORTS["mail_smtp"], MAIL_PORTS["mail_imap"]
    url = url or os.environ.get("FINBOTS_SANDBOX_MAIL_URL")
    if url:
        try:
            ports = httpx.get(f"{url.rstrip('/')}/_sandbox/ports", timeout=10).json()
            host, smtp, imap = ports["host"], int(ports["smtp_port"]), int(ports["imap_port"])
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            pass
    if host in ("0.0.0.0", ""):  # noqa: S104  (listening everywhere: reach it on loopback)
        host = "127.0.0.1"
    return {"host": host, "smtp_port": str(smtp), "imap_port": str(imap),
            "username": FINANCE_MAILBOX, "password": FINANCE_PASSWORD}


#: Which bots may read each entry (least privilege: a bot reads only its own logins).
ENTRY_BOTS: dict[str, list[str]] = {
    **{name: ["payment-posting"] for name in (
        "legacy_erp/cashapp", "desktop_erp/cashapp", "billing_portal/billing-bot")},
    # the treasury login pays refunds: of payments and of customers' credit balances
    "sandbox_bank/treasury": ["payment-posting", "refunds"],
    "legacy_erp/collections": ["collections"],
    "legacy_erp/credit": ["credit"],
    "service_desk/crm-sync": ["crm-sync"],
    "legacy_erp/billing": ["billing-validation"],
    "billing_portal/billing": ["billing-validation"],
    "legacy_erp/disputes": ["disputes"],
    "billing_portal/disputes": ["disputes"],
    "legacy_erp/refunds": ["refunds"],
    # replies; remittance advices; disputes by mail and the customers' acknowledgements
    "mail/finance": ["collections", "payment-posting", "disputes"],
}


def store_sandbox_credentials(vault: Vault, *, overwrite: bool = False) -> list[str]:
    """Write the entries that are missing (or all with ``overwrite``); returns their names."""
    present = vault.list()
    written = []
    for name, fields in {**VAULT_ENTRIES, "mail/finance": mail_entry()}.items():
        if overwrite or name not in present:
            vault.set(name, fields, bots=ENTRY_BOTS.get(name))
            written.append(name)
    return written
