"""The legacy ERP sandbox: a server-rendered accounts-receivable module of the old school."""
