"""Registration: a pending account, activated by the code sent by SMS to its mobile.

The code travels through the real pipeline, paid by the system account, so a newcomer sees it
arrive on the simulated phones in embedded mode.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from corriere.platform.accounts.system import system_account_id
from corriere.platform.audit.services import audit_record
from corriere.platform.auth.policy import password_check
from corriere.platform.clock import as_utc, utcnow
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
from corriere.platform.messaging.services import campaign_create
from corriere.platform.messaging.sms_types import SmsType
from corriere.platform.money import format_credits, to_units
from corriere.platform.passwords import password_hash, password_verify
from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.platform.settings import Settings
from corriere.platform.validation import EMAIL, USERNAME

MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
MAX_SENDS_PER_HOUR = 5

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


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


async def _send_code(
    tx: Tx, *, settings: Settings, account_id: int, mobile: str, locale: str, now: datetime
) -> tuple[str, int]:
    code = _new_code()
    created = await campaign_create(
        account_id=await system_account_id(tx),
        sms_type=SmsType.PRO,
        sender=settings.system_sender,
        text=CODE_TEXT.get(locale, CODE_TEXT["it"]).format(
            code=code, minutes=settings.activation_code_minutes
        ),
        recipients=[mobile],
        source="system",
        route=settings.default_route,
        now=now,
    )
    return code, created.id


async def _store_code(
    tx: Tx,
    *,
    settings: Settings,
    account_id: int,
    code: str,
    sends: int,
    window: datetime,
    now: datetime,
) -> None:
    """The account's one live code (hashed), replacing any earlier one."""
    await tx.execute("DELETE FROM activation_code WHERE account = $1", account_id)
    await tx.insert_many(
        "activation_code",
        (
            "account",
            "code_hash",
            "attempts",
            "sends",
            "expires_at",
            "last_sent_at",
            "window_started_at",
        ),
        [
            (
                account_id,
                password_hash(code),
                0,
                sends,
                now + timedelta(minutes=settings.activation_code_minutes),
                now,
                window,
            )
        ],
    )


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
) -> RegistrationStarted:
    """Create a pending account and send its activation code; every wrong field is reported."""
    username, email = username.strip(), email.strip()
    first_name, last_name = first_name.strip(), last_name.strip()
    errors: dict[str, str] = {}
    if not USERNAME.match(username):
        errors["username"] = (
            "Username non valido: da 3 a 32 caratteri tra lettere, cifre, punto, trattino"
            " e trattino basso"
        )
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
    now = utcnow()
    async with database().transaction() as tx:
        if await tx.fetchval("SELECT id FROM account WHERE username_key = $1", username.lower()):
            errors["username"] = "Username già in uso: scegline un altro"
        if await tx.fetchval(
            "SELECT id FROM account WHERE lower(email) = $1 AND is_system = false", email.lower()
        ):
            errors["email"] = "Esiste già un account con questo indirizzo e-mail"
        if errors:
            raise FieldErrors(errors)
        account_id = int(
            await tx.fetchval(
                "INSERT INTO account (username, username_key, email, mobile, first_name,"
                " last_name, balance, status, is_system, api_id, password_hash, locale, timezone,"
                " default_prefix, session_epoch, created_at) VALUES ($1, $2, $3, $4, $5, $6, 0,"
                " 'pending', false, $7, $8, $9, $10, '39', 0, $11) RETURNING id",
                username,
                username.lower(),
                email,
                mobile_e164,
                first_name,
                last_name,
                secrets.token_hex(8),
                password_hash(password),
                locale if locale in CODE_TEXT else "it",
                settings.default_timezone,
                now,
            )
        )
        code, campaign_id = await _send_code(
            tx, settings=settings, account_id=account_id, mobile=mobile_e164, locale=locale, now=now
        )
        await _store_code(
            tx, settings=settings, account_id=account_id, code=code, sends=1, window=now, now=now
        )
    return RegistrationStarted(account_id, username, mobile_e164, campaign_id)


async def registration_activate(*, settings: Settings, account_id: int, code: str) -> Activated:
    """Check the code; a wrong one is counted (and committed) before its error is raised."""
    code = "".join(code.split())
    now = utcnow()
    wrong_left: int | None = None
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
        row = await tx.fetchrow(
            "SELECT code_hash, attempts, expires_at FROM activation_code WHERE account = $1",
            account_id,
        )
        if row is None:
            raise NotFoundError("Nessun codice da verificare: richiedine uno nuovo", field="code")
        if int(row["attempts"]) >= MAX_ATTEMPTS:
            raise TooManyAttemptsError(
                "Troppi tentativi errati: richiedi un nuovo codice", field="code"
            )
        if as_utc(row["expires_at"]) < now:
            raise ValidationError("Il codice è scaduto: richiedine uno nuovo", field="code")
        if not (len(code) == 6 and code.isdigit() and password_verify(row["code_hash"], code)):
            await tx.execute(
                "UPDATE activation_code SET attempts = attempts + 1 WHERE account = $1", account_id
            )
            wrong_left = MAX_ATTEMPTS - int(row["attempts"]) - 1
        else:
            trial = await _activate(tx, settings=settings, account_id=account_id, account=account)
    if wrong_left is not None:
        if wrong_left <= 0:
            raise TooManyAttemptsError(
                "Codice non corretto. Hai esaurito i tentativi: richiedi un nuovo codice",
                field="code",
            )
        raise ValidationError(
            f"Codice non corretto: restano {wrong_left} tentativi", field="code", left=wrong_left
        )
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
        row = await tx.fetchrow(
            "SELECT sends, last_sent_at, window_started_at FROM activation_code WHERE account = $1",
            account_id,
        )
        sends, window = 0, now
        if row is not None:
            sends, window = int(row["sends"]), as_utc(row["window_started_at"])
            if now - window > timedelta(hours=1):
                sends, window = 0, now
            if operator_id is None:
                wait = as_utc(row["last_sent_at"]) + RESEND_AFTER - now
                if wait.total_seconds() > 0:
                    raise TooManyAttemptsError(
                        f"Attendi {int(wait.total_seconds()) + 1} secondi prima di richiedere"
                        " un nuovo codice",
                        field="code",
                    )
                if sends >= MAX_SENDS_PER_HOUR:
                    raise TooManyAttemptsError(
                        "Hai richiesto troppi codici: riprova tra un'ora o contatta l'assistenza",
                        field="code",
                    )
        code, campaign_id = await _send_code(
            tx,
            settings=settings,
            account_id=account_id,
            mobile=account["mobile"],
            locale=account["locale"],
            now=now,
        )
        await _store_code(
            tx,
            settings=settings,
            account_id=account_id,
            code=code,
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
