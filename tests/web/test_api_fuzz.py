"""Schemathesis against the OpenAPI document, in process: no request makes a server error.

Every operation gets a few generated requests (bounded: the whole test stays well under a
minute) with an admin's bearer token, on a store of its own seeded with a failed run, a
queue with items, a schedule and a robot.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, Phase, given, settings
from webseed import seed_failed_run

from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.scheduler import schedules as scheduling
from orchestrator.store import Store

pytestmark = pytest.mark.web

EXAMPLES = 6
BUDGET_SECONDS = 50


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str]:
    base: Path = tmp_path_factory.mktemp("fuzz")
    store = Store(f"sqlite:///{base / 'finbots.db'}")
    seed_failed_run(store, base / "runs", bot="fuzz-bot")
    store.ensure_queue("fuzz-q")
    store.add_item("fuzz-q", "FZ-1", {"amount": "1.00"})
    scheduling.add_schedule(store, "fuzz-sched", "payment-posting", "cron", {"cron": "0 6 * * *"})
    store.register_robot("fuzz-robot", "h", 1, 1)
    app = create_app(store)
    app.state.runs_dir = base / "runs"
    accounts.add_user(store, "fuzz-admin", "fuzz-admin-pw", ["admin"])
    _record, token = accounts.create_token(store, "fuzz-admin", ["admin"], owner="fuzz-admin")
    return app, token


def test_no_operation_gives_a_server_error(
    fuzz_app: tuple[Any, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Routes that read settings (the vault) use a home of their own, never the checkout's.
    monkeypatch.setenv("FINBOTS_HOME", str(tmp_path))
    monkeypatch.setenv("FINBOTS_MASTER_KEY", Fernet.generate_key().decode())
    app, token = fuzz_app
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    started, tried = time.monotonic(), 0
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:
        if time.monotonic() - started > BUDGET_SECONDS:
            break
        tried += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            try:
                response = case.call(headers=headers)
            except Exception as exc:  # the app raised: a 500 for a real client
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{type(exc).__name__}: {str(exc)[:200]}")
                return
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> "
                                f"{response.status_code}: {response.text[:200]}")

        check()
    assert failures == [], "\n".join(sorted(set(failures)))
    assert tried == len(operations), f"only {tried} of {len(operations)} operations in time"
