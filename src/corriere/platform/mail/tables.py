"""The mail outbox: every e-mail is written here in the transaction that causes it, then sent by a job.

In embedded mode (no SMTP configured) the outbox is where mail stays, for the support console and
the demo pages to show.
"""

from __future__ import annotations

from piccolo.columns import BigSerial, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from corriere.platform.accounts.tables import Account


class MailOutbox(Table):
    id = BigSerial(primary_key=True)
    account = ForeignKey(references=Account, null=True, on_delete=OnDelete.set_null, index=True)
    recipient = Varchar(length=254)
    subject = Varchar(length=200)
    text_body = Text()
    html_body = Text()
    kind = Varchar(length=32)  # welcome, password_reset, low_credit, …
    status = Varchar(length=12, default="pending")  # pending / sending / sent / kept / failed
    attempts = Integer(default=0)  # claims so far (a claim by a worker that died counts too)
    # No worker takes the row before this moment: the lease of the worker sending it
    # (`sending`), or the pause before the next try (`pending`).
    locked_until = Timestamptz(null=True, default=None)
    error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)
