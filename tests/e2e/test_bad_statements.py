"""Statement files the bot must refuse: a clear error, the file kept aside, nothing posted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.runner import run_bot

pytestmark = [pytest.mark.e2e]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "statements"
CAMT = (FIXTURES / "camt053_v08_northwind.xml").read_bytes()
MT940 = (FIXTURES / "mt940_sepa.sta").read_bytes()

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><x>&lol3;</x></Document>
"""


def _broken_mt940_tag(data: bytes) -> bytes:
    return data.replace(b":61:", b":6X:", 1)


CASES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "truncated camt": ("stmt.xml", lambda: CAMT[: len(CAMT) * 2 // 3], "line"),
    "entity expansion": ("stmt.xml", lambda: BILLION_LAUGHS, "entity"),
    "wrong encoding": ("stmt.xml", lambda: CAMT.decode().encode("utf-16"), "encod"),
    "mt940 broken tag": ("stmt.sta", lambda: _broken_mt940_tag(MT940), "line"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_statement_is_quarantined_and_nothing_posted(
        home: Any, sandbox: Any, tmp_path: Path, case: str) -> None:
    name, content, hint = CASES[case]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = inbox / name
    path.write_bytes(content())

    outcome = run_bot("payment-posting", {"statement_file": str(path)})

    assert outcome.status == "failed"
    assert outcome.error and name in outcome.error
    assert hint.lower() in outcome.error.lower(), outcome.error
    assert not path.exists()  # moved out of the inbox
    quarantined = home.runs / "quarantine" / name
    assert quarantined.read_bytes() == content()
    reason = (home.runs / "quarantine" / f"{name}.error.txt").read_text()
    assert "reason:" in reason and "location:" in reason
    assert sandbox.postings() == []
    assert home.store().list_items("payment-posting") == []
