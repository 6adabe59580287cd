"""A legacy desktop client of the sandbox ERP ("NWC Financials AR 4.2"), in Tk.

It works on the same SQLite ground truth as the web ERP (:mod:`sandbox.erp.db`) with the
same validation of cash receipts, so a receipt posted in either client shows in both,
and a bank reference posted twice shows twice. Start it on an X display with::

    python -m sandbox.desktop_erp --db runs/sandbox/erp.db

Screens and keys are described in :mod:`sandbox.desktop_erp.app`, slowness and fault
knobs in :mod:`sandbox.desktop_erp.knobs`. Every window of the client has the window
class ``NwcFinancials``.
"""
