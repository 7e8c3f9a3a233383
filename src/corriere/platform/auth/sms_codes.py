"""Codes sent by SMS to prove a mobile number: the activation code of a new account, and the code
that confirms a signed-in customer's new number. Both follow the same rules: one live code per
account (`activation_code`, hashed), an expiry, a few wrong attempts, a wait between sends and
a number of sends per hour.

A code travels through the real pipeline as a PRO SMS paid by the system account, so in
embedded mode it arrives on the simulated phones.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from corriere.platform.accounts.system import system_account_id
from corriere.platform.clock import as_utc
from corriere.platform.db import Tx
from corriere.platform.errors import (
    CorriereError,
    NotFoundError,
    TooManyAttemptsError,
    ValidationError,
)
from corriere.platform.messaging.services import campaign_create
from corriere.platform.messaging.sms_types import SmsType
from corriere.platform.passwords import password_hash, password_verify
from corriere.platform.settings import Settings

MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
MAX_SENDS_PER_HOUR = 5

# The Italian singular and plural of the messages with a count (front ends pick the form with
# ngettext on `num`).
WRONG_CODE = "Codice non corretto: resta %(num)s tentativo"
WRONG_CODE_PLURAL = "Codice non corretto: restano %(num)s tentativi"
WAIT = "Attendi %(num)s secondo prima di richiedere un nuovo codice"
WAIT_PLURAL = "Attendi %(num)s secondi prima di richiedere un nuovo codice"


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


async def code_send(
    tx: Tx,
    *,
    settings: Settings,
    account_id: int,
    mobile: str,
    text: str,
    sends: int,
    window: datetime,
    now: datetime,
    new_mobile: str | None = None,
) -> int:
    """Send a fresh code to `mobile` (`text` has `{code}` and `{minutes}`) and keep it as the
    account's one live code, replacing any earlier one. `new_mobile`: the number the code
    confirms (a change of mobile), None for the activation code. Returns the campaign's id."""
    code = new_code()
    created = await campaign_create(
        account_id=await system_account_id(tx),
        sms_type=SmsType.PRO,
        sender=settings.system_sender,
        text=text.format(code=code, minutes=settings.activation_code_minutes),
        recipients=[mobile],
        source="system",
        route=settings.default_route,
        now=now,
    )
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
            "mobile",
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
                new_mobile,
            )
        ],
    )
    return created.id


async def code_send_allowance(
    tx: Tx, *, account_id: int, now: datetime, limited: bool = True, field: str = "code"
) -> tuple[int, datetime]:
    """(codes sent in the current hour, the hour's start) before sending one more; raises when
    the last code left less than a minute ago or the hour's sends are used up (`limited=False`:
    support asks, no limit). `field`: the form field the refusal belongs to."""
    row = await tx.fetchrow(
        "SELECT sends, last_sent_at, window_started_at FROM activation_code WHERE account = $1",
        account_id,
    )
    if row is None:
        return 0, now
    sends, window = int(row["sends"]), as_utc(row["window_started_at"])
    if now - window > timedelta(hours=1):
        sends, window = 0, now
    if limited:
        wait = as_utc(row["last_sent_at"]) + RESEND_AFTER - now
        if wait.total_seconds() > 0:
            seconds = int(wait.total_seconds()) + 1
            raise TooManyAttemptsError(
                WAIT if seconds == 1 else WAIT_PLURAL, field=field, params={"num": str(seconds)}
            )
        if sends >= MAX_SENDS_PER_HOUR:
            raise TooManyAttemptsError(
                "Hai richiesto troppi codici: riprova tra un'ora o contatta l'assistenza",
                field=field,
            )
    return sends, window


async def code_verify(tx: Tx, *, account_id: int, code: str, now: datetime) -> int | None:
    """None when `code` is the account's live code. A wrong code is counted in `tx` and the
    attempts it leaves are returned: commit, then raise `wrong_code_error(left)`."""
    code = "".join(code.split())
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
    if len(code) == 6 and code.isdigit() and password_verify(row["code_hash"], code):
        return None
    await tx.execute(
        "UPDATE activation_code SET attempts = attempts + 1 WHERE account = $1", account_id
    )
    return MAX_ATTEMPTS - int(row["attempts"]) - 1


def wrong_code_error(left: int) -> CorriereError:
    if left <= 0:
        return TooManyAttemptsError(
            "Codice non corretto. Hai esaurito i tentativi: richiedi un nuovo codice", field="code"
        )
    template = WRONG_CODE if left == 1 else WRONG_CODE_PLURAL
    return ValidationError(template, field="code", params={"num": str(left)}, left=left)
