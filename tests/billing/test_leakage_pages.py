"""The revenue-leakage report on the web: the page, the CSV and the API show the same
items and totals per customer and per cause as the billing bot's leakage phase kept them;
the largest items get one case each, never a second on a rerun; a role without
billing.read is refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sandboxharness import Sandbox

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from botharness import Portal, billing_home

from bots.billing import BOT
from bots.billing.leakage_run import record_leakage
from bots.billing.settings import PATH, BotSettings
from bots.runtime import RunContext
from bots.runtime.bot_config import parse_config
from orchestrator.app import create_app
from orchestrator.auth import service as accounts
from orchestrator.bot_backend import StoreBackend
from orchestrator.store import Store

PEOPLE = {"fiona": ["finance_reviewer"], "otto": ["operator"], "aud": ["auditor"]}
AS_OF = dt.date(2026, 11, 30)


World = tuple[Store, dict[str, TestClient], Path]


@dataclass(frozen=True)
class Leak:
    cause: str
    customer_id: str
    contract_number: str
    period_start: dt.date
    period_end: dt.date
    amount: Decimal
    currency: str = "EUR"
    line_id: str | None = None
    detail: str = ""


LEAKS = (
    Leak("unbilled_period", "C1001", "CT-1", dt.date(2026, 9, 1), dt.date(2026, 9, 30),
         Decimal("1200.00"), detail="September never invoiced"),
    Leak("unbilled_usage", "C1001", "CT-1", dt.date(2026, 10, 1), dt.date(2026, 10, 31),
         Decimal("87.45"), line_id="L2"),
    Leak("below_contract_price", "C1002", "CT-2", dt.date(2026, 10, 1),
         dt.date(2026, 10, 31), Decimal("310.10"), line_id="L1"),
    Leak("expired_discount", "C1003", "CT-3", dt.date(2026, 10, 1), dt.date(2026, 10, 31),
         Decimal("45.00"), line_id="L1", detail="=HYPERLINK(\"x\")"),
    Leak("unbilled_period", "C1002", "CT-2", dt.date(2026, 8, 1), dt.date(2026, 8, 31),
         Decimal("2500.00")),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("leakage")
    store = Store(f"sqlite:///{tmp / 'finbots.db'}")
    store.register_bot(BOT.name, BOT.version, "", ())
    app = create_app(store)
    clients = {}
    for name, roles in PEOPLE.items():
        accounts.add_user(store, name, "Pw-for-tests-123!", roles)
        _, token = accounts.create_token(store, name, roles, owner=name)
        clients[name] = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    yield store, clients, tmp
    store.close()


def leakage_run(store: Store, runs: Path, leaks: tuple[Leak, ...]) -> dict[str, Any]:
    settings = BotSettings.from_config(parse_config(PATH.read_text(), PATH.name))
    run = store.start_run(BOT.name, {"phase": "leakage"}, "host", 1)
    with RunContext(run.id, runs / str(run.id), bot=BOT, store=store,
                    backend=StoreBackend(store, BOT.name)) as ctx:
        return record_leakage(ctx, settings, leaks, AS_OF)


def sums(leaks: tuple[Leak, ...], attr: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for leak in leaks:
        out[getattr(leak, attr)] = out.get(getattr(leak, attr), Decimal(0)) + leak.amount
    return out


def test_page_csv_and_api_show_the_report_and_its_totals(
        world: World) -> None:
    store, people, tmp = world
    top = BotSettings.from_config(parse_config(PATH.read_text(), PATH.name))
    first = leakage_run(store, tmp / "runs", LEAKS)
    assert first["leakage_items"] == len(LEAKS)
    assert first["leakage_cases"] == top.leakage_cases_for_largest

    api = people["fiona"].get("/api/v1/billing/leakage")
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["as_of"] == AS_OF.isoformat()
    assert {t["name"]: Decimal(t["amount"]) for t in body["by_customer"]} == \
        sums(LEAKS, "customer_id")
    assert {t["name"]: Decimal(t["amount"]) for t in body["by_cause"]} == sums(LEAKS, "cause")
    assert [Decimal(t["amount"]) for t in body["totals"]] == [sum(x.amount for x in LEAKS)]
    ranked = sorted(LEAKS, key=lambda x: -x.amount)
    assert [Decimal(i["amount"]) for i in body["items"]] == [x.amount for x in ranked]
    with_case = [i for i in body["items"] if i["case_id"]]
    assert [i["rank"] for i in with_case] == list(range(1, top.leakage_cases_for_largest + 1))
    cases = store.list_cases(reason_code="REVENUE_LEAKAGE")
    assert sorted(c.amount for c in cases) == sorted(x.amount for x in
                                                      ranked[:top.leakage_cases_for_largest])

    page = people["aud"].get("/billing/leakage")
    assert page.status_code == 200
    for customer, amount in sums(LEAKS, "customer_id").items():
        assert f'data-customer="{customer}"' in page.text
        assert f"{amount:,.2f} EUR" in page.text
    assert "=HYPERLINK(&#34;x&#34;)" in page.text or "=HYPERLINK(&quot;x&quot;)" in page.text

    got = people["fiona"].get("/billing/leakage.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert [Decimal(r["amount"]) for r in rows] == [x.amount for x in ranked]
    assert sum(Decimal(r["amount"]) for r in rows) == sum(x.amount for x in LEAKS)
    assert next(r for r in rows if r["cause"] == "expired_discount")["detail"] \
        .startswith("'=")  # a spreadsheet does not run it

    rest = LEAKS[:4]  # the largest leak was invoiced meanwhile
    again = leakage_run(store, tmp / "runs", rest)
    n = top.leakage_cases_for_largest
    new = set(sorted(rest, key=lambda x: -x.amount)[:n]) - set(ranked[:n])
    assert again["leakage_cases"] == len(new)  # none twice for the leaks still there
    assert len(store.list_cases(reason_code="REVENUE_LEAKAGE")) == n + len(new)
    body = people["fiona"].get("/api/v1/billing/leakage").json()
    assert [Decimal(t["amount"]) for t in body["totals"]] == [sum(x.amount for x in LEAKS[:4])]
    assert len(body["items"]) == len(rest)


def test_a_role_without_billing_read_is_refused(
        world: World) -> None:
    _, people, _ = world
    for path in ("/billing/leakage", "/billing/leakage.csv", "/billing/drafts",
                 "/api/v1/billing/leakage", "/api/v1/billing/drafts"):
        assert people["otto"].get(path).status_code == 403, path
        assert people["aud"].get(path).status_code == 200, path


@pytest.mark.e2e
def test_the_seeded_leakage_is_reported_to_the_cent(
        sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The bot's leakage phase on the seeded billing run (Chromium against the session's
    sandbox): the page, the CSV and the API totals per customer and per cause equal the
    leakage the scenario seeded, exactly."""
    with billing_home(tmp_path_factory.mktemp("leakage-e2e"), sandbox) as home:
        truth = Portal(sandbox).truth()
        done = home.run(phase="leakage")
        assert done["as_of"] == truth["billing_day"]
        app = create_app(home.store)
        accounts.add_user(home.store, "fin", "Pw-for-tests-123!", ["finance_reviewer"])
        _, token = accounts.create_token(home.store, "fin", ["finance_reviewer"], owner="fin")
        client = TestClient(app, headers={"Authorization": f"Bearer {token}"})
        body = client.get("/api/v1/billing/leakage").json()
        rows = list(csv.DictReader(io.StringIO(client.get("/billing/leakage.csv").text)))
        page = client.get("/billing/leakage").text

    seeded = {c: {k: Decimal(v) for k, v in causes.items()}
              for c, causes in truth["expected_leakage"].items()}
    per_customer = {c: sum(causes.values(), Decimal(0)) for c, causes in seeded.items()}
    per_cause: dict[str, Decimal] = {}
    for causes in seeded.values():
        for cause, amount in causes.items():
            per_cause[cause] = per_cause.get(cause, Decimal(0)) + amount
    assert {t["name"]: Decimal(t["amount"]) for t in body["by_customer"]} == per_customer
    assert {t["name"]: Decimal(t["amount"]) for t in body["by_cause"]} == per_cause
    assert [Decimal(t["amount"]) for t in body["totals"]] == \
        [Decimal(truth["expected_leakage_total"])]
    csv_by: dict[tuple[str, str], Decimal] = {}
    for r in rows:
        key = (r["customer_id"], r["cause"])
        csv_by[key] = csv_by.get(key, Decimal(0)) + Decimal(r["amount"])
    assert csv_by == {(c, k): v for c, causes in seeded.items() for k, v in causes.items()}
    for customer, amount in per_customer.items():
        assert f'data-customer="{customer}"' in page and f"{amount:,.2f}" in page
    assert f"{Decimal(truth['expected_leakage_total']):,.2f}" in page
