"""campaign_create: every refusal is a distinct error with an Italian message, and leaves nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from corriere.platform.accounts.queries import account_get, ledger_sum
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.errors import (
    AccountInactiveError,
    EmptyTextError,
    InsufficientCreditError,
    InvalidCharactersError,
    NoValidRecipientError,
    ScheduleInPastError,
    SenderError,
    TextTooLongError,
)
from corriere.platform.messaging.queries import campaign_messages
from corriere.platform.messaging.services import campaign_create
from corriere.platform.messaging.sms_types import SmsType
from corriere.platform.money import to_units


async def _counts(account_id: int) -> tuple[int, int]:
    campaigns = await database().fetchval(
        "SELECT count(*) FROM campaign WHERE account = $1", account_id
    )
    messages = await database().fetchval(
        "SELECT count(*) FROM message WHERE account = $1", account_id
    )
    return int(campaigns), int(messages)


async def test_creates_campaign_debits_and_dedupes(make_account):
    account = await make_account(credits="10")
    created = await campaign_create(
        account_id=account.id,
        sms_type=SmsType.PRO,
        text="Ciao %nome%, offerta valida fino a domenica",
        recipients=["3351234567", "+39 335 123 4567", "00393351234567", "3471112223", "0612345678"],
        sender="Negozio",
    )
    assert created.recipients == 2  # three spellings of one number, one landline refused
    assert [r.value for r in created.rejected] == ["0612345678"]
    assert "cellulare" in created.rejected[0].reason
    assert created.cost_units == to_units("2")
    row = await account_get(account.id)
    assert row is not None and row.balance_units == to_units("8")
    assert await ledger_sum(account.id) == row.balance_units
    messages = await campaign_messages(created.id)
    assert sorted(m.recipient for m in messages) == ["+393351234567", "+393471112223"]
    assert {m.state for m in messages} == {"scheduled"}


async def test_prices_parts_and_countries(make_account):
    account = await make_account(credits="100")
    long_text = "a" * 200  # 2 parts
    created = await campaign_create(
        account_id=account.id,
        sms_type=SmsType.PRO,
        text=long_text,
        recipients=["3351234567", "+33612345678"],  # Italy ×1, France ×1.5
        sender="393201234567",
    )
    assert created.parts == 2
    assert created.cost_units == to_units("2") + to_units("3")
    smart = await campaign_create(
        account_id=account.id, sms_type=SmsType.SMART, text="ok", recipients=["3351234567"]
    )
    assert smart.cost_units == to_units("0.625")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"text": "   "}, EmptyTextError, "Attenzione il messaggio non può essere vuoto!"),
        ({"text": "ciao\x07"}, InvalidCharactersError, "caratteri non inviabili"),
        ({"text": "a" * 613}, TextTooLongError, "al massimo 612 caratteri"),
        ({"text": "è" * 10 + "😀" * 140}, TextTooLongError, "al massimo 268 caratteri"),
        ({"sms_type": SmsType.SMART, "text": "a" * 161}, TextTooLongError, "al massimo 160"),
        ({"sender": ""}, SenderError, "Indicare il mittente"),
        ({"sender": "AB"}, SenderError, "alias"),
        ({"sender": "Négozio"}, SenderError, "alias"),
        ({"sender": "0612345678"}, SenderError, "cellulare"),
        ({"sender": "3932012345678"}, SenderError, "12 cifre"),
        ({"sms_type": SmsType.SMART, "sender": "Negozio"}, SenderError, "mittente fisso"),
        ({"recipients": ["abc", "0612345678"]}, NoValidRecipientError, "almeno un numero"),
        ({"recipients": []}, NoValidRecipientError, "almeno un numero"),
        (
            {"scheduled_at": utcnow() - timedelta(hours=1)},
            ScheduleInPastError,
            "hai inserito una data passata",
        ),
    ],
)
async def test_refusals_change_nothing(make_account, kwargs, error, message):
    account = await make_account(credits="10")
    request = {
        "account_id": account.id,
        "sms_type": SmsType.PRO,
        "text": "Buongiorno",
        "recipients": ["3351234567"],
        "sender": "Negozio",
        **kwargs,
    }
    with pytest.raises(error) as excinfo:
        await campaign_create(**request)
    assert message in excinfo.value.message
    assert await _counts(account.id) == (0, 0)
    row = await account_get(account.id)
    assert row is not None and row.balance_units == to_units("10")


async def test_insufficient_credit_stores_nothing(make_account):
    account = await make_account(credits="1")
    with pytest.raises(InsufficientCreditError):
        await campaign_create(
            account_id=account.id,
            sms_type=SmsType.PRO,
            text="x",
            recipients=["3351234567", "3351234568"],
            sender="Negozio",
        )
    assert await _counts(account.id) == (0, 0)
    assert await ledger_sum(account.id) == to_units("1")


async def test_blocked_account_cannot_send(make_account):
    account = await make_account(credits="10", status="blocked")
    with pytest.raises(AccountInactiveError):
        await campaign_create(
            account_id=account.id, sms_type=SmsType.SMART, text="x", recipients=["3351234567"]
        )
    assert await _counts(account.id) == (0, 0)


async def test_scheduled_campaign_keeps_its_time(make_account):
    account = await make_account(credits="10")
    when = utcnow() + timedelta(days=1)
    created = await campaign_create(
        account_id=account.id,
        sms_type=SmsType.PRO,
        text="domani",
        recipients=["3351234567"],
        sender="Negozio",
        scheduled_at=when,
    )
    assert created.scheduled_at == when
    due = await database().fetchval("SELECT due_at FROM message WHERE campaign = $1", created.id)
    assert abs((due.replace(tzinfo=when.tzinfo) - when).total_seconds()) < 1


async def test_fifty_concurrent_campaigns_against_ten_credits(make_account):
    """50 concurrent one-credit campaigns against a balance that pays for 10: exactly 10 pass."""
    account = await make_account(credits="10")

    async def one(i: int) -> bool:
        try:
            await campaign_create(
                account_id=account.id,
                sms_type=SmsType.PRO,
                text=f"messaggio {i}",
                recipients=[f"33512{i:05d}"],
                sender="Negozio",
            )
        except InsufficientCreditError:
            return False
        return True

    results = await asyncio.gather(*(one(i) for i in range(50)))
    assert sum(results) == 10
    row = await account_get(account.id)
    assert row is not None and row.balance_units == 0
    assert await ledger_sum(account.id) == 0
    assert await _counts(account.id) == (10, 10)
