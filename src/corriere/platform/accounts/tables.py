"""Customer accounts and support operators (operators are not customers)."""

from __future__ import annotations

from piccolo.columns import BigInt, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Account(Table):
    username = Varchar(length=64)
    # Usernames are unique case-insensitively: the lower-cased copy carries the constraint.
    username_key = Varchar(length=64, unique=True)
    email = Varchar(length=254, index=True)
    mobile = Varchar(length=16, index=True)
    first_name = Varchar(length=100, default="")
    last_name = Varchar(length=100, default="")
    balance = BigInt(default=0)  # ten-thousandths of a credit, see platform/money.py
    status = Varchar(length=16, default="active")  # pending / active / blocked
    is_system = Boolean(default=False)
    api_id = Varchar(length=32, unique=True)
    password_hash = Text(null=True, default=None)
    locale = Varchar(length=8, default="it")
    timezone = Varchar(length=64, default="Europe/Rome")
    default_prefix = Varchar(length=4, default="39")
    # Bumped when the password changes: sessions carrying an older epoch are over.
    session_epoch = Integer(default=0)
    activated_at = Timestamptz(null=True, default=None)
    last_login_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    # The address a sign-up came from (NULL: made by support, the CLI or `corriere up`): the
    # registration form's hourly limits count these.
    registered_ip = Varchar(length=64, null=True, default=None)


class Operator(Table):
    username = Varchar(length=64, unique=True)
    name = Varchar(length=100, default="")
    role = Varchar(length=16, default="support")
    password_hash = Text(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
