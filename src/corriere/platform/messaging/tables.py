"""Send orders (campaigns), one message per recipient, the parts submitted, receipts and MO."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from corriere.platform.accounts.tables import Account


class Campaign(Table):
    id = BigSerial(primary_key=True)
    account = ForeignKey(references=Account, on_delete=OnDelete.restrict, index=True)
    sms_type = Varchar(length=8)
    sender = Varchar(length=16)
    text = Text()
    encoding = Varchar(length=8)
    parts = SmallInt()
    recipients = Integer()
    cost = BigInt()
    route = Varchar(length=32)
    source = Varchar(length=16, default="web")
    status = Varchar(length=16, default="active")  # active / cancelled
    scheduled_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Message(Table):
    id = BigSerial(primary_key=True)
    campaign = ForeignKey(references=Campaign, on_delete=OnDelete.cascade)
    account = ForeignKey(references=Account, on_delete=OnDelete.restrict)
    recipient = Varchar(length=16)
    country = Varchar(length=2)
    parts = SmallInt()
    cost = BigInt()
    route = Varchar(length=32)
    state = Varchar(length=12)
    due_at = Timestamptz()
    attempt = Integer(default=0)
    lease_until = Timestamptz(null=True, default=None)
    lease_owner = Varchar(length=64, null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    done_at = Timestamptz(null=True, default=None)
    error = Varchar(length=64, null=True, default=None)


class MessagePart(Table):
    id = BigSerial(primary_key=True)
    message = ForeignKey(references=Message, on_delete=OnDelete.cascade)
    seq = SmallInt()
    route = Varchar(length=32)
    smsc_id = Varchar(length=64, null=True, default=None)
    state = Varchar(length=12)
    error = Varchar(length=64, null=True, default=None)
    submitted_at = Timestamptz()
    done_at = Timestamptz(null=True, default=None)


class Receipt(Table):
    """Every delivery receipt as received, matched to its part now or when the part is recorded."""

    id = BigSerial(primary_key=True)
    route = Varchar(length=32)
    smsc_id = Varchar(length=64)
    state = Varchar(length=12)
    error = Varchar(length=64, null=True, default=None)
    done_at = Timestamptz()
    received_at = Timestamptz()
    matched = Boolean(default=False)


class InboundMessage(Table):
    """Mobile-originated SMS as received from an SMSC, for the inbound router."""

    id = BigSerial(primary_key=True)
    route = Varchar(length=32)
    sender = Varchar(length=32)
    recipient = Varchar(length=32)
    text = Text()
    received_at = Timestamptz(default=TimestamptzNow())
    handled = Boolean(default=False)


class GatewayBind(Table):
    """The last status each gateway process reported for its SMPP binds."""

    route = Varchar(length=32, unique=True)
    owner = Varchar(length=64)
    state = Varchar(length=16)
    submitted = BigInt(default=0)
    receipts = BigInt(default=0)
    errors = Integer(default=0)
    last_error = Varchar(length=200, default="")
    updated_at = Timestamptz(default=TimestamptzNow())
