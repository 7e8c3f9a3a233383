"""The address book (RUBRICA): contacts, groups and their members, custom variables, imports, and
the public web sign-up form with its records.

Composite unique keys and search indexes are raw SQL in their own migration.
"""

from __future__ import annotations

from piccolo.columns import (
    BigSerial,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from corriere.platform.accounts.tables import Account


class Contact(Table):
    id = BigSerial(primary_key=True)
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade)
    mobile = Varchar(length=16)  # E.164, unique per account
    first_name = Varchar(length=100, default="")
    last_name = Varchar(length=100, default="")
    # Lower-cased, accents removed: what search and "sort by surname" compare.
    first_key = Varchar(length=100, default="")
    last_key = Varchar(length=100, default="")
    gender = Varchar(length=1, default="")  # "" / M / F
    address = Varchar(length=200, default="")
    city = Varchar(length=100, default="")
    province = Varchar(length=2, default="")  # the Italian province's code (BO, RM…)
    birth_date = Date(null=True, default=None)
    landline = Varchar(length=32, default="")
    email = Varchar(length=254, default="")
    notes = Text(default="")
    birthday_sms = Boolean(default=False)
    variables = Text(default="{}")  # JSON object: custom variable name → value
    source = Varchar(length=16, default="panel")  # panel / import / signup / api
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ContactGroup(Table):
    id = BigSerial(primary_key=True)
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade)
    name = Varchar(length=100)
    name_key = Varchar(length=100)  # lower-cased name: unique per account
    signature = Varchar(length=100, default="")  # the #firma of group sends
    web_signup = Boolean(default=False)
    # How many contacts it holds, kept by triggers on group_member (migration "group member
    # counts kept by triggers"; on PostgreSQL plus the rows of group_member_delta not yet
    # folded in: read it through `queries.MEMBERS`). Never written by the application.
    members = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class GroupMember(Table):
    id = BigSerial(primary_key=True)
    contact_group = ForeignKey(references=ContactGroup, on_delete=OnDelete.cascade)
    contact = ForeignKey(references=Contact, on_delete=OnDelete.cascade, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class CustomVariable(Table):
    """GESTIONE VARIABILI: extra contact fields, usable as %name% in texts and as import
    column headers."""

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=32)
    description = Varchar(length=200, default="")
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ContactImport(Table):
    """One import (file or pasted list) and, once run, its result."""

    id = BigSerial(primary_key=True)
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=12, default="pending")  # pending / running / done / failed
    kind = Varchar(length=8)  # xlsx / xls / ods / csv / paste
    filename = Varchar(length=255, default="")
    contact_group = ForeignKey(references=ContactGroup, null=True, on_delete=OnDelete.set_null)
    new_group = Varchar(length=100, default="")  # a group to create when the import is applied
    prefix = Varchar(length=4, default="")  # "" = numbers already complete
    total_rows = Integer(default=0)  # an estimate until the file is read
    processed_rows = Integer(default=0)
    imported = Integer(default=0)
    updated = Integer(default=0)
    rejected = Integer(default=0)
    warnings = Integer(default=0)
    columns = Text(default="[]")  # JSON: the headers understood
    unknown_columns = Text(default="[]")  # JSON: headers ignored
    error = Text(default="")  # why a failed import changed nothing (Italian)
    error_params = Text(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    # When the import last moved (created, started, rows stored): one that stays still for
    # settings.import_stale_minutes has lost its job and is marked failed.
    progressed_at = Timestamptz(null=True, default=None)


class ImportUpload(Table):
    """The uploaded file until its import has run (kept in the database: web and worker may run
    on different machines), in parts of a few megabytes so that neither side ever holds a big
    file twice in one statement's buffers."""

    contact_import = ForeignKey(references=ContactImport, on_delete=OnDelete.cascade)
    part = Integer(default=0)
    data = Bytea()


class ImportRow(Table):
    """An import's rows, validated, waiting to be applied in one transaction; the rejected ones
    (and the warnings) stay for the report and its download."""

    id = BigSerial(primary_key=True)
    contact_import = ForeignKey(references=ContactImport, on_delete=OnDelete.cascade)
    row_number = Integer()
    status = Varchar(length=10)  # new / update / rejected / duplicate
    mobile = Varchar(length=16, default="")
    first_name = Varchar(length=100, default="")
    last_name = Varchar(length=100, default="")
    first_key = Varchar(length=100, default="")
    last_key = Varchar(length=100, default="")
    gender = Varchar(length=1, default="")
    address = Varchar(length=200, default="")
    city = Varchar(length=100, default="")
    province = Varchar(length=2, default="")
    birth_date = Date(null=True, default=None)
    landline = Varchar(length=32, default="")
    email = Varchar(length=254, default="")
    notes = Text(default="")
    birthday_sms = Boolean(null=True, default=None)  # None: the file says nothing
    variables = Text(default="")  # JSON object of the non-empty values, or ""
    reason = Text(default="")  # rejected: why (Italian template)
    reason_params = Text(default="")
    value = Text(default="")  # rejected: the offending value
    issues = Text(default="")  # JSON list of ignored cells: [column, value, reason]
    original = Text(default="")  # rejected: the row as read (JSON list), for the download


class SignupForm(Table):
    """ISCRIZIONE VIA WEB: the account's public sign-up page."""

    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, unique=True)
    token = Varchar(length=24, unique=True)  # the page's address: /iscrizione/<token>
    fields = Text(default="first_name,last_name")  # which optional fields the page asks for
    title = Varchar(length=120, default="")
    consent_text = Text(default="")
    enabled = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Signup(Table):
    """Every subscription and unsubscription through the public page, with its evidence."""

    id = BigSerial(primary_key=True)
    account = ForeignKey(references=Account, on_delete=OnDelete.cascade, index=True)
    contact = ForeignKey(references=Contact, null=True, on_delete=OnDelete.set_null)
    action = Varchar(length=12)  # subscribe / unsubscribe
    mobile = Varchar(length=16)
    groups = Text(default="")  # names, comma separated, at the time
    ip = Varchar(length=45, default="")
    source = Text(default="")  # page / iframe / script (signup_records.SOURCES); older: Referer
    user_agent = Text(default="")
    consent_text = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
