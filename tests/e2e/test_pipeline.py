"""SMS that travel end to end: service → dispatch → gateway → SMPP → simulator → receipts."""

from __future__ import annotations

from datetime import timedelta

from corriere.platform.accounts.queries import account_get, ledger_list, ledger_sum
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.messaging.queries import campaign_messages, campaign_state_counts
from corriere.platform.messaging.services import campaign_create
from corriere.platform.messaging.sms_types import SmsType
from corriere.platform.money import to_units
from e2e.conftest import Pipeline, wait_for


async def _send(pipeline: Pipeline, account_id: int, recipients: list[str], **kwargs):
    kwargs.setdefault("sms_type", SmsType.PRO)
    kwargs.setdefault("sender", "Negozio")
    kwargs.setdefault("text", "Saldi da oggi!")
    created = await campaign_create(account_id=account_id, recipients=recipients, **kwargs)
    await pipeline.scheduler.dispatch_soon()
    return created


async def _all_final(campaign_id: int, states=("delivered", "undelivered", "expired", "failed")):
    counts = await campaign_state_counts(campaign_id)
    return sum(counts.values()) > 0 and set(counts) <= set(states)


async def test_campaign_delivered_with_receipts(pipeline, make_account, smsc):
    account = await make_account(credits="100")
    numbers = [f"+39335{i:07d}" for i in range(25)]
    created = await _send(pipeline, account.id, numbers)
    await wait_for(lambda: _all_final(created.id))
    assert await campaign_state_counts(created.id) == {"delivered": 25}
    parts = await database().fetch(
        "SELECT p.smsc_id, p.state FROM message_part p JOIN message m ON m.id = p.message"
        " WHERE m.campaign = $1",
        created.id,
    )
    assert len(parts) == 25 and all(p["smsc_id"] and p["state"] == "delivered" for p in parts)
    for number in numbers[:3]:
        received = smsc.messages_for(number)
        assert [m.text for m in received] == ["Saldi da oggi!"]
        assert received[0].source == "Negozio"
    row = await account_get(account.id)
    assert row is not None and row.balance_units == to_units("75")
    assert await ledger_sum(account.id) == row.balance_units


async def test_long_messages_arrive_in_parts_and_reassemble(pipeline, make_account, smsc):
    account = await make_account(credits="100")
    gsm = ("Caro cliente, questo è un messaggio lungo € " * 10)[:400]  # 409 septets
    ucs2 = ("Offerta speciale 😀 per te — ¡olé! ") * 5
    a = await _send(pipeline, account.id, ["+393350000001"], text=gsm)
    b = await _send(pipeline, account.id, ["+393350000002"], text=ucs2)
    assert (a.parts, a.encoding) == (3, "gsm7")
    assert (b.parts, b.encoding) == (3, "ucs2")
    await wait_for(lambda: _all_final(a.id))
    await wait_for(lambda: _all_final(b.id))
    for created, number, text in ((a, "393350000001", gsm), (b, "393350000002", ucs2)):
        assert await campaign_state_counts(created.id) == {"delivered": 1}
        seqs = await database().fetch(
            "SELECT p.seq FROM message_part p JOIN message m ON m.id = p.message"
            " WHERE m.campaign = $1 ORDER BY p.seq",
            created.id,
        )
        assert [s["seq"] for s in seqs] == [1, 2, 3]
        (received,) = smsc.messages_for(number)
        assert received.total_parts == 3 and received.complete
        assert received.text == text


async def test_smsc_rejection_marks_failed_and_refunds(pipeline, make_account, smsc):
    smsc.config.update({"reject_prefixes": ["39347"]})
    account = await make_account(credits="10")
    created = await _send(pipeline, account.id, ["+393470000001", "+393470000002", "+393350000003"])
    await wait_for(lambda: _all_final(created.id))
    messages = {m.recipient: m for m in await campaign_messages(created.id)}
    assert messages["+393470000001"].state == "failed"
    assert messages["+393470000001"].error == "smpp:0x0B"
    assert messages["+393350000003"].state == "delivered"
    row = await account_get(account.id)
    assert row is not None and row.balance_units == to_units("9")  # two of three refunded
    refunds = [e for e in await ledger_list(account.id) if e.kind == "refund"]
    assert [e.amount_units for e in refunds] == [to_units("2")]
    assert await ledger_sum(account.id) == row.balance_units


async def test_undelivered_and_expired_receipts(pipeline, make_account, smsc):
    smsc.config.update({"undeliverable_prefixes": ["39348"], "expire_prefixes": ["39349"]})
    account = await make_account(credits="10")
    created = await _send(pipeline, account.id, ["+393480000001", "+393490000001", "+393350000004"])
    await wait_for(lambda: _all_final(created.id))
    states = {m.recipient: (m.state, m.state_label) for m in await campaign_messages(created.id)}
    assert states == {
        "+393480000001": ("undelivered", "Rifiutato dalla rete"),
        "+393490000001": ("expired", "Scaduto"),
        "+393350000004": ("delivered", "Ricevuto"),
    }
    row = await account_get(account.id)
    assert row is not None and row.balance_units == to_units("7")  # delivered or not, it was sent


async def test_receipt_before_submit_resp_is_matched(pipeline, make_account, smsc):
    smsc.config.update({"receipt_before_resp_prefixes": ["39336"], "receipt_delay_ms": 0})
    started = utcnow()
    account = await make_account(credits="20")
    numbers = [f"+39336{i:07d}" for i in range(10)]
    created = await _send(pipeline, account.id, numbers)
    await wait_for(lambda: _all_final(created.id))
    assert await campaign_state_counts(created.id) == {"delivered": 10}
    pending = await database().fetchval(
        "SELECT count(*) FROM receipt WHERE matched = false AND received_at >= $1", started
    )
    assert pending == 0


async def test_receipt_styles_text_only_and_tlv_only(pipeline, make_account, smsc):
    account = await make_account(credits="20")
    for style in ("text", "tlv"):
        smsc.config.update({"receipt_style": style})
        created = await _send(pipeline, account.id, ["+393351110000", "+393481110000"])
        smsc.config.update({"undeliverable_prefixes": ["39348"]})
        await wait_for(lambda c=created.id: _all_final(c))
        states = {m.recipient: m.state for m in await campaign_messages(created.id)}
        assert states["+393351110000"] == "delivered"
        smsc.config.update({"undeliverable_prefixes": []})


async def test_throttled_submits_are_retried(pipeline, make_account, smsc):
    smsc.config.update({"throttle_tps": 20})
    account = await make_account(credits="100")
    numbers = [f"+39337{i:07d}" for i in range(60)]
    created = await _send(pipeline, account.id, numbers)
    await wait_for(lambda: _all_final(created.id), timeout=30)
    assert await campaign_state_counts(created.id) == {"delivered": 60}
    assert smsc.stats()["submits_throttled"] > 0
    # Each message reached its phone exactly once despite the retries.
    assert all(len(smsc.messages_for(n)) == 1 for n in numbers)


async def test_smart_is_final_when_sent(pipeline, make_account, smsc):
    account = await make_account(credits="10")
    created = await _send(
        pipeline, account.id, ["+393350005555"], sms_type=SmsType.SMART, sender=None
    )
    await wait_for(lambda: _all_final(created.id, states=("submitted",)))
    (message,) = await campaign_messages(created.id)
    assert message.state_label == "Spedito"
    assert smsc.messages_for("393350005555")[0].source == "393399949900"


async def test_scheduled_campaign_waits_for_its_time(pipeline, make_account, smsc):
    account = await make_account(credits="10")
    created = await _send(
        pipeline, account.id, ["+393350006666"], scheduled_at=utcnow() + timedelta(seconds=3)
    )
    await pipeline.scheduler.dispatch_soon()
    assert await campaign_state_counts(created.id) == {"scheduled": 1}
    await wait_for(lambda: _all_final(created.id), timeout=15)
    assert await campaign_state_counts(created.id) == {"delivered": 1}


async def test_inbound_sms_is_stored(pipeline, smsc):
    assert await smsc.inject_mo("393351234567", "393399949901", "STOP grazie")

    async def stored() -> bool:
        rows = await database().fetch(
            "SELECT sender, recipient, text FROM inbound_message WHERE text = $1", "STOP grazie"
        )
        return bool(rows)

    await wait_for(stored)
