"""Bank statement intake: camt.053/054, MT940, BAI2 and bank CSV into ``Statement``.

``parse_statement`` tells the format from the content; ``check_balance`` reconciles;
``import_statement`` adds duplicate detection and quarantine. Remittance advices
(spreadsheet or PDF) are read by ``parse_remittance_file``.
"""

from __future__ import annotations

from bots.cashapp.statements.advice import parse_remittance_file
from bots.cashapp.statements.bai2_format import parse_bai2
from bots.cashapp.statements.balance import Reconciliation, check_balance, reconcile
from bots.cashapp.statements.camt import parse_camt
from bots.cashapp.statements.csv_format import parse_csv
from bots.cashapp.statements.csv_mapping import MAPPINGS, CsvMapping, detect_mapping
from bots.cashapp.statements.detect import (
    detect_format,
    parse_file,
    parse_file_statements,
    parse_statement,
    parse_statements,
)
from bots.cashapp.statements.intake import (
    ImportedStatement,
    import_statement,
    import_statements,
    quarantine,
)
from bots.cashapp.statements.mt940_format import parse_mt940
from bots.cashapp.statements.registry import (
    JsonFileRegistry,
    MemoryRegistry,
    StatementKey,
    StatementRegistry,
)
from bots.cashapp.statements.serialize import statement_to_dict

__all__ = [
    "MAPPINGS",
    "CsvMapping",
    "ImportedStatement",
    "JsonFileRegistry",
    "MemoryRegistry",
    "Reconciliation",
    "StatementKey",
    "StatementRegistry",
    "check_balance",
    "detect_format",
    "detect_mapping",
    "import_statement",
    "import_statements",
    "parse_bai2",
    "parse_camt",
    "parse_csv",
    "parse_file",
    "parse_file_statements",
    "parse_mt940",
    "parse_remittance_file",
    "parse_statement",
    "parse_statements",
    "quarantine",
    "reconcile",
    "statement_to_dict",
]
