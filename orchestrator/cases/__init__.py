"""Clearing exception cases: which resolutions fit a case, and the allocations a person makes.

Pure rules, no store access: :mod:`orchestrator.store` (cases, case work, approvals) calls
them, so the rules hold whether a person acts in the web UI, the API or the CLI.
"""
