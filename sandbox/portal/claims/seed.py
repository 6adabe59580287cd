"""What the claims desk starts with: customer access codes and the seeded claims' files.

The portal claims of :mod:`sandbox.disputes_scenario` (channel ``portal``, D01..D05) are
seeded as submitted claims ``DSP-0001``.. in the order of the scenario; their attachments
are generated here: a small real PDF (D02's signed delivery note, fpdf2) and a small real
JPEG (D03's photo of the damaged cartons, Pillow).
"""

from __future__ import annotations

import functools
import io

from fpdf import FPDF
from PIL import Image, ImageDraw

from sandbox.disputes_scenario import SeededClaim, claims, invoice

#: the customer portal's sign-in: customer id -> access code (tests and people use them)
ACCESS_CODES: dict[str, str] = {
    "C1001": "ACME-7Q4K-2281",
    "C1002": "BORE-3M9T-5570",
    "C1003": "CAST-8R2W-6614",
    "C1004": "DUNM-5H7P-1439",
    "C1005": "ELBE-2X6N-9052",
    "C1006": "FJRD-9C3V-4786",
    "C1007": "GRAN-4L8D-3318",
    "C1008": "HELI-6B1F-7205",
}


def claim_id(seq: int) -> str:
    """The portal's claim number: ``DSP-0001``."""
    return f"DSP-{seq:04d}"


def seeded_claims() -> tuple[tuple[str, SeededClaim], ...]:
    """(claim id, seeded claim) of every claim filed through the portal, in order."""
    return tuple((claim_id(n), c) for n, c in enumerate(claims("portal"), start=1))


def media_type(filename: str) -> str:
    low = filename.lower()
    if low.endswith(".pdf"):
        return "application/pdf"
    if low.endswith(".png"):
        return "image/png"
    return "image/jpeg"


@functools.cache
def attachment(claim: SeededClaim) -> bytes:
    """The file the customer attached to ``claim`` (a PDF or an image)."""
    if claim.attachment.lower().endswith(".pdf"):
        return _delivery_note(claim)
    return _photo(claim)


def _delivery_note(claim: SeededClaim) -> bytes:
    inv = invoice(claim.invoice_number)
    pdf = FPDF(format="A4")
    pdf.set_title(f"Delivery note {inv.order_number}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, f"Delivery note {inv.order_number}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    delivered = inv.delivery_date.isoformat() if inv.delivery_date else ""
    pdf.cell(0, 6, f"Delivered {delivered} for invoice {inv.invoice_number}",
             new_x="LMARGIN", new_y="NEXT")
    for line in inv.lines:
        shipped = line.shipped if line.shipped is not None else line.quantity
        pdf.cell(0, 6, f"{line.sku} {line.description}: ordered {line.quantity}, "
                       f"delivered {shipped}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Signed: {inv.proof_of_delivery}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _photo(claim: SeededClaim) -> bytes:
    image = Image.new("RGB", (160, 120), (196, 164, 120))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 30, 80, 100), outline=(90, 60, 30), width=3)
    draw.line((20, 30, 80, 100), fill=(90, 60, 30), width=3)
    draw.rectangle((90, 40, 145, 105), outline=(90, 60, 30), width=3)
    draw.text((22, 8), f"{claim.invoice_number} damaged", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
