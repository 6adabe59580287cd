"""The one table of which role may do what.

Every API route and every page declares the permission it needs
(``Depends(require(Permission.CASES_WORK))``); this module is the only place that says
which roles hold it. The role-matrix test walks every route with every role.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from bots.runtime.errors import ConfigError

__all__ = ["ROLE_PERMISSIONS", "Permission", "Role", "parse_roles", "permissions_of"]


class Role(StrEnum):
    ADMIN = "admin"
    DEVELOPER = "developer"  # the automation CoE: bots, schedules, queues
    OPERATOR = "operator"  # starts and stops jobs
    FINANCE_REVIEWER = "finance_reviewer"  # works exception cases
    APPROVER = "approver"  # approves write-offs, refunds, manual postings
    CREDIT_ANALYST = "credit_analyst"  # works credit cases up to the analyst's limit
    CREDIT_MANAGER = "credit_manager"  # works every credit case, approves credit releases
    AUDITOR = "auditor"  # read-only, incl. the audit trail
    SUPPORT = "support"  # read-only: runs, steps, logs, screenshots
    CUSTOMER_SERVICE = "customer_service"  # read-only: customers and their finance status
    ROBOT = "robot"  # a robot process (API token), never a person


class Permission(StrEnum):
    SELF_READ = "self.read"  # who am I: every signed-in person and every token
    DASHBOARD_READ = "dashboard.read"
    RUNS_READ = "runs.read"  # runs, steps, logs, screenshots, traces
    JOBS_READ = "jobs.read"
    JOBS_START = "jobs.start"
    JOBS_STOP = "jobs.stop"  # stop and kill
    SCHEDULES_READ = "schedules.read"
    SCHEDULES_WRITE = "schedules.write"
    QUEUES_READ = "queues.read"
    QUEUES_WRITE = "queues.write"  # add and delete items, queue settings
    ITEMS_RETRY = "items.retry"
    ROBOTS_READ = "robots.read"
    ROBOT_WORK = "robot.work"  # claim jobs and items, heartbeat, report steps
    CASES_READ = "cases.read"
    CASES_WORK = "cases.work"  # claim, assign, release, comment, resolve
    APPROVALS_DECIDE = "approvals.decide"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"
    TOKENS_MANAGE = "tokens.manage"
    VAULT_READ_META = "vault.read_meta"  # names, versions, access log; never values
    VAULT_WRITE = "vault.write"
    LEARNED_READ = "learned.read"  # what bots learned from people's decisions
    LEARNED_WITHDRAW = "learned.withdraw"  # take a learned rule back (audited)
    BOTS_CONFIGURE = "bots.configure"  # change a bot's policies and templates (audited)
    COLLECTIONS_READ = "collections.read"  # the collector's worklist and customer pages
    COLLECTIONS_ACT = "collections.act"  # ask the collections bot to act (audited)
    BILLING_READ = "billing.read"  # checked drafts, the revenue-leakage report
    CUSTOMERS_READ = "customers.read"  # customer pages: invoices, payments, cases (audited)
    STATEMENTS_READ = "statements.read"  # bank statements reconciled, item by item
    METRICS_READ = "metrics.read"  # /metrics for Prometheus: the finance figures, no names
    DISPUTES_READ = "disputes.read"  # dispute cases and the reason classifier's acceptance


_P = Permission
_SELF = {_P.SELF_READ}
_READ_OPS = _SELF | {_P.DASHBOARD_READ, _P.RUNS_READ, _P.JOBS_READ, _P.SCHEDULES_READ,
                     _P.QUEUES_READ, _P.ROBOTS_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(set(Permission) - {_P.ROBOT_WORK, _P.APPROVALS_DECIDE}),
    Role.DEVELOPER: frozenset(_READ_OPS | {
        _P.JOBS_START, _P.JOBS_STOP, _P.SCHEDULES_WRITE, _P.QUEUES_WRITE, _P.ITEMS_RETRY,
        _P.CASES_READ, _P.VAULT_READ_META, _P.VAULT_WRITE, _P.LEARNED_READ,
        _P.BOTS_CONFIGURE, _P.METRICS_READ}),
    Role.OPERATOR: frozenset(_READ_OPS | {_P.JOBS_START, _P.JOBS_STOP, _P.ITEMS_RETRY}),
    Role.FINANCE_REVIEWER: frozenset(_SELF | {_P.DASHBOARD_READ, _P.RUNS_READ, _P.CASES_READ,
                                              _P.CASES_WORK, _P.QUEUES_READ, _P.LEARNED_READ,
                                              _P.LEARNED_WITHDRAW, _P.COLLECTIONS_READ,
                                              _P.COLLECTIONS_ACT, _P.BILLING_READ,
                                              _P.CUSTOMERS_READ, _P.STATEMENTS_READ,
                                              _P.DISPUTES_READ}),
    Role.CREDIT_ANALYST: frozenset(_SELF | {_P.DASHBOARD_READ, _P.RUNS_READ, _P.CASES_READ,
                                            _P.CASES_WORK, _P.QUEUES_READ, _P.LEARNED_READ,
                                            _P.CUSTOMERS_READ, _P.DISPUTES_READ}),
    Role.CREDIT_MANAGER: frozenset(_SELF | {_P.DASHBOARD_READ, _P.RUNS_READ, _P.CASES_READ,
                                            _P.CASES_WORK, _P.QUEUES_READ, _P.LEARNED_READ,
                                            _P.APPROVALS_DECIDE, _P.CUSTOMERS_READ,
                                            _P.DISPUTES_READ}),
    Role.APPROVER: frozenset(_SELF | {_P.DASHBOARD_READ, _P.RUNS_READ, _P.CASES_READ,
                                      _P.APPROVALS_DECIDE, _P.LEARNED_READ,
                                      _P.LEARNED_WITHDRAW, _P.COLLECTIONS_READ,
                                      _P.BILLING_READ, _P.CUSTOMERS_READ,
                                      _P.STATEMENTS_READ, _P.DISPUTES_READ}),
    Role.AUDITOR: frozenset(_READ_OPS | {_P.CASES_READ, _P.AUDIT_READ, _P.VAULT_READ_META,
                                         _P.LEARNED_READ, _P.COLLECTIONS_READ,
                                         _P.BILLING_READ, _P.CUSTOMERS_READ,
                                         _P.STATEMENTS_READ, _P.DISPUTES_READ}),
    Role.SUPPORT: frozenset(_READ_OPS | {_P.CASES_READ, _P.LEARNED_READ, _P.METRICS_READ,
                                         _P.DISPUTES_READ}),
    Role.CUSTOMER_SERVICE: frozenset(_SELF | {_P.CUSTOMERS_READ, _P.DISPUTES_READ}),
    Role.ROBOT: frozenset(_SELF | {_P.ROBOT_WORK}),
}


def permissions_of(roles: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[Permission]:
    """Everything the given roles (names; unknown names grant nothing) may do."""
    held: set[Permission] = set()
    for name in roles:
        try:
            held |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue
    return frozenset(held)


def parse_roles(names: Iterable[str]) -> list[str]:
    """Role names checked against :class:`Role` (ConfigError names the unknown one)."""
    roles: list[str] = []
    for raw in names:
        name = raw.strip().lower().replace("-", "_")
        try:
            role = Role(name)
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ConfigError(f"unknown role {raw!r} (known: {known})") from None
        if role.value not in roles:
            roles.append(role.value)
    if not roles:
        raise ConfigError("give at least one role")
    return roles
