"""The service desk does not answer: the crm-sync run stops after its limit of failed events
in a row, the run ends failed saying why, and the events it did not start wait in the queue
for the next run (no desk needed: its address points at a port nobody listens on)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from crmharness import CrmHome
from cryptography.fernet import Fernet

from bots.crm_sync import BOT
from bots.crm_sync.sync import QUEUE
from bots.runtime.vault import Vault
from orchestrator.runner import run_bot
from orchestrator.store import Store
from sandbox.crm.users import SYNC_PASSWORD, SYNC_USER

pytestmark = pytest.mark.browser


@pytest.fixture
def dead_desk() -> Iterator[str]:
    """An address that refuses connections (the port is held, never listened on)."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{held.getsockname()[1]}"


@pytest.fixture
def home(tmp_path: Path, dead_desk: str, chromium: object,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[CrmHome]:
    key = Fernet.generate_key()
    for name, value in {"FINBOTS_HOME": tmp_path, "FINBOTS_RUNS_DIR": tmp_path / "runs",
                        "FINBOTS_VAULT_PATH": tmp_path / "vault.enc",
                        "FINBOTS_MASTER_KEY": key.decode(),
                        "FINBOTS_SERVICE_DESK_URL": dead_desk}.items():
        monkeypatch.setenv(name, str(value))
    vault = Vault(tmp_path / "vault.enc", key)
    vault.set("service_desk/crm-sync", {"username": SYNC_USER, "password": SYNC_PASSWORD},
              bots=["crm-sync"])
    store = Store(f"sqlite:///{tmp_path / 'finbots.db'}")
    yield CrmHome(store, vault, tmp_path / "runs")
    store.close()


def test_a_desk_that_does_not_answer_stops_the_run_and_leaves_the_rest_queued(
        home: CrmHome) -> None:
    keys = [home.event("payment_received", f"C10{n:02d}", f"NWB20261120{n:06d}",
                       f"Payment {n} received.", minutes=n, amount="100.00")
            for n in range(1, 4)]
    assert BOT.stop_after_failures == 5  # the SDK's default; one is enough to show it here
    outcome = run_bot("crm-sync", {"max_retries": "1", "stop_after_failures": "1"},
                      store=home.store)

    assert outcome.status == "failed"
    assert outcome.error is not None
    assert outcome.error.startswith(
        f"ConsecutiveFailuresError: stopped after 1 consecutive application failure "
        f"(queue {QUEUE}): SERVICE_DESK_UNAVAILABLE: service_desk: ")
    assert "ERR_CONNECTION_REFUSED" in outcome.error
    assert SYNC_PASSWORD not in outcome.error and "\n" not in outcome.error
    items = home.store.list_items(QUEUE)
    tried = [i.reference for i in items if i.state == "retried"]
    assert tried == keys[:1]  # failed as ever: to be retried later
    untouched = [i for i in items if i.retry_count == 0 and i.state == "new"]
    assert [i.reference for i in untouched] == keys[1:]
    assert all(i.lease_owner is None and i.run_id is None for i in untouched)
    steps = home.store.list_steps(outcome.run_id)
    assert [s.data["failures"] for s in steps if s.action == "failure_limit"] == [1]
