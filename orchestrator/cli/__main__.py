"""``python -m orchestrator.cli`` runs the ``finbots`` command line."""

from orchestrator.cli import main

main()
