"""Refunds fixtures: the legacy ERP and the bank served in threads of the test process (no
page slowness), on free ports, shared by the folder's tests; each module resets them."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from refundsharness import Targets

from sandbox.bank.app import create_app as create_bank
from sandbox.erp.app import create_app as create_erp
from sandbox.scenario import build_scenario
from sandbox.serve import serve_app


@pytest.fixture(scope="session")
def refund_targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Targets]:
    tmp = tmp_path_factory.mktemp("refund-targets")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINBOTS_ERP_SLOW_MS", "0")
        erp = create_erp(tmp / "erp.db", build_scenario())
        bank = create_bank(tmp / "bank.db", build_scenario())
    with serve_app(erp) as erp_url, serve_app(bank) as bank_url:
        yield Targets(erp_url, bank_url)
