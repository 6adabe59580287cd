"""The audit trail's verification: the admin page's button and ``/api/v1/audit/verify``."""

from __future__ import annotations

from orchestrator.services.auth_models import AuditProblemOut, AuditVerifyOut
from orchestrator.store import Store

__all__ = ["verify"]


def verify(store: Store) -> AuditVerifyOut:
    """Check the hash chain: how many records, the newest hash, and every problem found."""
    problems = store.verify_audit()
    count, head = store.audit_head()
    return AuditVerifyOut(ok=not problems, records=count, head=head,
                          problems=[AuditProblemOut(id=p.id, kind=p.kind, message=p.message)
                                    for p in problems])
