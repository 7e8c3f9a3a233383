"""What a customer changes in their own account: personal data, preferences, password, status."""

from __future__ import annotations

from zoneinfo import available_timezones

from corriere.platform.audit.services import audit_record
from corriere.platform.auth.policy import password_check
from corriere.platform.db import database
from corriere.platform.errors import FieldErrors, NotFoundError, ValidationError
from corriere.platform.passwords import password_hash, password_verify
from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.platform.validation import EMAIL

LOCALES = ("it", "en")


async def account_profile_update(
    *,
    account_id: int,
    email: str,
    mobile: str,
    first_name: str,
    last_name: str,
    default_prefix: str,
    locale: str,
    timezone: str,
) -> None:
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
    async with database().transaction() as tx:
        taken = await tx.fetchval(
            "SELECT id FROM account WHERE lower(email) = $1 AND id <> $2 AND is_system = false",
            email.lower(),
            account_id,
        )
        if taken is not None:
            raise FieldErrors({"email": "Esiste già un account con questo indirizzo e-mail"})
        count = await tx.execute(
            "UPDATE account SET email = $1, mobile = $2, first_name = $3, last_name = $4,"
            " default_prefix = $5, locale = $6, timezone = $7 WHERE id = $8",
            email,
            mobile_e164,
            first_name.strip(),
            last_name.strip(),
            prefix,
            locale,
            timezone,
            account_id,
        )
        if count == 0:
            raise NotFoundError("Account inesistente")


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
