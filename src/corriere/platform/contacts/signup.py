"""ISCRIZIONE VIA WEB: the account's public sign-up page, where people subscribe their mobile
number to the groups flagged for web sign-up (and unsubscribe it again).

The page lives at a random token (`/iscrizione/<token>`) and may be embedded in any site, so it
cannot lean on the panel's CSRF cookie. What keeps bots out instead, without a third-party
captcha: a honeypot field that people never see (it must stay empty), a signed time token issued
when the page is rendered (a form sent less than 3 seconds or more than 24 hours after that, or
with a forged token, is refused), and rate limits counted from the `signup` table (so they hold
across web instances); the unsubscribe form has the same three. Every subscription and
unsubscription is recorded with its evidence: IP, how the form was shown (the page itself, the
owner's iframe or script: `signup_records.SOURCES`), user agent and the exact consent text shown.

Every query names the account: a group id of another account is simply not one of the page's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from corriere.platform.clock import utcnow
from corriere.platform.contacts.fields import ContactValues, read_mobile
from corriere.platform.contacts.services import (
    BAD_MOBILE,
    contact_values,
    insert_contact,
)
from corriere.platform.contacts.signup_form import (
    DEFAULT_PREFIX,
    SignupGroup,
    SignupPage,
    fill_time_ok,
    signup_page_get,
)
from corriere.platform.contacts.signup_records import signup_source
from corriere.platform.db import Tx, database
from corriere.platform.errors import (
    FieldErrors,
    NotFoundError,
    TooManyAttemptsError,
    ValidationError,
)
from corriere.platform.phones import InvalidNumber

RATE_WINDOW = timedelta(hours=1)
SUBSCRIBE_PER_IP = 5
SUBSCRIBE_PER_ACCOUNT = 200
UNSUBSCRIBE_PER_IP = 10
UNSUBSCRIBE_PER_ACCOUNT = 200
IP_LIMIT = 45
TEXT_LIMIT = 1000  # the user agent, as recorded
PAGE_NOT_FOUND = "Pagina di iscrizione inesistente"
NOT_ACCEPTED = (
    "Non è stato possibile completare la richiesta: attendi qualche secondo, ricarica la pagina"
    " e riprova."
)
NO_GROUPS = "Le iscrizioni non sono aperte in questo momento"
MOBILE_REQUIRED = "Indica il numero di cellulare"
BAD_PREFIX = "Prefisso internazionale non valido (es. 39)"
CONSENT_REQUIRED = "Per iscriverti devi dare il consenso"
GROUP_REQUIRED = "Scegli almeno una lista"
GROUP_UNKNOWN = "Lista non disponibile: ricarica la pagina e riprova"
TOO_MANY_FROM_IP = "Troppe richieste da questa connessione: riprova tra un'ora"
TOO_MANY_FOR_ACCOUNT = "Troppe richieste in poco tempo: riprova più tardi"


@dataclass(frozen=True, slots=True)
class SignupDone:
    contact_id: int
    created: bool  # a new contact (False: an existing number, updated)
    groups: tuple[str, ...]  # the names of the groups chosen


def _prefix(value: str) -> str:
    prefix = value.strip().lstrip("+") or DEFAULT_PREFIX
    if not prefix.isdigit() or len(prefix) > 3 or prefix.startswith("0"):
        raise ValueError(prefix)
    return prefix


def _read_submission(
    page: SignupPage, form: Mapping[str, str], group_ids: Sequence[int], consent: bool
) -> tuple[ContactValues, tuple[SignupGroup, ...]]:
    """The contact's values (the page's fields only) and the groups chosen, or FieldErrors."""
    errors: dict[str, str] = {}
    params: dict[str, dict[str, str]] = {}
    values = ContactValues()
    try:
        prefix = _prefix(form.get("prefix", ""))
    except ValueError:
        errors["prefix"], prefix = BAD_PREFIX, DEFAULT_PREFIX
    asked = {name: form.get(name, "") for name in page.fields}  # nothing the page did not ask
    asked["mobile"] = form.get("mobile", "")
    try:
        values = contact_values(asked, prefix=prefix)
    except FieldErrors as exc:
        errors.update(exc.templates)
        params.update(exc.field_params)
    if not asked["mobile"].strip():
        errors["mobile"] = MOBILE_REQUIRED
        params.pop("mobile", None)
    flagged = {g.id: g for g in page.groups}
    wanted = list(dict.fromkeys(group_ids))
    if not wanted and len(page.groups) == 1:
        wanted = [page.groups[0].id]  # the only list: implied
    if not wanted:
        errors["groups"] = GROUP_REQUIRED
    elif any(g not in flagged for g in wanted):
        errors["groups"] = GROUP_UNKNOWN
    if not consent:
        errors["consent"] = CONSENT_REQUIRED
    if errors:
        raise FieldErrors(errors, params)
    return values, tuple(flagged[g] for g in wanted)


async def _check_rate(tx: Tx, account_id: int, ip: str, action: str, now: datetime) -> None:
    since = now - RATE_WINDOW
    per_ip, per_account = (
        (SUBSCRIBE_PER_IP, SUBSCRIBE_PER_ACCOUNT)
        if action == "subscribe"
        else (UNSUBSCRIBE_PER_IP, UNSUBSCRIBE_PER_ACCOUNT)
    )
    from_ip = await tx.fetchval(
        "SELECT count(*) FROM signup WHERE ip = $1 AND action = $2 AND created_at > $3",
        ip,
        action,
        since,
    )
    if int(from_ip) >= per_ip:
        raise TooManyAttemptsError(TOO_MANY_FROM_IP)
    for_account = await tx.fetchval(
        "SELECT count(*) FROM signup WHERE account = $1 AND action = $2 AND created_at > $3",
        account_id,
        action,
        since,
    )
    if int(for_account) >= per_account:
        raise TooManyAttemptsError(TOO_MANY_FOR_ACCOUNT)


async def _contact_of(tx: Tx, account_id: int, mobile: str) -> int | None:
    found = await tx.fetchval(
        "SELECT id FROM contact WHERE account = $1 AND mobile = $2", account_id, mobile
    )
    return None if found is None else int(found)


async def _update_given(
    tx: Tx, account_id: int, contact_id: int, values: ContactValues, fields: Sequence[str]
) -> None:
    """Overwrite only the fields the person filled in; the rest of the contact stays."""
    changes: dict[str, Any] = {}
    for name in fields:
        value = getattr(values, name)
        if value not in ("", None):
            changes[name] = value
    if "first_name" in changes:
        changes["first_key"] = values.first_key
    if "last_name" in changes:
        changes["last_key"] = values.last_key
    changes["updated_at"] = utcnow()
    sets = ", ".join(f"{column} = ${i}" for i, column in enumerate(changes, start=1))
    n = len(changes)
    await tx.execute(
        f"UPDATE contact SET {sets} WHERE id = ${n + 1} AND account = ${n + 2}",
        *changes.values(),
        contact_id,
        account_id,
    )


async def _join(tx: Tx, contact_id: int, groups: Sequence[SignupGroup], now: datetime) -> None:
    ids = [g.id for g in groups]
    present = await tx.fetch(
        f"SELECT contact_group FROM group_member WHERE contact = $1"
        f" AND contact_group {tx.in_ids('$2')}",
        contact_id,
        tx.ids(ids),
    )
    already = {int(r["contact_group"]) for r in present}
    await tx.insert_many(
        "group_member",
        ("contact_group", "contact", "created_at"),
        [(g, contact_id, now) for g in ids if g not in already],
    )


async def _record(
    tx: Tx,
    *,
    account_id: int,
    contact_id: int | None,
    action: str,
    mobile: str,
    groups: Sequence[str],
    ip: str,
    source: str,
    user_agent: str,
    consent_text: str,
    now: datetime,
) -> None:
    await tx.insert_many(
        "signup",
        (
            "account",
            "contact",
            "action",
            "mobile",
            "groups",
            "ip",
            "source",
            "user_agent",
            "consent_text",
            "created_at",
        ),
        [
            (
                account_id,
                contact_id,
                action,
                mobile,
                ", ".join(groups),
                ip,
                source,
                user_agent,
                consent_text,
                now,
            )
        ],
    )


def _is_unique_violation(exc: BaseException) -> bool:
    """Two submissions of the same number at once (PostgreSQL): the loser retries once."""
    return type(exc).__name__ in ("UniqueViolationError", "IntegrityError")


def _evidence(ip: str, source: str, user_agent: str) -> tuple[str, str, str]:
    return (
        (ip.strip() or "unknown")[:IP_LIMIT],
        signup_source(source),  # the visitor posts it: only a known value is believed
        user_agent.strip()[:TEXT_LIMIT],
    )


async def _page_or_404(token: str) -> SignupPage:
    page = await signup_page_get(token)
    if page is None:
        raise NotFoundError(PAGE_NOT_FOUND)
    return page


async def signup_submit(
    *,
    token: str,
    form: Mapping[str, str],
    group_ids: Sequence[int],
    consent: bool,
    ip: str,
    source: str,
    user_agent: str,
    started_at_token: str,
    honeypot: str,
    now: datetime | None = None,
) -> SignupDone:
    """Subscribe the form's number to the chosen groups (the only flagged one when there is one):
    a new contact (source "signup"), or an existing one updated with the fields filled in.

    `form` holds `mobile`, `prefix` (default 39) and the page's fields; anything else is ignored.
    `source` is how the form was shown (`SOURCES`: page, iframe, script; anything else counts
    as the page itself)."""
    now = now or utcnow()
    page = await _page_or_404(token)
    if honeypot.strip() or not fill_time_ok(page, started_at_token, now):
        raise ValidationError(NOT_ACCEPTED)
    if not page.groups:
        raise ValidationError(NO_GROUPS)
    values, groups = _read_submission(page, form, group_ids, consent)
    ip, source, user_agent = _evidence(ip, source, user_agent)
    for attempt in (1, 2):
        try:
            async with database().transaction() as tx:
                await _check_rate(tx, page.account_id, ip, "subscribe", now)
                contact_id = await _contact_of(tx, page.account_id, values.mobile)
                created = contact_id is None
                if contact_id is None:
                    contact_id = await insert_contact(tx, page.account_id, values, source="signup")
                else:
                    await _update_given(tx, page.account_id, contact_id, values, page.fields)
                await _join(tx, contact_id, groups, now)
                await _record(
                    tx,
                    account_id=page.account_id,
                    contact_id=contact_id,
                    action="subscribe",
                    mobile=values.mobile,
                    groups=[g.name for g in groups],
                    ip=ip,
                    source=source,
                    user_agent=user_agent,
                    consent_text=page.consent_text,
                    now=now,
                )
            return SignupDone(contact_id, created, tuple(g.name for g in groups))
        except Exception as exc:
            if attempt == 2 or not _is_unique_violation(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------------------- unsubscribe


async def signup_unsubscribe(
    *,
    token: str,
    mobile: str,
    ip: str,
    started_at_token: str,
    honeypot: str,
    prefix: str = DEFAULT_PREFIX,
    source: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> None:
    """Take the number out of every web sign-up group of the page's account (the contact stays
    in the address book) and record the request. The answer is the same whether or not the
    number was subscribed: the page does not reveal who is. The same spam checks as the sign-up
    (honeypot, signed fill time, rate limits): a bot must not empty the owner's lists."""
    now = now or utcnow()
    page = await _page_or_404(token)
    if honeypot.strip() or not fill_time_ok(page, started_at_token, now, purpose="unsubscribe"):
        raise ValidationError(NOT_ACCEPTED)
    errors: dict[str, str] = {}
    params: dict[str, dict[str, str]] = {}
    try:
        chosen_prefix = _prefix(prefix)
    except ValueError:
        errors["prefix"], chosen_prefix = BAD_PREFIX, DEFAULT_PREFIX
    number = ""
    if not mobile.strip():
        errors["mobile"] = MOBILE_REQUIRED
    else:
        try:
            number = read_mobile(mobile, chosen_prefix).e164
        except InvalidNumber as exc:
            errors["mobile"] = BAD_MOBILE
            params["mobile"] = {"reason": str(exc)}
    if errors:
        raise FieldErrors(errors, params)
    ip, source, user_agent = _evidence(ip, source, user_agent)
    async with database().transaction() as tx:
        await _check_rate(tx, page.account_id, ip, "unsubscribe", now)
        contact_id = await _contact_of(tx, page.account_id, number)
        removed: list[str] = []
        if contact_id is not None:
            rows = await tx.fetch(
                "SELECT g.id, g.name FROM group_member m"
                " JOIN contact_group g ON g.id = m.contact_group"
                " WHERE m.contact = $1 AND g.account = $2 AND g.web_signup = true"
                " ORDER BY g.name_key, g.id",
                contact_id,
                page.account_id,
            )
            removed = [r["name"] for r in rows]
            if rows:
                await tx.execute(
                    f"DELETE FROM group_member WHERE contact = $1"
                    f" AND contact_group {tx.in_ids('$2')}",
                    contact_id,
                    tx.ids([int(r["id"]) for r in rows]),
                )
        await _record(
            tx,
            account_id=page.account_id,
            contact_id=contact_id,
            action="unsubscribe",
            mobile=number,
            groups=removed,
            ip=ip,
            source=source,
            user_agent=user_agent,
            consent_text="",
            now=now,
        )
