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
    "billing_portal/billing-bot": {"username": CREDENTIALS.portal_username,
                                   "password": CREDENTIALS.portal_password},
}


def store_sandbox_credentials(vault: Vault, *, overwrite: bool = False) -> list[str]:
    """Write the entries that are missing (or all with ``overwrite``); returns their names."""
    present = vault.list()
    written = []
    for name, fields in VAULT_ENTRIES.items():
        if overwrite or name not in present:
            vault.set(name, fields)
            written.append(name)
    return written
