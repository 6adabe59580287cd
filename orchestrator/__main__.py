"""``python -m orchestrator`` runs the ``finbots`` command line."""

from orchestrator.cli import main

main()
