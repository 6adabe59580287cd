"""The case page on a laptop: evidence on the left, what to do on the right, at 1366x768
and 1440x900 without scrolling sideways; the actions stay in view while the evidence
scrolls."""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page
from webharness import LiveServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "inbox"))
from caseseed import candidate, seed_case

pytestmark = pytest.mark.web
SHOTS = Path(__file__).resolve().parents[2] / "runs" / "screenshots" / "case-layout"

_BOXES = """() => {
  const box = s => { const r = document.querySelector(s).getBoundingClientRect();
                     return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
          evidence: box('.case-evidence'), actions: box('.case-actions'),
          candidates: box('table.candidates')};
}"""


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (1440, 900)])
def test_the_case_fits_a_laptop_with_the_actions_beside_the_evidence(
        page_as: Callable[[str], Page], live_server: LiveServer, width: int,
        height: int) -> None:
    case = seed_case(live_server.store, reason="SHORT_PAYMENT", amount="1890.00",
                     payer="Nordlicht Maschinenbau Gesellschaft mit beschraenkter Haftung",
                     text="INV-2026-1020 INV-2026-1021 less 110.00 damaged goods see claim "
                     "CLM-77120 " * 3,
                     candidates=[candidate(f"INV-2026-10{n:02d}", "1000.00") for n in range(6)])
    page = page_as("finance_reviewer")
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"/cases/{case.id}")

    boxes = page.evaluate(_BOXES)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"case-{width}x{height}.png"))
    assert boxes["scroll"] <= boxes["inner"], boxes  # no horizontal scrolling
    evidence, actions = boxes["evidence"], boxes["actions"]
    assert actions["left"] >= evidence["right"] - 1, boxes  # beside, not below
    assert abs(actions["top"] - evidence["top"]) < 5, boxes
    assert actions["right"] <= width and boxes["candidates"]["right"] <= evidence["right"] + 1
    assert page.get_by_role("button", name="Claim").is_visible()
    assert page.locator(".case-actions form.action-write_off").count() == 1

    page.mouse.wheel(0, 1500)  # the evidence scrolls, the actions stay in view
    page.wait_for_function("window.scrollY > 300")
    after = page.evaluate(_BOXES)["actions"]
    assert 0 <= after["top"] < height / 2, after


def test_a_case_with_tables_of_evidence_fits_a_laptop(
        page_as: Callable[[str], Page], live_server: LiveServer) -> None:
    """Evidence given as rows (a dispute's linked claims, its invoice lines) takes the whole
    row of the evidence grid and scrolls inside its card; a list of words reads as words."""
    store = live_server.store
    run = store.start_run("disputes", {}, "test-host", 1)
    claims = [{"ref": f"mail:<claim-{n}-of-a-customer-with-a-long-address@example.com>",
               "channel": "mail", "received_at": "2026-11-18T08:40:00+00:00",
               "amount": "250.00", "text": "Two cartons arrived damaged, photos attached " * 3,
               "attachment": f"runs/7/evidence/claims/claim-{n}-photos-of-the-cartons.jpg"}
              for n in range(3)]
    lines = [{"line": n, "sku": f"SKU-{n:05d}", "description": "Bearing 6204-2RS " * 2,
              "quantity": "100", "unit_price": "14.50", "contract_price": "12.90",
              "net": "1450.00"} for n in range(1, 4)]
    dispute = {"customer_id": "C1008", "customer_name": "Helios Energy SE",
               "invoice_number": "INV-2026-1012", "case_ref": "DISP-INV-2026-1012",
               "claims": claims, "reason_code": "DAMAGED", "reason_label": "Damaged goods",
               "owner_team": "operations", "classified_by": "model",
               "sla_due": "2026-12-05T16:27:14.566483+00:00",
               "suggestion": {"code": "DAMAGED", "confidence": "0.88",
                              "words": ["damaged", "cartons", "arrived damaged"]},
               "amounts": {"invoice": "5000.00", "disputed": "250.00"},
               "evidence": {"contract_prices": lines}}
    case = store.open_case(run.id, None, "portal:DSP-0003", "DISPUTE", "disputes 250.00",
                           data={"dispute": dispute}, amount=Decimal("250.00"),
                           customer_id="C1008")
    page = page_as("finance_reviewer")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"/cases/{case.id}")
    boxes = page.evaluate(_BOXES.replace("candidates: box('table.candidates')",
                                         "candidates: null"))
    assert boxes["scroll"] <= boxes["inner"], boxes  # no horizontal scrolling
    assert page.locator(".card.wide").count() >= 2  # the claims and the invoice lines
    assert page.locator("td.fact-words").inner_text().strip() == \
        "damaged, cartons, arrived damaged"
    assert page.locator("td.fact-sla-due").inner_text().strip() == "2026-12-05 16:27"
