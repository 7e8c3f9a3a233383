"""Low-credit alerts, credit transfers, ledger history."""

from __future__ import annotations

import asyncio

import pytest

from corriere.platform.accounts.queries import account_get, ledger_list, ledger_sum
from corriere.platform.credits.alerts import credit_alert_get, credit_alert_update
from corriere.platform.credits.ledger import LedgerKind, balance_change
from corriere.platform.credits.queries import TOP_UPS, ledger_page
from corriere.platform.credits.transfer import credits_transfer, credits_transfer_preview
from corriere.platform.db import database
from corriere.platform.errors import (
    FieldErrors,
    InsufficientCreditError,
    NotFoundError,
    ValidationError,
)
from corriere.platform.mail.services import mail_outbox_list
from corriere.platform.messaging.services import campaign_create
from corriere.platform.messaging.sms_types import SmsType
from corriere.platform.money import to_units


async def _alerts(account_id: int) -> list[str]:
    return [
        m.subject for m in await mail_outbox_list(account_id=account_id) if m.kind == "low_credit"
    ]


async def _spend(account_id: int, credits: str) -> None:
    async with database().transaction() as tx:
        await balance_change(
            tx, account_id=account_id, amount=-to_units(credits), kind=LedgerKind.CAMPAIGN_DEBIT
        )


async def test_alert_settings_are_validated(make_account):
    account = await make_account()
    with pytest.raises(FieldErrors) as excinfo:
        await credit_alert_update(
            account_id=account.id,
            thresholds="100, abc",
            emails="ok@example.com, nope",
            enabled=True,
        )
    assert "abc" in excinfo.value.errors["thresholds"]
    assert "nope" in excinfo.value.errors["emails"]
    with pytest.raises(FieldErrors):
        await credit_alert_update(account_id=account.id, thresholds="", emails="", enabled=True)
    saved = await credit_alert_update(
        account_id=account.id,
        thresholds="500, 100,100",
        emails="a@example.com; b@example.com",
        enabled=True,
    )
    assert saved.thresholds == (to_units("100"), to_units("500"))
    assert (await credit_alert_get(account.id)).emails == ("a@example.com", "b@example.com")


async def test_one_email_per_threshold_crossed_and_again_after_top_up(make_account):
    account = await make_account(credits="1000")
    await credit_alert_update(
        account_id=account.id, thresholds="100,500", emails="ops@example.com", enabled=True
    )
    await _spend(account.id, "450")  # 550: nothing crossed
    assert await _alerts(account.id) == []
    await _spend(account.id, "100")  # 450: crosses 500
    await _spend(account.id, "10")  # 440: still below, no new alert
    assert await _alerts(account.id) == ["Corriere: credito sotto 500 crediti"]
    await _spend(account.id, "400")  # 40: crosses 100
    assert len(await _alerts(account.id)) == 2
    async with database().transaction() as tx:  # top-up to 600 re-arms both
        await balance_change(
            tx, account_id=account.id, amount=to_units("560"), kind=LedgerKind.PURCHASE
        )
    await _spend(account.id, "550")  # 50: crosses 500 and 100 again, one e-mail each
    assert len(await _alerts(account.id)) == 4


async def test_campaign_debit_alerts_once_not_per_message(make_account):
    account = await make_account(credits="20")
    await credit_alert_update(
        account_id=account.id, thresholds="15", emails="ops@example.com", enabled=True
    )
    await campaign_create(
        account_id=account.id,
        sms_type=SmsType.PRO,
        sender="Negozio",
        text="x",
        recipients=[f"33512{i:05d}" for i in range(10)],
    )
    assert len(await _alerts(account.id)) == 1


async def test_disabled_alert_sends_nothing(make_account):
    account = await make_account(credits="100")
    await credit_alert_update(
        account_id=account.id, thresholds="50", emails="ops@example.com", enabled=False
    )
    await _spend(account.id, "90")
    assert await _alerts(account.id) == []


async def test_transfer_moves_credit_on_both_ledgers(make_account):
    sender = await make_account(credits="100")
    receiver = await make_account(credits="5")
    preview = await credits_transfer_preview(
        from_account_id=sender.id, to_username=receiver.username.upper(), amount="12,5"
    )
    assert preview.units == to_units("12.5")
    done = await credits_transfer(
        from_account_id=sender.id, to_username=receiver.username, amount="12.5"
    )
    assert done.balance_units == to_units("87.5")
    (out, *_) = await ledger_list(sender.id)
    (inn, *_) = await ledger_list(receiver.id)
    assert (out.kind, out.amount_units, out.counterparty) == (
        "transfer_out",
        -to_units("12.5"),
        receiver.username,
    )
    assert (inn.kind, inn.amount_units, inn.counterparty) == (
        "transfer_in",
        to_units("12.5"),
        sender.username,
    )
    for account in (sender, receiver):
        row = await account_get(account.id)
        assert row is not None and await ledger_sum(account.id) == row.balance_units


@pytest.mark.parametrize(
    ("to", "amount", "error", "message"),
    [
        ("self", "1", ValidationError, "stesso account"),
        ("nobody-here", "1", NotFoundError, "Nessun account"),
        ("other", "10.0001", InsufficientCreditError, "al massimo 10.0000"),
        ("other", "0", ValidationError, "maggiore di zero"),
        ("other", "dieci", ValidationError, "non valido"),
    ],
)
async def test_transfer_refusals_change_nothing(make_account, to, amount, error, message):
    sender = await make_account(credits="10")
    other = await make_account(credits="0")
    target = {"self": sender.username, "other": other.username}.get(to, to)
    with pytest.raises(error, match=message):
        await credits_transfer(from_account_id=sender.id, to_username=target, amount=amount)
    assert (await account_get(sender.id)).balance_units == to_units("10")
    assert (await account_get(other.id)).balance_units == 0


async def test_concurrent_opposite_transfers_keep_the_books(make_account):
    a = await make_account(credits="50")
    b = await make_account(credits="50")

    async def move(src, dst):
        try:
            await credits_transfer(from_account_id=src.id, to_username=dst.username, amount="7")
        except InsufficientCreditError:
            pass

    await asyncio.gather(*(move(a, b) if i % 2 else move(b, a) for i in range(20)))
    rows = [await account_get(a.id), await account_get(b.id)]
    assert sum(r.balance_units for r in rows) == to_units("100")
    for r in rows:
        assert await ledger_sum(r.id) == r.balance_units


async def test_ledger_history_filters_and_pages(make_account):
    account = await make_account(credits="100")
    for _ in range(3):
        await _spend(account.id, "1")
    page = await ledger_page(account.id, kinds=TOP_UPS)
    assert [r.kind for r in page.rows] == ["trial"]
    page = await ledger_page(account.id, per_page=2, page=2)
    assert page.total == 4 and page.pages == 2 and len(page.rows) == 2
    # Past the end: no rows, and still the count, so the page can send the user back in range.
    page = await ledger_page(account.id, per_page=2, page=5)
    assert page.rows == [] and page.total == 4 and page.pages == 2
    page = await ledger_page(account.id, kinds=("campaign_debit",), per_page=2, page=1)
    assert page.total == 3 and len(page.rows) == 2


async def test_ledger_history_reads_the_same_inside_a_transaction(make_account):
    """Outside a transaction SQLite reads in the loop's thread; inside one, through the
    transaction's connection: both give the same typed rows (and PostgreSQL its own)."""
    account = await make_account(credits="100")
    await _spend(account.id, "2.5")
    outside = await ledger_page(account.id)
    async with database().transaction():
        inside = await ledger_page(account.id)
    assert inside == outside
    debit = outside.rows[0]
    assert (debit.kind, debit.amount_units, debit.balance_after_units) == (
        "campaign_debit",
        -to_units("2.5"),
        to_units("97.5"),
    )
    assert (
        debit.created_at.utcoffset() is not None
        and debit.created_at.utcoffset().total_seconds() == 0
    )
    assert outside.total == 2
