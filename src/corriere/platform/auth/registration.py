"""Registration: a pending account, activated by the code sent by SMS to its mobile
(`sms_codes.py`: through the real pipeline, so a newcomer sees it arrive on the simulated
phones in embedded mode).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from corriere.platform.accounts.system import RESERVED_USERNAMES
from corriere.platform.accounts.uniqueness import (
    USERNAME_RESERVED,
    USERNAME_TAKEN,
    account_taken,
    is_unique_violation,
)
from corriere.platform.audit.services import audit_record
from corriere.platform.auth.policy import password_check
from corriere.platform.auth.sms_codes import (
    code_send,
    code_send_allowance,
    code_verify,
    wrong_code_error,
)
from corriere.platform.clock import utcnow
from corriere.platform.credits.ledger import LedgerKind, balance_change
from corriere.platform.db import Tx, database
from corriere.platform.errors import (
    ConflictError,
    FieldErrors,
    NotFoundError,
    TooManyAttemptsError,
    ValidationError,
)
from corriere.platform.mail.services import mail_queue
from corriere.platform.money import format_credits, to_units
from corriere.platform.passwords import password_hash
from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.platform.settings import Settings
from corriere.platform.validation import EMAIL, USERNAME

# The code's limits (expiry, attempts, resends) live in sms_codes.py, shared with the change
# of mobile number.
CODE_TEXT = {
    "it": "Corriere: il tuo codice di attivazione è {code}. Scade tra {minutes} minuti.",
    "en": "Corriere: your activation code is {code}. It expires in {minutes} minutes.",
}


@dataclass(frozen=True, slots=True)
class RegistrationStarted:
    account_id: int
    username: str
    mobile: str
    campaign_id: int


@dataclass(frozen=True, slots=True)
class Activated:
    account_id: int
    username: str
    trial_units: int


async def registration_start(
    *,
    settings: Settings,
    username: str,
    password: str,
    email: str,
    mobile: str,
    first_name: str,
    last_name: str,
    accept_terms: bool,
    accept_privacy: bool,
    locale: str = "it",
    ip: str = "",
) -> RegistrationStarted:
    """Create a pending account and send its activation code; every wrong field is reported.

    Each sign-up sends an SMS the platform pays for: at most `registrations_per_ip_hour` from
    the client address `ip` (empty: not known, only the overall limit applies) and
    `registrations_per_hour` in all, beyond which a TooManyAttemptsError writes nothing."""
    username, email = username.strip(), email.strip()
    first_name, last_name = first_name.strip(), last_name.strip()
    errors: dict[str, str] = {}
    if not USERNAME.match(username):
        errors["username"] = (
            "Username non valido: da 3 a 32 caratteri tra lettere, cifre, punto, trattino"
            " e trattino basso"
        )
    elif username.lower() in RESERVED_USERNAMES:
        errors["username"] = USERNAME_RESERVED
    if not EMAIL.match(email) or len(email) > 254:
        errors["email"] = "Indirizzo e-mail non valido"
    mobile_e164 = ""
    try:
        mobile_e164 = normalise_mobile(mobile).e164
    except InvalidNumber as exc:
        errors["mobile"] = f"Numero di cellulare non valido: {exc}"
    if not first_name:
        errors["first_name"] = "Indicare il nome"
    if not last_name:
        errors["last_name"] = "Indicare il cognome"
    try:
        password_check(password, username=username, email=email)
    except ValidationError as exc:
        errors["password"] = exc.message
    if not accept_terms:
        errors["accept_terms"] = "Per registrarsi occorre accettare le condizioni del servizio"
    if not accept_privacy:
        errors["accept_privacy"] = "Per registrarsi occorre accettare l'informativa sulla privacy"
    if errors:
        raise FieldErrors(errors)
    hashed = password_hash(password)  # before the transaction: argon2 takes a while
    now = utcnow()
    ip = ip.strip()[:64]
    try:
        async with database().transaction() as tx:
            if errors := await account_taken(tx, username=username, email=email):
                raise FieldErrors(errors)
            await _registrations_allowed(tx, settings=settings, ip=ip, now=now)
            account_id = int(
                await tx.fetchval(
                    "INSERT INTO account (username, username_key, email, mobile, first_name,"
                    " last_name, balance, status, is_system, api_id, password_hash, locale,"
                    " timezone, default_prefix, session_epoch, created_at, registered_ip)"
                    " VALUES ($1, $2, $3, $4, $5, $6, 0, 'pending', false, $7, $8, $9, $10, '39',"
                    " 0, $11, $12) RETURNING id",
                    username,
                    username.lower(),
                    email,
                    mobile_e164,
                    first_name,
                    last_name,
                    secrets.token_hex(8),
                    hashed,
                    locale if locale in CODE_TEXT else "it",
                    settings.default_timezone,
                    now,
                    ip,
                )
            )
            campaign_id = await code_send(
                tx,
                settings=settings,
                account_id=account_id,
                mobile=mobile_e164,
                text=CODE_TEXT.get(locale, CODE_TEXT["it"]),
                sends=1,
                window=now,
                now=now,
            )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # Another sign-up with the same username or e-mail committed between our check and our
        # insert: the same answer as if it had come first.
        async with database().reading() as tx:
            errors = await account_taken(tx, username=username, email=email)
        raise FieldErrors(errors or {"username": USERNAME_TAKEN}) from exc
    return RegistrationStarted(account_id, username, mobile_e164, campaign_id)


async def _registrations_allowed(tx: Tx, *, settings: Settings, ip: str, now: datetime) -> None:
    """Refuse a sign-up beyond the hourly limits (per client address, and in all)."""
    if tx.kind == "postgres":
        # Counted, then written: one sign-up at a time, or simultaneous requests would all
        # pass the count (SQLite's write transactions already queue).
        await tx.execute("SELECT pg_advisory_xact_lock(7002, 0)")
    since = now - timedelta(hours=1)
    if ip:
        from_ip = await tx.fetchval(
            "SELECT count(*) FROM account WHERE registered_ip = $1 AND created_at > $2", ip, since
        )
        if int(from_ip) >= settings.registrations_per_ip_hour:
            raise TooManyAttemptsError(
                "Troppe registrazioni da questa connessione nell'ultima ora: riprova più tardi"
            )
    total = await tx.fetchval(
        "SELECT count(*) FROM account WHERE registered_ip IS NOT NULL AND created_at > $1", since
    )
    if int(total) >= settings.registrations_per_hour:
        raise TooManyAttemptsError(
            "Il servizio ha ricevuto troppe registrazioni nell'ultima ora: riprova più tardi"
        )


async def registration_activate(*, settings: Settings, account_id: int, code: str) -> Activated:
    """Check the code; a wrong one is counted (and committed) before its error is raised."""
    now = utcnow()
    async with database().transaction() as tx:
        account = await tx.fetchrow(
            "SELECT username, email, mobile, first_name, status, locale FROM account"
            " WHERE id = $1 AND is_system = false",
            account_id,
        )
        if account is None:
            raise NotFoundError("Account inesistente")
        if account["status"] != "pending":
            raise ConflictError("L'account è già attivo: accedi con username e password")
        wrong_left = await code_verify(tx, account_id=account_id, code=code, now=now)
        if wrong_left is None:
            trial = await _activate(tx, settings=settings, account_id=account_id, account=account)
    if wrong_left is not None:
        raise wrong_code_error(wrong_left)
    return Activated(account_id, account["username"], trial)


async def _activate(tx: Tx, *, settings: Settings, account_id: int, account: dict[str, Any]) -> int:
    now = utcnow()
    await tx.execute("DELETE FROM activation_code WHERE account = $1", account_id)
    await tx.execute(
        "UPDATE account SET status = 'active', activated_at = $1 WHERE id = $2", now, account_id
    )
    trial = to_units(settings.trial_credits)
    if trial > 0:
        await balance_change(
            tx,
            account_id=account_id,
            amount=trial,
            kind=LedgerKind.TRIAL,
            reason="Crediti di prova",
        )
    base = settings.public_base_url.rstrip("/")
    await mail_queue(
        tx,
        recipients=[account["email"]],
        kind="welcome",
        locale=account["locale"],
        account_id=account_id,
        context={
            "username": account["username"],
            "first_name": account["first_name"],
            "email": account["email"],
            "mobile": account["mobile"],
            "credits": format_credits(trial),
            "login_url": f"{base}/accesso",
            "recover_url": f"{base}/recupera",
        },
    )
    return trial


async def registration_resend(
    *,
    settings: Settings,
    account_id: int,
    operator_id: int | None = None,
    reason: str = "",
) -> int:
    """A new code by SMS (the old one stops working); rate-limited unless support asks for it."""
    now = utcnow()
    async with database().transaction() as tx:
        account = await tx.fetchrow(
            "SELECT mobile, status, locale FROM account WHERE id = $1 AND is_system = false",
            account_id,
        )
        if account is None:
            raise NotFoundError("Account inesistente")
        if account["status"] == "blocked":
            raise ConflictError(
                "L'account è bloccato: il codice di attivazione non può essere usato"
            )
        if account["status"] != "pending":
            raise ConflictError("L'account è già attivo")
        sends, window = await code_send_allowance(
            tx, account_id=account_id, now=now, limited=operator_id is None
        )
        campaign_id = await code_send(
            tx,
            settings=settings,
            account_id=account_id,
            mobile=account["mobile"],
            text=CODE_TEXT.get(account["locale"], CODE_TEXT["it"]),
            sends=sends + 1,
            window=window,
            now=now,
        )
        if operator_id is not None:
            await audit_record(
                tx,
                operator_id=operator_id,
                account_id=account_id,
                action="activation_code_resent",
                reason=reason,
            )
    return campaign_id
