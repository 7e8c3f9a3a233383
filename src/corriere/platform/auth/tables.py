"""Access: activation codes, password-reset tokens, application passwords, login attempts."""

from __future__ import annotations

from piccolo.columns import BigSerial, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from corriere.platform.accounts.tables import Account


class ActivationCode(Table):
    """The code sent by SMS at registration, or to confirm a new mobile number; one live row per
    account (`platform/auth/sms_codes.py`)."""

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, unique=True)
    code_hash = Text()
    attempts = Integer(default=0)
    sends = Integer(default=1)
    expires_at = Timestamptz()
    last_sent_at = Timestamptz()
    window_started_at = Timestamptz()  # the hour in which `sends` are counted
    # A change of mobile: the new number, which replaces the account's once the code is typed.
    # NULL for the activation code (sent to the account's own number).
    mobile = Varchar(length=32, null=True, default=None)


class PasswordReset(Table):
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)  # sha256 of the token in the e-mailed link
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class AppPassword(Table):
    """API keys ("password applicative"): shown once, stored as a SHA-256 of a random secret."""

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    label = Varchar(length=80)
    prefix = Varchar(length=12)
    secret_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class LoginEvent(Table):
    id = BigSerial(primary_key=True)
    account = ForeignKey(references=Account, null=True, on_delete=OnDelete.cascade, index=True)
    username = Varchar(length=64, index=True)  # as typed, lower-cased: throttles unknown names too
    ip = Varchar(length=64, index=True)
    success = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
