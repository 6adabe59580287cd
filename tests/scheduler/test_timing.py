"""Due and missed fires: what one pass does (no database)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schedhelp import at

from orchestrator.scheduler import MAX_LATE_JOBS, plan_fires
from orchestrator.store.models import Schedule

MINUTELY = {"cron": "* * * * *"}


def sched(next_fire_at: dt.datetime | None, **fields: Any) -> Schedule:
    values: dict[str, Any] = {"name": "s", "bot": "b", "kind": "cron", "spec": MINUTELY,
                              "next_fire_at": next_fire_at, **fields}
    return Schedule(**values)


NOW = at("2026-03-02T10:00:20")


def test_nothing_due() -> None:
    assert plan_fires(sched(at("2026-03-02T10:01:00")), None, NOW) is None
    assert plan_fires(sched(None), None, NOW) is None


def test_on_time_fire() -> None:
    plan = plan_fires(sched(at("2026-03-02T10:00:00"), misfire="skip"), None, NOW)
    assert plan is not None
    assert plan.fire_times == (at("2026-03-02T10:00:00"),) and plan.jobs == 1
    assert plan.next_fire_at == at("2026-03-02T10:01:00")
    assert plan.last_fire_at == at("2026-03-02T10:00:00")
    assert plan.expected == at("2026-03-02T10:00:00")


def test_missed_run_once_coalesced_is_one_job() -> None:
    plan = plan_fires(sched(at("2026-03-02T09:50:00"), misfire_grace_seconds=3600), None, NOW)
    assert plan is not None and len(plan.fire_times) == 11 and plan.jobs == 1
    assert plan.next_fire_at == at("2026-03-02T10:01:00")


def test_missed_run_once_not_coalesced_is_one_job_each() -> None:
    plan = plan_fires(sched(at("2026-03-02T09:50:00"), misfire_grace_seconds=3600,
                            coalesce=False), None, NOW)
    assert plan is not None and plan.jobs == 11


def test_only_fires_within_grace_run_late() -> None:
    plan = plan_fires(sched(at("2026-03-02T09:00:00"), misfire_grace_seconds=300,
                            coalesce=False), None, NOW)
    assert plan is not None
    assert plan.fire_times[0] == at("2026-03-02T09:56:00")  # 09:55 is 320 s late
    assert plan.jobs == 5  # 09:56 .. 10:00
    assert plan.next_fire_at == at("2026-03-02T10:01:00")


def test_beyond_grace_or_skip_runs_nothing() -> None:
    daily = {"cron": "0 7 * * *"}
    gone = sched(at("2026-03-02T07:00:00"), spec=daily, misfire_grace_seconds=3600,
                 last_fire_at=at("2026-03-01T07:00:00"))
    plan = plan_fires(gone, None, NOW)
    assert plan is not None and plan.jobs == 0 and plan.fire_times == ()
    assert plan.next_fire_at == at("2026-03-03T07:00:00")
    assert plan.last_fire_at == at("2026-03-01T07:00:00")  # unchanged: nothing ran
    skipped = plan_fires(sched(at("2026-03-02T09:59:00"), misfire="skip",
                               misfire_grace_seconds=3600), None, NOW)
    assert skipped is not None and skipped.fire_times == (at("2026-03-02T10:00:00"),)
    late = plan_fires(sched(at("2026-03-02T09:59:00"), misfire="skip"), None,
                      at("2026-03-02T10:00:45"))
    assert late is not None and late.jobs == 0


def test_late_jobs_are_bounded() -> None:
    plan = plan_fires(sched(at("2026-03-01T10:00:00"), misfire_grace_seconds=86400,
                            coalesce=False), None, NOW)
    assert plan is not None and plan.jobs == MAX_LATE_JOBS == 100
    assert plan.next_fire_at == at("2026-03-02T10:01:00")


def test_one_off_date_has_no_next() -> None:
    once = sched(at("2026-03-02T10:00:00"), kind="date", spec={"at": "2026-03-02T10:00:00+00:00"})
    plan = plan_fires(once, None, NOW)
    assert plan is not None and plan.jobs == 1 and plan.next_fire_at is None


def test_public_surface() -> None:
    import orchestrator.scheduler as scheduler

    assert sorted(scheduler.__all__) == sorted(
        name for name in vars(scheduler) if not name.startswith("_")
        and name not in ("annotations", "business", "calendars", "definition", "service",
                         "schedules", "timing", "triggers", "leadership", "leader_pg",
                         "leader_file"))
    assert all(getattr(scheduler, name) is not None for name in scheduler.__all__)
