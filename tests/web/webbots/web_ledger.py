"""A small bot for the web tests, found through ``FINBOTS_BOTS_PATH`` (see webharness).

Its arguments cover every form input: a date, numbers, a choice, a checkbox, text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from bots.runtime import Bot, ConfigSpec, RunContext
from bots.runtime.cases import CaseType, Evidence, Resolution
from bots.runtime.errors import ConfigError


def check_limits(limits: dict[str, Any]) -> None:
    try:
        Decimal(str(limits["tolerance"]))
    except (KeyError, ArithmeticError):
        raise ConfigError("tolerance: an amount such as 0.05") from None

BOT = Bot(
    name="web-ledger", version="0.2.0", description="Checks ledger entries (web tests).",
    apps=("ledger",), credentials={"ledger_credential": "ledger/web"},
    case_types=(CaseType("OVERPAID", "Paid more than the invoice",
                         evidence=(Evidence("invoice", "Invoice"),),
                         resolutions=(Resolution("refund", "Refund the difference",
                                                 approval="refund"),)),),
    argument_help={"limit": "Entries per run."},
    config={"limits": ConfigSpec(Path(__file__).with_name("web_ledger_limits.yaml"),
                                 validate=check_limits, description="tolerances per ledger")},
)


@BOT.task
def run(ctx: RunContext, day: dt.date | None = None, limit: int = 100,
        mode: Literal["quick", "full"] = "quick", dry_run: bool = False,
        tolerance: Decimal | None = None, note: str = "") -> dict[str, Any]:
    return {"day": str(day), "limit": limit, "mode": mode, "dry_run": dry_run}
