"""finbots orchestrator: the control plane (store, runs, work items, exception cases, CLI)."""
