"""ISCRIZIONE VIA WEB, the page itself: the owner's settings (which fields it asks, its title and
consent text, on or off), the page as visitors see it, and the signed time token it carries (a
form sent less than 3 seconds or more than 24 hours after the page was rendered, or with a forged
token, is refused by `signup.py`). The page lives at a random token, `/iscrizione/<token>`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from corriere.platform.clock import utcnow
from corriere.platform.contacts.services import (
    FORM_FIELDS,
)
from corriere.platform.db import Tx, database
from corriere.platform.errors import (
    FieldErrors,
    NotFoundError,
)
from corriere.platform.settings import get_settings

# The optional fields the page may ask for, in the manual's order (the mobile is always asked).
SIGNUP_FIELDS: tuple[str, ...] = FORM_FIELDS
DEFAULT_FIELDS = ("first_name", "last_name")
TITLE_LIMIT = 120
CONSENT_LIMIT = 2000
DEFAULT_PREFIX = "39"
# Written in the owner's language when the page is created (the panel passes the translation:
# the msgid is this text); the owner may change it.
DEFAULT_CONSENT = (
    "Acconsento a ricevere SMS informativi da %(name)s e al trattamento del mio numero per questo"
    " scopo. Posso cancellarmi in ogni momento da questa pagina."
)

# Spam checks and limits.
MIN_FILL = timedelta(seconds=3)
MAX_FILL = timedelta(hours=24)

# Messages (Italian; marked for translation in web/platform_messages.py).
FIELD_UNKNOWN = "Campo non disponibile: %(name)s"
CONSENT_TEXT_REQUIRED = "Indica il testo del consenso"
CONSENT_TEXT_TOO_LONG = "Il testo del consenso può avere al massimo 2000 caratteri"
TITLE_TOO_LONG = "Il titolo può avere al massimo 120 caratteri"


@dataclass(frozen=True, slots=True)
class SignupGroup:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class SignupFormSettings:
    """The owner's view of the page: what it asks and the groups people join."""

    token: str
    fields: tuple[str, ...]
    title: str
    consent_text: str
    enabled: bool
    groups: tuple[SignupGroup, ...]  # the account's groups flagged for web sign-up


@dataclass(frozen=True, slots=True)
class SignupPage:
    """The public page as visitors see it."""

    account_id: int
    token: str
    title: str
    fields: tuple[str, ...]
    consent_text: str
    groups: tuple[SignupGroup, ...]


def _split_fields(text: str) -> tuple[str, ...]:
    given = {part.strip() for part in text.split(",")}
    return tuple(name for name in SIGNUP_FIELDS if name in given)


async def _flagged_groups(tx: Tx, account_id: int) -> tuple[SignupGroup, ...]:
    rows = await tx.fetch(
        "SELECT id, name FROM contact_group WHERE account = $1 AND web_signup = true"
        " ORDER BY name_key, id",
        account_id,
    )
    return tuple(SignupGroup(int(r["id"]), r["name"]) for r in rows)


_FORM_SELECT = (
    "SELECT token, fields, title, consent_text, enabled FROM signup_form WHERE account = $1"
)


def _consent(template: str, name: str) -> str:
    try:
        return template % {"name": name}
    except (KeyError, TypeError, ValueError):  # a translation with a broken placeholder
        return DEFAULT_CONSENT % {"name": name}


async def _form_create(account_id: int, consent_template: str) -> None:
    """The page's row with its random address and the defaults (a no-op if it exists)."""
    async with database().transaction() as tx:
        owner = await tx.fetchrow(
            "SELECT username, first_name, last_name FROM account WHERE id = $1", account_id
        )
        if owner is None:
            raise NotFoundError("Account inesistente")
        name = f"{owner['first_name']} {owner['last_name']}".strip() or owner["username"]
        await tx.execute(
            "INSERT INTO signup_form (account, token, fields, title, consent_text, enabled,"
            " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (account) DO NOTHING",
            account_id,
            secrets.token_urlsafe(18),  # 24 characters, URL-safe
            ",".join(DEFAULT_FIELDS),
            "",
            _consent(consent_template, name)[:CONSENT_LIMIT],
            True,
            utcnow(),
        )


async def signup_form_get(
    account_id: int, *, consent_template: str = DEFAULT_CONSENT
) -> SignupFormSettings:
    """The account's sign-up page settings, created with defaults (and its address) on first use:
    the consent text from `consent_template` (`%(name)s` = the owner's name), which the panel
    passes in the owner's language."""
    async with database().reading() as tx:
        row = await tx.fetchrow(_FORM_SELECT, account_id)
        groups = await _flagged_groups(tx, account_id)
    if row is None:
        await _form_create(account_id, consent_template)
        row = await database().fetchrow(_FORM_SELECT, account_id)
        assert row is not None
    return SignupFormSettings(
        token=row["token"],
        fields=_split_fields(row["fields"]),
        title=row["title"],
        consent_text=row["consent_text"],
        enabled=bool(row["enabled"]),
        groups=groups,
    )


async def signup_form_update(
    *,
    account_id: int,
    fields: Sequence[str],
    title: str,
    consent_text: str,
    enabled: bool,
) -> SignupFormSettings:
    """Change what the page asks and says; the address stays the same."""
    title, consent_text = " ".join(title.split()), consent_text.strip()
    errors: dict[str, str] = {}
    params: dict[str, dict[str, str]] = {}
    unknown = [name for name in fields if name not in SIGNUP_FIELDS]
    if unknown:
        errors["fields"], params["fields"] = FIELD_UNKNOWN, {"name": unknown[0][:40]}
    if len(title) > TITLE_LIMIT:
        errors["title"] = TITLE_TOO_LONG
    if not consent_text:
        errors["consent_text"] = CONSENT_TEXT_REQUIRED
    elif len(consent_text) > CONSENT_LIMIT:
        errors["consent_text"] = CONSENT_TEXT_TOO_LONG
    if errors:
        raise FieldErrors(errors, params)
    await signup_form_get(account_id)  # the row exists from here on
    chosen = [name for name in SIGNUP_FIELDS if name in set(fields)]
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE signup_form SET fields = $1, title = $2, consent_text = $3, enabled = $4"
            " WHERE account = $5",
            ",".join(chosen),
            title,
            consent_text,
            enabled,
            account_id,
        )
    return await signup_form_get(account_id)


async def signup_page_get(token: str) -> SignupPage | None:
    """The public page at `token`; None when there is none, it is switched off, or its account
    is not active."""
    if not token or len(token) > 24:
        return None
    async with database().reading() as tx:
        row = await tx.fetchrow(
            "SELECT f.account, f.token, f.fields, f.title, f.consent_text FROM signup_form f"
            " JOIN account a ON a.id = f.account"
            " WHERE f.token = $1 AND f.enabled = true AND a.status = 'active'",
            token,
        )
        if row is None:
            return None
        account_id = int(row["account"])
        groups = await _flagged_groups(tx, account_id)
    return SignupPage(
        account_id=account_id,
        token=row["token"],
        title=row["title"],
        fields=_split_fields(row["fields"]),
        consent_text=row["consent_text"],
        groups=groups,
    )


# ---------------------------------------------------------------------------- the time token


# What a time token is for: the sign-up form's binds the consent text shown; the unsubscribe
# form's does not (changing the consent text must not refuse a pending unsubscription).
TokenPurpose = Literal["subscribe", "unsubscribe"]


def _signature(token: str, issued: int, consent_text: str, purpose: TokenPurpose) -> str:
    key = get_settings().effective_secret_key().encode()
    if purpose == "subscribe":
        consent = hashlib.sha256(consent_text.encode()).hexdigest()
        message = f"signup|{token}|{issued}|{consent}".encode()
    else:
        message = f"unsubscribe|{token}|{issued}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode()


def signup_time_token(
    page: SignupPage, *, now: datetime | None = None, purpose: TokenPurpose = "subscribe"
) -> str:
    """The signed time the page was rendered at, for a form's hidden field. The sign-up form's
    also binds the consent text shown: a form filled before the owner changed it is refused, so
    the text a subscription records is the one the person saw."""
    issued = int((now or utcnow()).timestamp())
    return f"{issued}.{_signature(page.token, issued, page.consent_text, purpose)}"


def fill_time_ok(
    page: SignupPage, value: str, now: datetime, *, purpose: TokenPurpose = "subscribe"
) -> bool:
    issued_text, _, signature = value.strip().partition(".")
    if not issued_text.isdigit() or len(issued_text) > 12:
        return False
    issued = int(issued_text)
    expected = _signature(page.token, issued, page.consent_text, purpose)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return False
    age = now.timestamp() - issued
    return MIN_FILL.total_seconds() <= age <= MAX_FILL.total_seconds()
