"""Lists and tables read from a page in one browser round trip where possible.

- :func:`read_rows`: every element of a row selector with its cells (locators relative to
  the row, declared under ``cells:`` in the selector file). CSS and XPath cell locators
  are read for all rows in one ``evaluate_all``; any other kind (``text=``, ``role=``,
  Playwright-only CSS) falls back to a locator per row and cell.
- :func:`read_table`: a plain HTML ``<table>`` as one dict per body row, header -> text.

A cell's text is the element's inner text, stripped; for an input, select or textarea it
is the field's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator

from bots.runtime.errors import SelectorError
from bots.runtime.selectors import CellSpec, SelectorSpec

__all__ = ["Row", "read_rows", "read_table", "table_dicts"]

_FIELD_TAGS = ("INPUT", "SELECT", "TEXTAREA")
_PLAYWRIGHT_CSS = (">>", ":has-text(", ":text", ":visible", ":nth-match(", ":left-of(",
                   ":right-of(", ":above(", ":below(", ":near(")

# rows: the row elements; cells: [[name, [[kind, selector], ...]], ...]
# -> per row, per cell: [text, count] of the first locator that matched, or null
_ROWS_JS = """(rows, cells) => {
  const read = el => (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)
      ? el.value : (el.innerText ?? el.textContent ?? '')).trim();
  const all = (row, kind, sel) => {
    if (kind === 'css') return Array.from(row.querySelectorAll(sel));
    const path = sel.startsWith('/') ? '.' + sel : sel;
    const snap = row.ownerDocument.evaluate(
        path, row, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
    const out = [];
    for (let i = 0; i < snap.snapshotLength; i++) out.push(snap.snapshotItem(i));
    return out.filter(n => n.nodeType === Node.ELEMENT_NODE);
  };
  return rows.map(row => cells.map(([name, locs]) => {
    for (const [kind, sel] of locs) {
      const found = all(row, kind, sel);
      if (found.length) return [read(found[0]), found.length];
    }
    return null;
  }));
}"""

# a <table>: header texts and body rows (colspan expanded); null when not a table
_TABLE_JS = """(table) => {
  if (table.tagName !== 'TABLE') return null;
  const text = c => (c.innerText ?? c.textContent ?? '').trim();
  const expand = row => {
    const out = [];
    for (const c of row.cells) for (let i = 0; i < (c.colSpan || 1); i++) out.push(text(c));
    return out;
  };
  const rows = Array.from(table.rows);
  if (!rows.length) return {header: [], rows: []};
  const head = table.tHead && table.tHead.rows.length
      ? Array.from(table.tHead.rows) : [rows[0]];
  const header = expand(head[head.length - 1]);
  const body = rows.filter(r => !head.includes(r) && r.cells.length
      && !(r.parentElement && r.parentElement.tagName === 'TFOOT'));
  return {header: header, rows: body.map(expand)};
}"""


@dataclass(frozen=True)
class Row:
    """One row read by :meth:`AppSession.rows`: its cells' texts, read at that moment.

    ``locator`` is the row's Playwright locator, for acting inside the row (not a step).
    """

    selector: str
    index: int
    values: Mapping[str, str | None]
    locator: Locator | None = field(default=None, repr=False, compare=False)

    def text(self, cell: str) -> str:
        """The text of ``cell``; a :class:`SelectorError` when the row has no such cell."""
        if cell not in self.values:
            raise SelectorError(f"{self.selector!r} declares no cell {cell!r} "
                                f"(its cells: {', '.join(self.values) or 'none'})")
        value = self.values[cell]
        if value is None:
            raise SelectorError(f"{self.selector!r} row {self.index}: cell {cell!r} "
                                f"matched nothing")
        return value

    def get(self, cell: str, default: str | None = None) -> str | None:
        """The text of ``cell``, or ``default`` when it matched nothing in this row."""
        value = self.values.get(cell)
        return default if value is None else value

    def cells(self) -> dict[str, str]:
        """Every cell that matched in this row, by name (declared order)."""
        return {k: v for k, v in self.values.items() if v is not None}


def _kind(locator: str) -> tuple[str, str] | None:
    """``(css|xpath, selector)`` when JavaScript can evaluate it, else ``None``
    (``text=``, ``role=`` and Playwright-only CSS need a Playwright locator)."""
    head, sep, rest = locator.partition("=")
    if sep and head in ("css", "xpath"):
        kind, text = head, rest
    elif locator.startswith(("//", "..")):
        kind, text = "xpath", locator
    elif (sep and head.isalpha()) or locator.startswith(("'", '"')):
        return None
    else:
        kind, text = "css", locator
    if kind == "css" and any(x in text for x in _PLAYWRIGHT_CSS):
        return None
    return kind, text


def _fast(cell: CellSpec) -> list[tuple[str, str]] | None:
    kinds = [_kind(loc) for loc in cell.locators]
    return None if any(k is None for k in kinds) else [k for k in kinds if k is not None]


def _check(app: str, spec: SelectorSpec, cell: CellSpec, index: int, found: Any) -> str | None:
    if found is None:
        return None
    text, count = str(found[0]), int(found[1])
    if count > 1 and cell.multiple != "first":
        raise SelectorError(
            f"{app}: {spec.name!r} row {index}: cell {cell.name!r} matched {count} elements; "
            f"a cell is strict: make it match one, or set 'multiple: first'")
    return text


def _slow_cell(app: str, spec: SelectorSpec, cell: CellSpec, index: int,
               row: Locator) -> str | None:
    for text in cell.locators:
        loc = row.locator(text)
        count = loc.count()
        if count:
            first = loc.first
            tag = str(first.evaluate("e => e.tagName"))
            value = first.input_value() if tag in _FIELD_TAGS else first.inner_text()
            return _check(app, spec, cell, index, (value.strip(), count))
    return None


def read_rows(app: str, spec: SelectorSpec, rows: Locator) -> list[Row]:
    """Every element ``rows`` matches, with the cells of ``spec`` read from each."""
    fast = {c.name: _fast(c) for c in spec.cells}
    args = [[name, locs] for name, locs in fast.items() if locs is not None]
    try:
        raw: list[list[Any]] = rows.evaluate_all(_ROWS_JS, args)
    except PlaywrightError:  # a CSS the browser does not know: every cell the slow way
        fast = dict.fromkeys(fast)
        raw = [[] for _ in range(rows.count())]
    out = []
    for index, found in enumerate(raw):
        by_name = dict(zip((a[0] for a in args if fast[a[0]] is not None), found, strict=False))
        values: dict[str, str | None] = {}
        for cell in spec.cells:
            if fast[cell.name] is not None:
                values[cell.name] = _check(app, spec, cell, index, by_name.get(cell.name))
            else:
                values[cell.name] = _slow_cell(app, spec, cell, index, rows.nth(index))
        out.append(Row(spec.name, index, values, rows.nth(index)))
    return out


def table_dicts(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    """Rows as dicts by header: a blank header is ``column N``, a repeated one ``Name (2)``,
    a cell past the header ``column N``, a missing cell ``""``."""
    names: list[str] = []
    for i, text in enumerate(header):
        name = text or f"column {i + 1}"
        base, n = name, 2
        while name in names:
            name, n = f"{base} ({n})", n + 1
        names.append(name)
    width = max([len(names), *(len(r) for r in rows)], default=0)
    names += [f"column {i + 1}" for i in range(len(names), width)]
    return [{names[i]: (row[i] if i < len(row) else "") for i in range(width)} for row in rows]


def read_table(app: str, spec: SelectorSpec, table: Locator) -> list[dict[str, str]]:
    """The body rows of the ``<table>`` ``table`` as dicts, header -> cell text."""
    raw = table.evaluate(_TABLE_JS)
    if raw is None:
        raise SelectorError(f"{app}: {spec.name!r} is not a <table> element")
    return table_dicts(list(raw["header"]), [list(r) for r in raw["rows"]])
