"""The open-items index is the same whether its tables are filled at once or item by item.

A month end is indexed in one step per table when no two invoices share a key; shared
keys (OCR-folded numbers, prefix-less cores, one RF on two invoices) and repeated
invoices take the item-by-item way. Both must give the same lookups, so the matching
decisions never depend on which way an export took.
"""

from __future__ import annotations

from matching_helpers import IBAN_A, IBAN_B, IBAN_X, item

from bots.cashapp.matching import OpenItemIndex
from bots.cashapp.matching.normalize import batch_invoice_keys
from bots.cashapp.model import OpenItem


class _ItemByItem(OpenItemIndex):
    """The index built by the item-by-item way only."""

    def _build(self, items):  # type: ignore[no-untyped-def]
        items = list(items)
        folded, core, self.key_chars = batch_invoice_keys([i.invoice_number for i in items])
        self._build_each(items, folded, core)


def _tables(index: OpenItemIndex) -> dict[str, object]:
    customers = {cid: (r.names, sorted(r.ibans), r.items) for cid, r in index.customers.items()}
    return {"folded": index.by_folded, "core": index.by_core, "rf": index.by_rf,
            "iban": index.by_iban, "name": list(index.by_name.items()),
            "customers": list(customers.items()), "size": index.size,
            "chars": index.key_chars}


def _items() -> list[OpenItem]:
    return [
        item("INV-2026-1001", "100.00", ibans=(IBAN_A,)),
        item("FAC-2026-1001", "250.00", "C2", creditor_reference="RF18INV7"),  # core shared
        item("INV-2026-1002", "75.10", creditor_reference="RF18 INV7"),  # RF shared
        item("INV-2026-1003", "12.00", "C3", name="Northwind Traders B.V.", ibans=(IBAN_X,)),
        item("INV-2026-1004", "13.00", "C3", name="Northwind Traders", ibans=(IBAN_B,)),
        item("X7", "9.99", "C2"),  # too short for a core
    ]


def test_unique_keys_fill_the_tables_at_once_with_what_item_by_item_gives() -> None:
    items = _items()
    bulk, each = OpenItemIndex(items), _ItemByItem(items)
    assert _tables(bulk) == _tables(each)
    assert bulk.core("20261001") == (items[0], items[1])
    assert bulk.rf("RF18INV7") == (items[1], items[2])
    assert bulk.customers["C3"].names == ["Northwind Traders B.V.", "Northwind Traders"]


def test_folded_numbers_shared_or_repeated_rows_take_the_item_by_item_way() -> None:
    items = [*_items(), item("lNV-2O26-1OO1", "5.00", "C2"),  # folds like INV-2026-1001
             item("INV-2026-1004", "13.00", "C3", name="Northwind Traders", ibans=(IBAN_A,))]
    bulk, each = OpenItemIndex(items), _ItemByItem(items)
    assert _tables(bulk) == _tables(each)
    assert bulk.folded("1NV202610010") == ()
    assert [i.invoice_number for i in bulk.folded("1NV20261001")] == [
        "INV-2026-1001", "lNV-2O26-1OO1"]
    assert IBAN_A.replace(" ", "") in bulk.customers["C3"].ibans
    assert bulk.size == len(items) - 1  # the repeated invoice is one item


def test_an_account_and_a_name_shared_by_many_customers_list_each_once_in_order() -> None:
    # a payment provider's collection account on every customer, one group name for all,
    # and one customer written with many names: each key keeps every customer once, in
    # the order the export first gave them, however many share it
    items = [item(f"INV-{n:05d}", "10.00", f"C{n % 300:03d}", name="Meridian Holding GmbH",
                  ibans=(IBAN_X,)) for n in range(900)]
    items += [item(f"INV-9{n:04d}", "10.00", "G1", name=f"Meridian Branch {n}",
                   ibans=(IBAN_X, IBAN_B)) for n in range(400)]
    items += [item("INV-99999", "10.00", "G1", name="Meridian Branch 7", ibans=(IBAN_B,))]
    customers = [f"C{n:03d}" for n in range(300)] + ["G1"]
    for index in (OpenItemIndex(items), _ItemByItem(items)):
        assert index.customers_by_iban(IBAN_X) == tuple(customers)
        assert index.customers_by_iban(IBAN_B) == ("G1",)
        assert index.customers_by_name("meridian holding") == tuple(customers[:-1])
        assert index.customers["G1"].names == [f"Meridian Branch {n}" for n in range(400)]
        assert index.customers_by_name("meridian branch 7") == ("G1",)
        assert index.holds_iban("C007", IBAN_X) and not index.holds_iban("C007", IBAN_B)
        assert not index.holds_iban("nobody", IBAN_X)
    assert _tables(OpenItemIndex(items)) == _tables(_ItemByItem(items))


def test_the_payer_of_a_shared_account_is_told_by_name_among_its_customers() -> None:
    from matching_helpers import entry

    from bots.cashapp.matching.config import MatchingConfig
    from bots.cashapp.matching.payer import identify_payer

    # a customer of the shared account and one elsewhere have the same name: only the
    # account's customers count, so the name is not ambiguous
    names = {42: "Nordlicht Maschinenbau"}
    items = [item(f"INV-{n:05d}", "10.00", f"C{n:03d}", name=names.get(n, f"Customer {n}"),
                  ibans=(IBAN_X,)) for n in range(500)]
    items.append(item("INV-77777", "10.00", "OTHER", name="Nordlicht Maschinenbau",
                      ibans=(IBAN_A,)))
    index, config = OpenItemIndex(items), MatchingConfig()
    payer = identify_payer(entry("E1", "10.00", iban=IBAN_X, name="NORDLICHT MASCHINENBAU"),
                           index, config)
    assert payer is not None and (payer.customer_id, payer.how) == ("C042", "iban")
    fuzzy = identify_payer(entry("E2", "10.00", iban=IBAN_X, name="Nordlicht Maschinenbaw"),
                           index, config)
    assert fuzzy is not None and (fuzzy.customer_id, fuzzy.how) == ("C042", "fuzzy_name")
    elsewhere = identify_payer(entry("E3", "10.00", iban=IBAN_B, name="Nordlicht Maschinenbaw"),
                               index, config)
    assert elsewhere is None  # two customers of that name, no account to tell them apart
    assert identify_payer(entry("E4", "10.00", iban=IBAN_X, name="Someone Else"),
                          index, config) is None
