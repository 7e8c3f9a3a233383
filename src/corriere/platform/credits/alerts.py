"""Low-credit alerts: one e-mail per threshold crossed downwards; rising above re-arms it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from corriere.platform.db import Tx, database
from corriere.platform.errors import FieldErrors
from corriere.platform.mail.services import mail_queue
from corriere.platform.money import format_credits, to_credits, to_units
from corriere.platform.validation import EMAIL

MAX_THRESHOLDS = 10
MAX_EMAILS = 10


@dataclass(frozen=True, slots=True)
class CreditAlertSettings:
    enabled: bool
    thresholds: tuple[int, ...]  # units, ascending
    emails: tuple[str, ...]

    @property
    def thresholds_text(self) -> str:
        return ", ".join(f"{to_credits(t).normalize():f}" for t in self.thresholds)


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


def _parse_thresholds(text: str) -> tuple[int, ...]:
    values = []
    for part in _split(text):
        try:
            value = Decimal(part.replace(" ", ""))
        except InvalidOperation:
            raise ValueError(part) from None
        if not value.is_finite() or value <= 0:
            raise ValueError(part)
        values.append(to_units(value))
    return tuple(sorted(set(values)))


async def credit_alert_get(account_id: int) -> CreditAlertSettings:
    row = await database().fetchrow(
        "SELECT enabled, thresholds, emails FROM credit_alert WHERE account = $1", account_id
    )
    if row is None:
        return CreditAlertSettings(False, (), ())
    return CreditAlertSettings(
        bool(row["enabled"]),
        tuple(int(t) for t in _split(row["thresholds"])),
        tuple(_split(row["emails"])),
    )


def credit_alert_errors(
    *, thresholds: str, emails: str, enabled: bool
) -> tuple[dict[str, str], tuple[int, ...], list[str]]:
    """What `credit_alert_update` would refuse ({field: message}), with the thresholds and
    addresses it read."""
    errors: dict[str, str] = {}
    parsed: tuple[int, ...] = ()
    try:
        parsed = _parse_thresholds(thresholds)
    except ValueError as exc:
        errors["thresholds"] = f"Soglia non valida: {exc} (usa numeri positivi separati da virgola)"
    addresses = _split(emails)
    bad = [a for a in addresses if not EMAIL.match(a)]
    if bad:
        errors["emails"] = "Indirizzi e-mail non validi: " + ", ".join(bad)
    if enabled and not parsed and "thresholds" not in errors:
        errors["thresholds"] = "Indicare almeno una soglia"
    if enabled and not addresses and "emails" not in errors:
        errors["emails"] = "Indicare almeno un indirizzo e-mail"
    if len(parsed) > MAX_THRESHOLDS:
        errors["thresholds"] = f"Al massimo {MAX_THRESHOLDS} soglie"
    if len(addresses) > MAX_EMAILS:
        errors["emails"] = f"Al massimo {MAX_EMAILS} indirizzi"
    return errors, parsed, addresses


async def credit_alert_update(
    *, account_id: int, thresholds: str, emails: str, enabled: bool
) -> CreditAlertSettings:
    errors, parsed, addresses = credit_alert_errors(
        thresholds=thresholds, emails=emails, enabled=enabled
    )
    if errors:
        raise FieldErrors(errors)
    async with database().transaction() as tx:
        balance = int(await tx.fetchval("SELECT balance FROM account WHERE id = $1", account_id))
        # Thresholds already above the balance count as crossed: no alert for the past.
        fired = ",".join(str(t) for t in parsed if balance < t)
        await tx.execute("DELETE FROM credit_alert WHERE account = $1", account_id)
        await tx.insert_many(
            "credit_alert",
            ("account", "enabled", "thresholds", "emails", "fired"),
            [(account_id, enabled, ",".join(map(str, parsed)), ",".join(addresses), fired)],
        )
    return CreditAlertSettings(enabled, parsed, tuple(addresses))


async def credit_alert_check(tx: Tx, *, account_id: int, balance: int, base_url: str = "") -> int:
    """After a change of balance: alert thresholds newly crossed, re-arm those risen above."""
    row = await tx.fetchrow(
        "SELECT c.enabled, c.thresholds, c.emails, c.fired, a.username, a.locale"
        " FROM credit_alert c JOIN account a ON a.id = c.account WHERE c.account = $1",
        account_id,
    )
    if row is None:
        return 0
    thresholds = [int(t) for t in _split(row["thresholds"])]
    fired = {int(t) for t in _split(row["fired"])}
    crossed = [t for t in thresholds if balance < t and t not in fired]
    still = {t for t in fired if balance < t}
    if row["enabled"] and _split(row["emails"]):
        for threshold in sorted(crossed, reverse=True):
            await mail_queue(
                tx,
                recipients=_split(row["emails"]),
                kind="low_credit",
                locale=row["locale"],
                account_id=account_id,
                context={
                    "username": row["username"],
                    "threshold": f"{to_credits(threshold).normalize():f}",
                    "balance": format_credits(balance),
                    "panel_url": f"{base_url.rstrip('/')}/bacheca",
                },
            )
    new_fired = still | set(crossed)
    if new_fired != fired:
        await tx.execute(
            "UPDATE credit_alert SET fired = $1 WHERE account = $2",
            ",".join(str(t) for t in sorted(new_fired)),
            account_id,
        )
    return len(crossed) if row["enabled"] else 0
