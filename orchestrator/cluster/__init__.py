"""Running finbots on several hosts: the browser server robots connect to
(:mod:`.browser_server`). Scheduler leadership lives with the scheduler
(:mod:`orchestrator.scheduler.leadership`)."""
