"""Put the sandbox targets' demo logins into the vault under the names the bot expects."""

from __future__ import annotations

from bots.runtime.vault import Vault
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
    "legacy_erp/collections": {"username": CREDENTIALS.erp_username,
                               "password": CREDENTIALS.erp_password},
    "legacy_erp/credit": {"username": CREDENTIALS.erp_username,
                          "password": CREDENTIALS.erp_password},
}


#: Entries only the payment-posting bot may read (others: any bot).
PAYMENT_POSTING_ENTRIES = ("sandbox_bank/treasury", "legacy_erp/cashapp",
                           "desktop_erp/cashapp", "billing_portal/billing-bot")


def store_sandbox_credentials(vault: Vault, *, overwrite: bool = False) -> list[str]:
    """Write the entries that are missing (or all with ``overwrite``); returns their names."""
    present = vault.list()
    written = []
    for name, fields in VAULT_ENTRIES.items():
        if overwrite or name not in present:
            scoped = name in PAYMENT_POSTING_ENTRIES
            vault.set(name, fields, bots=["payment-posting"] if scoped else None)
            written.append(name)
    return written
