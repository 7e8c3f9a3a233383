"""Amounts and dates in e-mails follow the recipient's language and the account's time zone."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from corriere.platform.accounts.services import credits_adjust, operator_ensure
from corriere.platform.auth.registration import registration_activate, registration_start
from corriere.platform.credits.alerts import credit_alert_update
from corriere.platform.db import database
from corriere.platform.mail.formatting import (
    mail_amount,
    mail_credits,
    mail_datetime,
    mail_timezone,
)
from corriere.platform.mail.services import mail_outbox_list

# 08:44 UTC: 09:44 in Rome, 03:44 in New York.
MOMENT = datetime(2026, 12, 5, 8, 44, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "credits", "amount", "units"),
    [
        ("it", "1.234,5000", "1.234,5", "10,0000"),
        ("en", "1,234.5000", "1,234.5", "10.0000"),
    ],
)
def test_amounts_in_each_language(locale, credits, amount, units):
    assert mail_credits("1234.5000", locale) == credits
    assert mail_amount("1234.5", locale) == amount
    assert mail_credits(100_000, locale) == units  # units: 1/10000 credit
    assert mail_amount("100", locale) == "100"


def test_dates_in_the_language_and_zone():
    assert mail_datetime(MOMENT, "it", ZoneInfo("Europe/Rome")) == (
        "5 dicembre 2026 09:44 (Ora Italia)"
    )
    assert mail_datetime(MOMENT, "en", ZoneInfo("America/New_York")) == (
        "December 5, 2026, 3:44\u202fAM (United States (New York) Time)"  # CLDR: narrow space
    )
    assert mail_timezone("Luna/Base") == ZoneInfo("Europe/Rome")


async def _set_profile(account_id: int, locale: str, timezone: str) -> None:
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE account SET locale = $1, timezone = $2 WHERE id = $3",
            locale,
            timezone,
            account_id,
        )


@pytest.mark.parametrize(
    ("locale", "timezone", "subject", "sentence"),
    [
        (
            "it",
            "Europe/Rome",
            "Corriere: credito sotto 1.500 crediti",
            "la soglia di 1.500 crediti che hai impostato: il saldo è di 1.234,5000 crediti.",
        ),
        (
            "en",
            "America/New_York",
            "Corriere: credit below 1,500 credits",
            "the 1,500 credits threshold you set: the balance is 1,234.5000 credits.",
        ),
    ],
)
async def test_low_credit_alert_in_the_account_language(
    db, make_account, locale, timezone, subject, sentence
):
    account = await make_account(credits="2000")
    await _set_profile(account.id, locale, timezone)
    await credit_alert_update(
        account_id=account.id, thresholds="1500", emails="conti@example.com", enabled=True
    )
    operator = await operator_ensure(username="giulia")
    await credits_adjust(
        account_id=account.id, amount="-765.5", operator_id=operator, reason="rettifica"
    )
    (mail,) = await mail_outbox_list(account_id=account.id)
    assert mail.subject == subject
    assert sentence in mail.text_body.replace("\n", " ")
    when = mail_datetime(mail.created_at, locale, ZoneInfo(timezone))
    assert when in mail.text_body and when in mail.html_body
    assert ("1,234.5000" if locale == "en" else "1.234,5000") in mail.html_body


async def _code(campaign_id: int) -> str:
    text = await database().fetchval("SELECT text FROM campaign WHERE id = $1", campaign_id)
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


@pytest.mark.parametrize(
    ("locale", "line"),
    [("it", "Crediti di prova: 1.234,5000"), ("en", "Trial credits: 1,234.5000")],
)
async def test_welcome_mail_in_the_account_language(db, settings, locale, line):
    n = secrets.randbelow(10**7)
    started = await registration_start(
        settings=settings.model_copy(update={"trial_credits": "1234.5"}),
        username=f"mf{n}",
        password="Sole-Mare-2026",
        email=f"mf{n}@example.com",
        mobile=f"+39348{n:07d}",
        first_name="Anna",
        last_name="Bianchi",
        accept_terms=True,
        accept_privacy=True,
        locale=locale,
    )
    await registration_activate(
        settings=settings.model_copy(update={"trial_credits": "1234.5"}),
        account_id=started.account_id,
        code=await _code(started.campaign_id),
    )
    (mail,) = await mail_outbox_list(account_id=started.account_id)
    assert mail.kind == "welcome"
    assert line in mail.text_body
    since = mail_datetime(mail.created_at, locale, ZoneInfo("Europe/Rome"))
    label = "Attivo dal" if locale == "it" else "Active since"
    assert f"{label}: {since}" in mail.text_body
    assert since in mail.html_body
