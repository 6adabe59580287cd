"""The store: one class, the same code on SQLite and PostgreSQL."""

from __future__ import annotations

from orchestrator.store.approvals import ApprovalsMixin
from orchestrator.store.audit import AuditMixin
from orchestrator.store.audit_lookup import AuditLookupMixin
from orchestrator.store.bot_configs import BotConfigsMixin
from orchestrator.store.bot_records import BotRecordsMixin
from orchestrator.store.bot_state import BotStateMixin
from orchestrator.store.case_bot_updates import CaseBotUpdatesMixin
from orchestrator.store.case_work import CaseWorkMixin
from orchestrator.store.cases import CasesMixin
from orchestrator.store.credential_log import CredentialLogMixin
from orchestrator.store.customer_directory import CustomerDirectoryMixin
from orchestrator.store.finance_figures import FinanceFiguresMixin
from orchestrator.store.item_failures import ItemFailuresMixin
from orchestrator.store.jobs import JobsMixin
from orchestrator.store.learned_rules import LearnedRulesMixin
from orchestrator.store.leases import LeasesMixin
from orchestrator.store.queues import QueuesMixin
from orchestrator.store.recovery import RecoveryMixin
from orchestrator.store.robots import RobotsMixin
from orchestrator.store.runs import RunsMixin
from orchestrator.store.schedules import SchedulesMixin
from orchestrator.store.statements import StatementsMixin
from orchestrator.store.stats import StatsMixin
from orchestrator.store.users import UsersMixin
from orchestrator.store.waiting import WaitingMixin

__all__ = ["Store"]


class Store(
    RunsMixin, QueuesMixin, ItemFailuresMixin, LeasesMixin, RecoveryMixin, CasesMixin,
    StatementsMixin,
    AuditMixin, JobsMixin, RobotsMixin, SchedulesMixin, UsersMixin, CredentialLogMixin,
    CaseWorkMixin, ApprovalsMixin, StatsMixin, BotStateMixin, AuditLookupMixin,
    LearnedRulesMixin, BotConfigsMixin, BotRecordsMixin, CustomerDirectoryMixin,
    FinanceFiguresMixin, WaitingMixin, CaseBotUpdatesMixin,
):
    """Runs and jobs, steps, work queues and items, exception cases and their work,
    approvals, imported statements, schedules, robots, users, the audit trail.

    ``Store(url)`` creates the tables on first use. Every method is one short transaction;
    records come back detached (plain objects, safe to keep after the call).
    Also serves the bots runtime as its step sink (``add_step``), item sink
    (``complete_item`` / ``fail_item``) and statement registry (``statement_seen`` /
    ``remember_statement``).
    """

    @classmethod
    def from_settings(cls) -> Store:
        """The store configured by the environment (``FINBOTS_DB_URL``)."""
        from orchestrator.config import get_settings

        settings = get_settings()
        return cls(settings.db_url, case_sla_hours=settings.case_sla_hours)
