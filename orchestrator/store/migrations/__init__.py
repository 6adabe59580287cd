"""The store's schema migrations (Alembic): ``env.py``, the revision template, ``versions/``.

See docs/database.md for how to write one after a change to :mod:`orchestrator.store.models`.
"""
