"""Lists, rows and tables through logical selectors; the rule for several matches; HTTP
error statuses on open(). Against a real Chromium and a local HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bots.runtime import ApplicationFailure, MemorySink, RunContext, SelectorError
from bots.runtime.app_session import AppSession
from bots.runtime.errors import HttpStatusError

pytestmark = pytest.mark.browser

PAGES = {
    "/lists": """<html><body>
<ul id="names"><li>Alpha</li><li> Beta </li><li>Gamma</li></ul>
<table id="invoices">
  <thead><tr><th>Invoice</th><th>Customer</th><th>Amount</th></tr></thead>
  <tbody>
    <tr class="inv"><td>INV-1</td><td>Borealis</td><td class="amt">100.00</td></tr>
    <tr class="inv"><td>INV-2</td><td>Cobalt <b>Ltd</b></td><td class="amt">250.50</td></tr>
  </tbody>
  <tfoot><tr><td colspan="2">Total</td><td>350.50</td></tr></tfoot>
</table>
<table id="legacy">
  <tr><td>Doc</td><td>Open</td><td></td></tr>
  <tr><td>D-1</td><td>5.00</td><td><input name="note" value="check"></td></tr>
</table>
<button class="dup" onclick="this.textContent='clicked'">A</button>
<button class="dup">B</button>
<p id="grow"><span class="g">one</span></p>
<input id="old-name">
</body></html>""",
}

SELECTORS = """
app: lists
base_url: {base_url}
selectors:
  names:
    locators: ["css=#names li"]
    multiple: all
  names.missing: ["css=#no-such-list li"]
  invoice.row:
    locators: ["css=#missing-layout tr", "css=#invoices tbody tr.inv"]
    multiple: all
    cells:
      invoice: "xpath=td[1]"
      customer: ["css=td:nth-child(2)"]
      amount: ["css=td.other-layout", "css=td.amt"]
      amount_any: ["text=/\\\\d+\\\\.\\\\d\\\\d/"]
      note: ["css=td.note"]
  invoice.loose_row:
    locators: ["css=#invoices tbody tr.inv"]
    cells:
      any_cell: ["css=td"]
  invoices: ["css=#invoices"]
  legacy: ["css=#legacy"]
  not_a_table: ["css=#names"]
  dup: ["css=.dup"]
  dup.first:
    locators: ["css=.dup"]
    multiple: first
  grow: ["css=#grow .g"]
  moving: ["css=#old-name", "css=#new-name"]
"""


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        status, body = 200, PAGES.get(path)
        if path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            body = f"<html><body><h1>{status} Error</h1></body></html>"
        if body is None:
            status, body = 404, "<html><body><h1>404 Not Found</h1></body></html>"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def lists_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def run(tmp_path: Path, lists_url: str, sink: MemorySink) -> Iterator[RunContext]:
    folder = tmp_path / "selectors"
    folder.mkdir()
    (folder / "lists.yaml").write_text(SELECTORS.format(base_url=lists_url))
    context = RunContext("lists-1", tmp_path / "run", store=sink, selectors_dir=folder,
                         timeout_ms=3000)
    yield context
    context.close()


@pytest.fixture
def app(run: RunContext) -> AppSession:
    session = run.browser.app("lists")
    session.open("/lists")
    return session


def _steps_after_open(sink: MemorySink) -> list[dict]:
    last_open = max(i for i, s in enumerate(sink.steps) if s["action"] == "open")
    return sink.steps[last_open + 1:]


def test_texts_reads_every_match_in_one_step(app: AppSession, sink: MemorySink) -> None:
    assert app.texts("names") == ["Alpha", "Beta", "Gamma"]
    (step,) = _steps_after_open(sink)
    assert (step["action"], step["selector"], step["outcome"]) == ("texts", "names", "ok")
    assert step["locator"] == "css=#names li" and step["data"]["count"] == 3
    assert isinstance(step["duration_ms"], int) and step["app"] == "lists"
    assert app.texts("names.missing") == []  # nothing there now: no wait
    app.timeout_ms = 300
    with pytest.raises(SelectorError, match=r"names\.missing"):
        app.texts("names.missing", wait=True)


def test_rows_read_cells_relative_to_each_row_in_one_step(
        app: AppSession, sink: MemorySink) -> None:
    rows = app.rows("invoice.row")
    assert [r.text("invoice") for r in rows] == ["INV-1", "INV-2"]
    assert rows[1].text("customer") == "Cobalt Ltd"
    assert [r.text("amount") for r in rows] == ["100.00", "250.50"]  # the cell's fallback
    assert [r.text("amount_any") for r in rows] == ["100.00", "250.50"]  # a text= cell
    assert rows[0].cells() == {"invoice": "INV-1", "customer": "Borealis",
                               "amount": "100.00", "amount_any": "100.00"}
    assert rows[0].get("note") is None
    with pytest.raises(SelectorError, match="row 0: cell 'note' matched nothing"):
        rows[0].text("note")
    with pytest.raises(SelectorError, match="declares no cell 'nope'"):
        rows[0].text("nope")
    (step,) = _steps_after_open(sink)
    assert step["action"] == "rows" and step["selector"] == "invoice.row"
    assert step["locator"] == "css=#invoices tbody tr.inv"  # the row selector's fallback
    assert step["data"]["count"] == 2 and step["data"]["first"]["invoice"] == "INV-1"


def test_a_cell_matching_several_elements_in_a_row_is_strict(app: AppSession) -> None:
    with pytest.raises(SelectorError, match="cell 'any_cell' matched 3 elements"):
        app.rows("invoice.loose_row")


def test_table_reads_header_and_body_rows_in_one_step(
        app: AppSession, sink: MemorySink) -> None:
    assert app.table("invoices") == [
        {"Invoice": "INV-1", "Customer": "Borealis", "Amount": "100.00"},
        {"Invoice": "INV-2", "Customer": "Cobalt Ltd", "Amount": "250.50"},
    ]
    # no <thead>: the first row is the header; a blank heading is "column N"
    assert app.table("legacy") == [{"Doc": "D-1", "Open": "5.00", "column 3": ""}]
    steps = _steps_after_open(sink)
    assert [s["action"] for s in steps] == ["table", "table"]
    assert steps[0]["data"] == {"count": 2, "columns": ["Invoice", "Customer", "Amount"]}
    with pytest.raises(SelectorError, match="'not_a_table' is not a <table>"):
        app.table("not_a_table")


def test_strict_selector_with_two_matches_fails_the_same_on_every_use(
        app: AppSession, sink: MemorySink) -> None:
    for _ in range(2):
        with pytest.raises(SelectorError, match=r"'dup' matched 2 elements with css=\.dup"):
            app.click("dup")
    with pytest.raises(SelectorError, match="matched 2 elements"):
        app.text("dup")
    failed = [s for s in sink.steps if s["outcome"] == "failed"]
    assert len(failed) == 3 and {s["selector"] for s in failed} == {"dup"}
    # unique on first use, two matches later: the later use fails too (no silent .first)
    assert app.text("grow") == "one"
    app.page.evaluate("document.querySelector('#grow').insertAdjacentHTML("
                      "'beforeend', '<span class=g>two</span>')")
    with pytest.raises(SelectorError, match="'grow' matched 2 elements"):
        app.text("grow")


def test_a_field_that_moves_mid_run_is_found_by_its_fallback_from_then_on(
        app: AppSession, sink: MemorySink) -> None:
    app.fill("moving", "C1001")
    app.page.evaluate("document.querySelector('#old-name').id = 'new-name'")
    app.fill("moving", "C1002")
    assert app.value("moving") == "C1002"
    assert app.page.input_value("#new-name") == "C1002"
    steps = [s for s in _steps_after_open(sink) if s["selector"] == "moving"]
    assert [(s["action"], s["locator"], s["outcome"]) for s in steps] == [
        ("fill", "css=#old-name", "ok"), ("fill", "css=#new-name", "ok"),
        ("value", "css=#new-name", "ok")]
    assert [s["data"].get("value") for s in steps[:2]] == ["C1001", "C1002"]


def test_multiple_first_takes_the_first_and_all_refuses_one_element_actions(
        app: AppSession) -> None:
    assert app.text("dup.first") == "A"
    app.click("dup.first")
    assert app.text("dup.first") == "clicked"
    with pytest.raises(SelectorError, match="list selector"):
        app.click("names")
    assert app.count("names") == 3 and app.count("dup") == 2  # counting is not an action


@pytest.mark.parametrize("status", [404, 500])
def test_open_fails_on_an_http_error_status(
        app: AppSession, sink: MemorySink, status: int) -> None:
    with pytest.raises(ApplicationFailure) as err:
        app.open(f"/status/{status}")
    assert isinstance(err.value, HttpStatusError)
    assert err.value.code == "HTTP_ERROR" and err.value.status == status
    assert f"/status/{status}" in str(err.value) and str(status) in str(err.value)
    step = sink.steps[-1]
    assert step["action"] == "open" and step["outcome"] == "failed"
    assert step["data"]["status"] == status
    app.open("/lists")  # a good page again
    assert sink.steps[-1]["data"]["status"] == 200
