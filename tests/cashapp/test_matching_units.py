"""Building blocks: configuration, normalized keys, the index, the open-items CSV loader."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from matching_helpers import IBAN_A, IBAN_X, item

from bots.cashapp.identifiers import make_iban
from bots.cashapp.matching import (
    MatchingConfig,
    OpenItemIndex,
    load_config,
    load_open_items_csv,
)
from bots.cashapp.matching.normalize import invoice_keys, mentions_any, normalize_name
from bots.runtime.errors import ConfigError, OpenItemsError

FORMS = MatchingConfig().legal_forms


def test_config_from_dict_yaml_and_toml(tmp_path: Path) -> None:
    cfg = MatchingConfig.from_dict(
        {"auto_post_threshold": "0.9", "write_off_abs": "2.5", "partial_keywords": ["Teilzahlung"]}
    )
    assert cfg.auto_post_threshold == 0.9 and cfg.write_off_abs == Decimal("2.5")
    assert cfg.partial_keywords == ("Teilzahlung",)
    (tmp_path / "m.yaml").write_text("matching:\n  max_combination_items: 3\n")
    assert load_config(tmp_path / "m.yaml").max_combination_items == 3
    (tmp_path / "m.toml").write_text(
        "duplicate_window_days = 4\n[confidence]\namount_single = 0.8\n"
    )
    cfg = load_config(tmp_path / "m.toml")
    assert cfg.duplicate_window_days == 4 and cfg.score("amount_single") == 0.8
    assert cfg.score("invoice_exact") == 0.97
    assert load_config(None) == MatchingConfig()


def test_config_refuses_unknown_and_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown"):
        MatchingConfig.from_dict({"treshold": 1})
    with pytest.raises(ConfigError, match="write_off_abs"):
        MatchingConfig.from_dict({"write_off_abs": "lots"})
    with pytest.raises(ConfigError):
        MatchingConfig.from_dict({"auto_post_threshold": 3})
    (tmp_path / "bad.yaml").write_text("- a list\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml"):
        load_config(tmp_path / "bad.yaml")


def test_invoice_keys_fold_noise() -> None:
    assert invoice_keys("INV-2026-1007") == invoice_keys("lNV-2O26-1OO7")
    assert invoice_keys("INV-2026-1006")[1] == invoice_keys("2026-1006")[0]
    assert invoice_keys("inv 2026/1019")[0] == invoice_keys("INV-2026-1019")[0]


@pytest.mark.parametrize(
    "raw, norm",
    [
        ("Castellan Retail S.A.", "castellan retail"),
        ("CASTELLAN RETAIL SA", "castellan retail"),
        ("Granite Tools Incorporated", "granite tools"),
        ("GRANITE TOOLS INC", "granite tools"),
        ("Dunmore Logistics B.V.", "dunmore logistics"),
        ("Fjord Marine AS", "fjord marine"),
        ("Müller & Söhne GmbH", "muller and sohne"),
        ("AS", "as"),
    ],
)
def test_names_are_folded_and_legal_forms_stripped(raw: str, norm: str) -> None:
    assert normalize_name(raw, FORMS) == norm


def test_partial_keywords_are_whole_words() -> None:
    kws = MatchingConfig().partial_keywords
    assert mentions_any("INV-1 partial payment 1/3", kws)
    assert mentions_any("A CONTO Rechnung", kws)
    assert not mentions_any("fee 11/2026", kws)
    assert not mentions_any("impartial", kws)


def test_index_merges_customers_and_answers_by_key() -> None:
    items = [
        item("INV-1", "10.00", ibans=(IBAN_A,)),
        item("INV-1", "10.00", ibans=(IBAN_X,)),
        item("INV-2", "20.00", ibans=(IBAN_X,)),
        item("CN-2", "5.00", "C2"),
    ]
    index = OpenItemIndex(items)
    assert index.size == 3
    record = index.customers["C1"]
    assert len(record.items) == 2 and record.ibans == {IBAN_A, IBAN_X}
    assert index.customers_by_iban(IBAN_X) == ("C1",)
    assert index.customers_by_name("acme industrial") == ("C1",)
    assert [i.invoice_number for i in record.with_amount(Decimal("20.00"))] == ["INV-2"]
    assert {i.invoice_number for i in index.core("2")} == set()  # shorter than 4: not indexed
    assert index.number("inv 1").invoice_number == "INV-1"


def _csv(tmp_path: Path, rows: list[str], header: str | None = None) -> Path:
    head = header or (
        "invoice_number,customer_id,customer_name,customer_iban,amount_open,"
        "currency,due_date,discount_percent,discount_until"
    )
    path = tmp_path / "open.csv"
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    return path


def test_csv_loader_merges_iban_rows(tmp_path: Path) -> None:
    iban2 = make_iban("ES", "21000418450200051332")
    path = _csv(
        tmp_path,
        [
            f"INV-1,C1,Castellan Retail S.A.,{IBAN_A},500.00,EUR,2026-11-20,,",
            f"INV-1,C1,Castellan Retail S.A.,{iban2},500.00,EUR,2026-11-20,,",
            "INV-2,C1,Castellan Retail S.A.,,750.00,eur,2026-11-20,2,2026-11-25",
        ],
    )
    items = load_open_items_csv(path)
    assert [i.invoice_number for i in items] == ["INV-1", "INV-2"]
    assert items[0].customer_ibans == (IBAN_A, iban2)
    assert items[1].discount_percent == Decimal("2") and items[1].currency == "EUR"


@pytest.mark.parametrize(
    "row, message",
    [
        ("INV-1,C1,X,,abc,EUR,2026-11-20,,", "not an amount"),
        ("INV-1,C1,X,,-5.00,EUR,2026-11-20,,", "positive"),
        ("INV-1,C1,X,DE00123,5.00,EUR,2026-11-20,,", "IBAN"),
        ("INV-1,C1,X,,5.00,EUR,20.11.2026,,", "ISO date"),
        (",C1,X,,5.00,EUR,2026-11-20,,", "required"),
    ],
)
def test_csv_loader_names_file_and_line(tmp_path: Path, row: str, message: str) -> None:
    path = _csv(tmp_path, ["INV-0,C1,X,,1.00,EUR,2026-11-20,,", row])
    with pytest.raises(OpenItemsError, match=message) as err:
        load_open_items_csv(path)
    assert err.value.line == 3 and str(path) in str(err.value)


def test_csv_loader_missing_columns(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["INV-1,5.00"], header="invoice_number,amount_open")
    with pytest.raises(OpenItemsError, match="missing columns"):
        load_open_items_csv(path)
