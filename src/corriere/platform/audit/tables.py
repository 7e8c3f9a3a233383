"""Every support action, with who did it, when and why."""

from __future__ import annotations

from piccolo.columns import BigSerial, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from corriere.platform.accounts.tables import Account, Operator


class AuditLog(Table):
    id = BigSerial(primary_key=True)
    operator = ForeignKey(references=Operator, null=True, on_delete=OnDelete.restrict, index=True)
    account = ForeignKey(references=Account, null=True, on_delete=OnDelete.cascade, index=True)
    action = Varchar(length=48)
    reason = Text(default="")
    details = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
