"""The sandbox's logins in the vault: each bot reads its own, no other bot does."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bots.runtime.errors import VaultError
from bots.runtime.vault import Vault
from sandbox.credentials import store_sandbox_credentials


def test_each_entry_is_scoped_to_the_bot_that_signs_on_with_it(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault.enc", Fernet.generate_key())
    written = store_sandbox_credentials(vault)
    assert {"legacy_erp/cashapp", "legacy_erp/collections", "legacy_erp/credit",
            "mail/finance"} <= set(written)
    assert vault.get("legacy_erp/credit", bot="credit").username == "creditctl"
    assert vault.get("legacy_erp/collections", bot="collections").username == "dunning"
    assert vault.get("mail/finance", bot="collections").username == "ar@northwind.example"
    # payment posting reads the remittance advices mailed to the finance mailbox
    assert vault.get("mail/finance", bot="payment-posting").username == "ar@northwind.example"
    for name, stranger in (("legacy_erp/credit", "collections"),
                           ("legacy_erp/collections", "credit"),
                           ("mail/finance", "credit"),
                           ("sandbox_bank/treasury", "credit")):
        with pytest.raises(VaultError):
            vault.get(name, bot=stranger)
