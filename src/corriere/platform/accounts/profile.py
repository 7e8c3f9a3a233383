"""What a customer changes in their own account: personal data, preferences, password, status.

A new mobile number is not saved with the rest: a code goes to it by SMS (the same code, limits
and pipeline as the activation code, `auth/sms_codes.py`) and the number replaces the old one
only once the code is typed (`account_mobile_confirm`).
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import available_timezones

from corriere.platform.accounts.uniqueness import EMAIL_TAKEN, is_unique_violation
from corriere.platform.audit.services import audit_record
from corriere.platform.auth.policy import password_check
from corriere.platform.auth.sms_codes import (
    code_send,
    code_send_allowance,
    code_verify,
    wrong_code_error,
)
from corriere.platform.clock import utcnow
from corriere.platform.db import Tx, database
from corriere.platform.errors import FieldErrors, NotFoundError, ValidationError
from corriere.platform.passwords import password_hash, password_verify
from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.platform.settings import Settings
from corriere.platform.validation import EMAIL

LOCALES = ("it", "en")
MOBILE_CODE_TEXT = {
    "it": "Corriere: il codice per confermare il tuo nuovo numero è {code}. Scade tra {minutes}"
    " minuti.",
    "en": "Corriere: your code to confirm your new number is {code}. It expires in {minutes}"
    " minutes.",
}


@dataclass(frozen=True, slots=True)
class ProfileSaved:
    """`mobile_pending`: the new number waiting for its code (None: the number did not change);
    `campaign_id`: the SMS that carries the code, when this save sent one."""

    mobile_pending: str | None = None
    campaign_id: int | None = None


async def account_profile_update(
    *,
    settings: Settings,
    account_id: int,
    email: str,
    mobile: str,
    first_name: str,
    last_name: str,
    default_prefix: str,
    locale: str,
    timezone: str,
) -> ProfileSaved:
    """Save the personal data and preferences; a different mobile number gets a code by SMS
    instead (until it is confirmed the account keeps its number). Nothing is saved if anything
    is refused, the code's resend limits included."""
    errors: dict[str, str] = {}
    email = email.strip()
    if not EMAIL.match(email):
        errors["email"] = "Indirizzo e-mail non valido"
    mobile_e164 = ""
    try:
        mobile_e164 = normalise_mobile(mobile).e164
    except InvalidNumber as exc:
        errors["mobile"] = f"Numero di cellulare non valido: {exc}"
    if not first_name.strip():
        errors["first_name"] = "Indicare il nome"
    if not last_name.strip():
        errors["last_name"] = "Indicare il cognome"
    prefix = default_prefix.strip().lstrip("+")
    if not (prefix.isdigit() and 1 <= len(prefix) <= 4):
        errors["default_prefix"] = "Prefisso internazionale non valido (es. 39)"
    if locale not in LOCALES:
        errors["locale"] = "Lingua non disponibile"
    if timezone not in available_timezones():
        errors["timezone"] = "Fuso orario sconosciuto"
    if errors:
        raise FieldErrors(errors)
    try:
        async with database().transaction() as tx:
            taken = await tx.fetchval(
                "SELECT id FROM account WHERE lower(email) = $1 AND id <> $2 AND is_system = false",
                email.lower(),
                account_id,
            )
            if taken is not None:
                raise FieldErrors({"email": EMAIL_TAKEN})
            current = await tx.fetchval(
                "SELECT mobile FROM account WHERE id = $1 AND is_system = false", account_id
            )
            if current is None:
                raise NotFoundError("Account inesistente")
            saved = ProfileSaved()
            if mobile_e164 != current:
                saved = await _mobile_change_start(
                    tx, settings=settings, account_id=account_id, mobile=mobile_e164, locale=locale
                )
            await tx.execute(
                "UPDATE account SET email = $1, first_name = $2, last_name = $3, default_prefix = $4,"
                " locale = $5, timezone = $6 WHERE id = $7",
                email,
                first_name.strip(),
                last_name.strip(),
                prefix,
                locale,
                timezone,
                account_id,
            )
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # Another account took the address between our check and our update.
        raise FieldErrors({"email": EMAIL_TAKEN}) from exc
    return saved


async def _mobile_change_start(
    tx: Tx, *, settings: Settings, account_id: int, mobile: str, locale: str
) -> ProfileSaved:
    """Send a code to the new number (the same number already waiting: nothing new is sent;
    "send a new code" does that)."""
    if await account_mobile_pending(account_id, tx=tx) == mobile:
        return ProfileSaved(mobile)
    now = utcnow()
    sends, window = await code_send_allowance(tx, account_id=account_id, now=now, field="mobile")
    campaign_id = await code_send(
        tx,
        settings=settings,
        account_id=account_id,
        mobile=mobile,
        text=MOBILE_CODE_TEXT.get(locale, MOBILE_CODE_TEXT["it"]),
        sends=sends + 1,
        window=window,
        now=now,
        new_mobile=mobile,
    )
    return ProfileSaved(mobile, campaign_id)


async def account_mobile_pending(account_id: int, *, tx: Tx | None = None) -> str | None:
    """The new mobile number waiting for its code, if any."""
    value = await (tx or database()).fetchval(
        "SELECT mobile FROM activation_code WHERE account = $1 AND mobile IS NOT NULL", account_id
    )
    return str(value) if value is not None else None


async def account_mobile_confirm(*, account_id: int, code: str) -> str:
    """The code sent to the new number: right, the number becomes the account's (returned);
    wrong, the attempt is counted (and committed) before the error is raised."""
    async with database().transaction() as tx:
        mobile = await account_mobile_pending(account_id, tx=tx)
        if mobile is None:
            raise NotFoundError("Nessun cambio di numero da confermare", field="code")
        wrong_left = await code_verify(tx, account_id=account_id, code=code, now=utcnow())
        if wrong_left is None:
            await tx.execute("UPDATE account SET mobile = $1 WHERE id = $2", mobile, account_id)
            await tx.execute("DELETE FROM activation_code WHERE account = $1", account_id)
    if wrong_left is not None:
        raise wrong_code_error(wrong_left)
    return mobile


async def account_mobile_resend(*, settings: Settings, account_id: int) -> int:
    """A new code to the number waiting (the old code stops working), within the limits."""
    now = utcnow()
    async with database().transaction() as tx:
        mobile = await account_mobile_pending(account_id, tx=tx)
        if mobile is None:
            raise NotFoundError("Nessun cambio di numero da confermare", field="code")
        locale = await tx.fetchval("SELECT locale FROM account WHERE id = $1", account_id)
        sends, window = await code_send_allowance(tx, account_id=account_id, now=now)
        return await code_send(
            tx,
            settings=settings,
            account_id=account_id,
            mobile=mobile,
            text=MOBILE_CODE_TEXT.get(str(locale), MOBILE_CODE_TEXT["it"]),
            sends=sends + 1,
            window=window,
            now=now,
            new_mobile=mobile,
        )


async def account_mobile_change_cancel(*, account_id: int) -> bool:
    """Forget the number waiting for its code (the account keeps its own); False if none was.
    The row stays, without number or code, so its count of sends still limits the next ones."""
    async with database().transaction() as tx:
        count = await tx.execute(
            "UPDATE activation_code SET mobile = NULL, code_hash = ''"
            " WHERE account = $1 AND mobile IS NOT NULL",
            account_id,
        )
    return count > 0


async def account_password_change(*, account_id: int, old_password: str, new_password: str) -> int:
    """Change the password (the old one is asked); ends every other session. Returns the new
    session epoch, for the session that made the change to carry on."""
    async with database().transaction() as tx:
        row = await tx.fetchrow(
            "SELECT username, email, password_hash FROM account WHERE id = $1", account_id
        )
        if row is None:
            raise NotFoundError("Account inesistente")
        if not password_verify(row["password_hash"], old_password):
            raise ValidationError("La password attuale non è corretta", field="old_password")
        try:
            password_check(new_password, username=row["username"], email=row["email"])
        except ValidationError as exc:
            raise ValidationError(exc.message, field="new_password") from None
        if old_password == new_password:
            raise ValidationError(
                "La nuova password deve essere diversa da quella attuale", field="new_password"
            )
        epoch = await tx.fetchval(
            "UPDATE account SET password_hash = $1, session_epoch = session_epoch + 1"
            " WHERE id = $2 RETURNING session_epoch",
            password_hash(new_password),
            account_id,
        )
    return int(epoch)


async def account_set_status(
    *, account_id: int, status: str, operator_id: int, reason: str
) -> None:
    """Support blocks or unblocks an account; a blocked account's sessions end at once."""
    if status not in ("active", "blocked"):
        raise ValidationError("Stato non valido", field="status")
    if len(reason.strip()) < 3:
        raise ValidationError("Indicare il motivo", field="reason")
    async with database().transaction() as tx:
        current = await tx.fetchval(
            "SELECT status FROM account WHERE id = $1 AND is_system = false", account_id
        )
        if current is None:
            raise NotFoundError("Account inesistente")
        if current == "pending" and status == "active":
            raise ValidationError(
                "L'account non è ancora attivato: va attivato con il codice SMS", field="status"
            )
        # Unblocking an account that was never activated puts it back to pending, not active:
        # activation (and its trial credits) happens only with the SMS code.
        await tx.execute(
            "UPDATE account SET status = CASE WHEN $1 = 'active' AND activated_at IS NULL"
            " THEN 'pending' ELSE $1 END, session_epoch = session_epoch + 1 WHERE id = $2",
            status,
            account_id,
        )
        await audit_record(
            tx,
            operator_id=operator_id,
            account_id=account_id,
            action="account_blocked" if status == "blocked" else "account_unblocked",
            reason=reason.strip(),
        )
