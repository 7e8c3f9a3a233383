"""Every table, in creation order (for binding to the engine and for the migration history)."""

from __future__ import annotations

from piccolo.table import Table

from corriere.platform.accounts.tables import Account, Operator
from corriere.platform.audit.tables import AuditLog
from corriere.platform.auth.tables import ActivationCode, AppPassword, LoginEvent, PasswordReset
from corriere.platform.contacts.tables import (
    Contact,
    ContactGroup,
    ContactImport,
    CustomVariable,
    GroupMember,
    ImportRow,
    ImportUpload,
    Signup,
    SignupForm,
)
from corriere.platform.credits.tables import CreditAlert, LedgerEntry
from corriere.platform.mail.tables import MailOutbox
from corriere.platform.messaging.tables import (
    Campaign,
    GatewayBind,
    InboundMessage,
    Message,
    MessagePart,
    Receipt,
)

TABLES: tuple[type[Table], ...] = (
    Account,
    Operator,
    LedgerEntry,
    Campaign,
    Message,
    MessagePart,
    Receipt,
    InboundMessage,
    GatewayBind,
    ActivationCode,
    PasswordReset,
    AppPassword,
    LoginEvent,
    CreditAlert,
    AuditLog,
    MailOutbox,
    Contact,
    ContactGroup,
    GroupMember,
    CustomVariable,
    ContactImport,
    ImportUpload,
    ImportRow,
    SignupForm,
    Signup,
)
