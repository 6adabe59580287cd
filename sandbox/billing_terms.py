"""The seeded billing run's master data and contracts: customers' billing master and
purchase orders (held by the ERP), contracts with their lines, discounts, amendments, usage
and milestones (held by the billing portal). VAT IDs are real-format: the valid ones pass
the checksum, the one meant invalid fails it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from stdnum.eu import vat as eu_vat

from sandbox.billing_records import (
    PO,
    Amendment,
    BillingMaster,
    CLine,
    Contract,
    D,
    Milestone,
    Usage,
)


def _vat_id(template: str) -> str:
    """The first VAT ID passing the checksum with the ``?`` filled in (deterministic)."""
    pos = template.index("?")
    for ch in "0123456789ABCDEFGHIJKLMNOPQRSTUVW":
        candidate = template[:pos] + ch + template[pos + 1:]
        if "?" in candidate:
            found = _vat_id_or_none(candidate)
            if found:
                return found
        elif eu_vat.is_valid(candidate):
            return candidate
    raise ValueError(f"no valid VAT ID for {template}")


def _vat_id_or_none(template: str) -> str | None:
    try:
        return _vat_id(template)
    except ValueError:
        return None


def _invalid(valid: str) -> str:
    """``valid`` with its last digit changed so that the checksum fails."""
    for d in "0123456789":
        candidate = valid[:-1] + d
        if candidate != valid and not eu_vat.is_valid(candidate):
            return candidate
    raise ValueError(valid)


# -- master data (ERP) -------------------------------------------------------------------

@cache
def billing_masters() -> tuple[BillingMaster, ...]:
    de = _vat_id("DE13669597?")
    rows = [
        ("C1001", "Acme Industrial GmbH", "Industriestr. 4", "70565", "Stuttgart", "DE",
         _vat_id("DE81129?321"), False),
        ("C1002", "Borealis Foods Ltd", "12 Dock Road", "E16 2QU", "London", "GB", None, False),
        ("C1003", "Castellan Retail S.A.", "8 rue de la Paix", "75002", "Paris", "FR",
         "FR44732829320", False),
        ("C1004", "Dunmore Logistics B.V.", "Havenweg 21", "3089 JK", "Rotterdam", "NL",
         _vat_id("NL00449544?B01"), False),
        ("C1005", "Elbe Pharma AG", "Elbchaussee 300", "22609", "Hamburg", "DE", de, True),
        ("C1006", "Fjord Marine AS", "Strandkaien 5", "5013", "Bergen", "NO", None, False),
        ("C1007", "Granite Tools Inc.", "400 Quarry Ave", "05641", "Barre VT", "US", None,
         False),
        ("C1008", "Helios Energy SE", "Sonnenallee 77", "12045", "Berlin", "DE",
         _vat_id("DE26318712?"), True),
        ("C2001", "Aurora Textilwerke GmbH", "Webereistr. 9", "48599", "Gronau", "DE",
         _vat_id("DE11400278?"), False),
        ("C2002", "Baltic Freight Ltd", "Unit 4, Dublin Port", "D01 K0E2", "Dublin", "IE",
         None, False),
        ("C2003", "Cobalt Mining plc", "1 Pit Lane", "CF10 1AA", "Cardiff", "GB", None, False),
        ("C2004", "Delta Druck AG", "Druckergasse 3", "1010", "Wien", "AT",
         _invalid(_vat_id("ATU1358562?")), False),
        ("C2005", "Everest Hotels Ltd", "22 Grafton Street", "D02 X285", "Dublin", "IE",
         _vat_id("IE3628739?"), False),
        ("C2006", "Fennel Feinkost GmbH", "Marktplatz 2", "50667", "Koeln", "DE",
         _vat_id("DE12225896?"), False),
        ("C2007", "Glacier Sports Inc.", "77 Summit Rd", "80202", "Denver CO", "US", None,
         False),
        ("C2008", "Harbor Electronics B.V.", "Kade 14", "1013 AA", "Amsterdam", "NL",
         _vat_id("NL81388420?B01"), True),
        ("C2009", "Iris Software Ltd", "5 Harcourt Road", "D02 HW77", "Dublin", "IE",
         _vat_id("IE6388047?"), False),
        ("C2010", "Juniper Medizintechnik GmbH", "Auenweg 11", "91052", "Erlangen", "DE",
         _vat_id("DE81379145?"), True),
    ]
    return tuple(BillingMaster(*r) for r in rows)


def purchase_orders() -> tuple[PO, ...]:
    rows = [
        ("PO-EP-4500112", "C1005", "30000.00", "12000.00", dt.date(2027, 3, 31)),
        ("PO-EP-4500187", "C1005", "20000.00", "5000.00", dt.date(2027, 6, 30)),
        ("PO-HEL-778", "C1008", "40000.00", "18000.00", dt.date(2026, 10, 31)),
        ("PO-HEL-812", "C1008", "25000.00", "20000.00", dt.date(2027, 9, 30)),
        ("PO-HAR-0003", "C2008", "30000.00", "15000.00", dt.date(2027, 1, 31)),
        ("PO-JUN-2026-14", "C2010", "50000.00", "41000.00", dt.date(2027, 6, 30)),
    ]
    return tuple(PO(n, c, D(a), D(r), e) for n, c, a, r, e in rows)


# -- contracts (portal) ------------------------------------------------------------------

def _l(line_id: str, sku: str, text: str, price: str, qty: str = "1", kind: str = "recurring",
       unit: str = "month") -> CLine:
    return CLine(line_id, sku, text, kind, D(price), D(qty), unit)


SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)
_MA, _MR, _QR, _MS = ("monthly_in_advance", "monthly_in_arrears", "quarterly_in_arrears",
                      "milestones")
CONTRACTS = (
    Contract("CT-2026-101", "C1001", SEP, _MA, 30, "domestic",
             (_l("L1", "SAAS-SEAT", "SaaS platform licence", "48.00", "25", unit="seat"),
              _l("L2", "SUP-PREM", "Premium support", "350.00")),
             ((D("5"), dt.date(2027, 6, 30), "L1"),)),
    Contract("CT-2026-102", "C1002", SEP, _MA, 45, "export",
             (_l("L1", "TEL-UNIT", "Fleet telematics subscription", "12.50", "40",
                 unit="unit"),)),
    Contract("CT-2026-103", "C1003", OCT, _MA, 30, "reverse_charge",
             (_l("L1", "ANA-STORE", "Store analytics licence", "95.00", "12", unit="store"),)),
    Contract("CT-2026-104", "C1004", dt.date(2026, 5, 1), _QR, 30, "reverse_charge",
             (_l("L1", "WRS-SVC", "Warehouse robotics service", "4200.00", unit="quarter"),
              _l("L2", "WRS-HRS", "Robot operating hours", "3.20", "0", "usage", "h"))),
    Contract("CT-2026-105", "C1005", OCT, _MA, 30, "domestic",
             (_l("L1", "LIMS-LIC", "LIMS licence", "210.00", "10", unit="user"),),
             po_number="PO-EP-4500112"),
    Contract("CT-2026-106", "C1005", dt.date(2026, 7, 1), _MS, 30, "domestic",
             (_l("M1", "VAL-SVC", "Validation services", "0.00", "1", "milestone",
                 "milestone"),), po_number="PO-EP-4500187"),
    Contract("CT-2026-107", "C1006", SEP, _MR, 30, "export",
             (_l("L1", "VTR-BASE", "Vessel tracking base fee", "600.00"),
              _l("L2", "VTR-SAT", "Satellite data", "0.045", "0", "usage", "MB"))),
    Contract("CT-2026-108", "C1007", OCT, _MA, 30, "export",
             (_l("L1", "CAD-SEAT", "CAD seats", "150.00", "8", unit="seat"),)),
    Contract("CT-2026-109", "C1008", OCT, _MA, 30, "domestic",
             (_l("L1", "GRID-MON", "Grid monitoring service", "2750.00"),),
             po_number="PO-HEL-778"),
    Contract("CT-2026-110", "C2001", SEP, _MA, 30, "domestic",
             (_l("L1", "ERP-HOST", "ERP hosting", "1800.00"),),
             ((D("10"), dt.date(2026, 10, 31), None),)),
    Contract("CT-2026-111", "C2002", NOV, _MA, 30, "reverse_charge",
             (_l("L1", "ROUTE-LIC", "Route planning licence", "220.00", "6", unit="user"),)),
    Contract("CT-2026-112", "C2003", NOV, _MA, 30, "export",
             (_l("L1", "GEO-FEED", "Geo data feed", "990.00"),)),
    Contract("CT-2026-113", "C2004", NOV, _MA, 30, "reverse_charge",
             (_l("L1", "PWF-LIC", "Print workflow licence", "310.00", "4", unit="press"),)),
    Contract("CT-2026-114", "C2005", OCT, _MA, 30, "reverse_charge",
             (_l("L1", "BOOK-ENG", "Booking engine", "1450.00"),)),
    Contract("CT-2026-115", "C2006", NOV, _MA, 30, "domestic",
             (_l("L1", "POS-RENT", "POS terminal rental", "39.00", "14", unit="terminal"),)),
    Contract("CT-2026-116", "C2007", OCT, _MA, 30, "export",
             (_l("L1", "ECOM-PLT", "E-commerce platform", "2200.00"),)),
    Contract("CT-2026-117", "C2008", NOV, _MA, 30, "reverse_charge",
             (_l("L1", "TB-LEASE", "Test bench lease", "780.00", "3", unit="bench"),),
             po_number="PO-HAR-0003"),
    Contract("CT-2026-118", "C2009", OCT, _MA, 30, "reverse_charge",
             (_l("L1", "DEV-SEAT", "Developer tooling seats", "19.00", "30", unit="seat"),)),
    Contract("CT-2026-119", "C2010", SEP, _MA, 30, "domestic",
             (_l("L1", "DEV-REG", "Device registry", "3100.00"),), po_number="PO-JUN-2026-14"),
    Contract("CT-2026-120", "C1003", dt.date(2026, 6, 1), _MS, 30, "reverse_charge",
             (_l("M1", "IMPL", "Implementation project", "0.00", "1", "milestone",
                 "milestone"),)),
    Contract("CT-2026-121", "C1004", NOV, _MA, 30, "reverse_charge",
             (_l("L1", "YARD-MGT", "Yard management", "640.00"),)),
    Contract("CT-2026-122", "C2001", NOV, _MA, 30, "domestic",
             (_l("L1", "PAYROLL", "Payroll service", "900.00"),)),
    Contract("CT-2026-123", "C1002", dt.date(2026, 3, 1), _QR, 45, "export",
             (_l("L1", "CCS-SENS", "Cold-chain sensors", "2400.00", unit="quarter"),)),
    Contract("CT-2026-124", "C1008", OCT, _MR, 30, "domestic",
             (_l("L1", "MTR-READ", "Meter reads", "0.08", "0", "usage", "read"),),
             po_number="PO-HEL-812"),
    Contract("CT-2026-125", "C2008", dt.date(2026, 5, 1), _QR, 30, "reverse_charge",
             (_l("L1", "CAL-SVC", "Calibration service", "5100.00", unit="quarter"),),
             po_number="PO-HAR-0003"),
    Contract("CT-2026-126", "C2006", NOV, _MA, 30, "domestic",
             (_l("L1", "SHELF-LBL", "Electronic shelf labels service", "420.00"),)),
)

AMENDMENTS = (
    # signed mid-November, effective mid-period: December is billed at the new price
    Amendment("CT-2026-114", dt.date(2026, 11, 16), "L1", new_unit_price=D("1595.00")),
)

USAGE = (
    Usage("CT-2026-104", "L2", dt.date(2026, 8, 1), dt.date(2026, 8, 31), D("412.5")),
    Usage("CT-2026-104", "L2", dt.date(2026, 9, 1), dt.date(2026, 9, 30), D("398")),
    Usage("CT-2026-104", "L2", dt.date(2026, 10, 1), dt.date(2026, 10, 31), D("455.25")),
    Usage("CT-2026-107", "L2", dt.date(2026, 9, 1), dt.date(2026, 9, 30), D("15400")),
    Usage("CT-2026-107", "L2", dt.date(2026, 10, 1), dt.date(2026, 10, 31), D("18250")),
    Usage("CT-2026-124", "L1", dt.date(2026, 10, 1), dt.date(2026, 10, 31), D("52000")),
)

MILESTONES = (
    Milestone("CT-2026-106", "M1", "Phase 1 acceptance", dt.date(2026, 9, 15), D("6000.00"),
              True),
    Milestone("CT-2026-106", "M1", "Phase 2 acceptance", dt.date(2026, 11, 15), D("8500.00"),
              False),
    Milestone("CT-2026-106", "M1", "Phase 3 acceptance", dt.date(2027, 2, 15), D("8500.00"),
              False),
    Milestone("CT-2026-120", "M1", "Go-live", dt.date(2026, 11, 10), D("12000.00"), False),
)
