"""The collections replies phase and cash application share the finance INBOX: a mail that
announces a remittance advice and carries one is filed to ``Remittances`` unread (the
payment-posting bot reads it there), whatever order the two bots run in; a customer's
reply stays a reply, even one with a copy of an advice attached."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from bots.cashapp.remittance_mail import is_remittance_mail
from bots.collections.replies_run import REPLY_QUEUE, MailboxReplies, read_replies
from bots.runtime import MemoryBackend, RunContext
from bots.runtime.mail_message import parse_message
from sandbox.mail.addresses import FINANCE_MAILBOX
from sandbox.mail.remittances import expected_remittances, seeded_remittances
from sandbox.mail.replies import expected_replies, seeded_replies
from sandbox.scenario import build_scenario


def _seeded(key: str) -> Any:
    wanted = next(e.message_id for e in expected_replies() if e.key == key)
    return next(m for m in seeded_replies(build_scenario()) if m["Message-ID"] == wanted)


def test_an_advice_mail_is_filed_for_cash_application_and_a_reply_is_read(
        tmp_path: Path) -> None:
    backend = MemoryBackend()
    box = backend.add_mailbox("mail/finance", FINANCE_MAILBOX)
    box.deliver(_seeded("R05"))  # an out-of-office reply of C2003
    for msg in seeded_remittances(build_scenario()):
        box.deliver(msg)
    with RunContext("r1", tmp_path / "run", backend=backend) as ctx:
        counts = read_replies(ctx, cast(Any, None), MailboxReplies(ctx.mail("mail/finance")),
                              by_address=lambda _address: "C2003")
        items = list(ctx.queue(REPLY_QUEUE).history("successful"))
    assert counts == {"out_of_office": 1}
    assert [i.reference for i in items] == [_seeded("R05")["Message-ID"]]
    assert [m.message_id for m in box.messages("Remittances")] == [
        e.message_id for e in expected_remittances()]
    assert box.messages("INBOX") == []
    assert not box.messages("Remittances")[0].seen  # unread: cash application's to read


def test_a_reply_with_an_advice_attached_stays_a_reply() -> None:
    paid = parse_message(_seeded("R03").as_bytes(), uid="1", folder="INBOX")
    assert [a.name for a in paid.attachments] == ["remittance_advice.csv"]
    assert not is_remittance_mail(paid.subject, [a.name for a in paid.attachments])
    assert not is_remittance_mail("Remittance advice", ["advice.docx"])
    assert is_remittance_mail("Zahlungsavis 20.11.2026", ["avis.PDF"])
