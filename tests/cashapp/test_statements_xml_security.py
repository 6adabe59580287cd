"""Entity attacks on camt input: refused before parsing, and never resolved by the parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from bots.cashapp.statements import parse_statement
from bots.cashapp.statements.safexml import hardened_parser
from bots.runtime.errors import StatementParseError

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE Document [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>
"""

XXE = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>
"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(StatementParseError, match="not allowed") as err:
        parse_statement(BILLION_LAUGHS.encode(), source="laughs.xml")
    assert err.value.file == "laughs.xml" and err.value.location == "line 2"


def test_external_entity_is_refused_and_file_never_read() -> None:
    with pytest.raises(StatementParseError, match="not allowed") as err:
        parse_statement(XXE.encode(), source="xxe.xml")
    assert "root:" not in str(err.value)
    assert err.value.location == "line 2"


def test_declaration_hidden_in_utf16_is_refused() -> None:
    text = XXE.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    with pytest.raises(StatementParseError, match="not allowed"):
        parse_statement(text.encode("utf-16"), source="xxe16.xml")


def test_parameter_entity_pointing_at_a_remote_dtd_is_refused() -> None:
    doc = (f'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY % remote SYSTEM '
           f'"http://127.0.0.1:9/evil.dtd"> %remote;]>\n<Document xmlns="{NS}"/>')
    with pytest.raises(StatementParseError, match="not allowed"):
        parse_statement(doc.encode(), source="pe.xml")


@pytest.mark.parametrize("doc", [XXE, BILLION_LAUGHS])
def test_the_parser_itself_never_expands_entities(doc: str) -> None:
    """Second line of defence: even past the declaration check nothing is substituted."""
    try:
        root = etree.fromstring(doc.encode(), parser=hardened_parser())
    except etree.XMLSyntaxError as exc:  # libxml2 may stop the amplification itself
        assert "amplification" in str(exc)
        return
    text = "".join(root.itertext())
    assert "root:" not in text
    assert "lol" not in text
    assert Path("/etc/passwd").read_text().splitlines()[0] not in etree.tostring(root).decode()
