"""The address book's keys to its account and to a group hold on both databases: on PostgreSQL
they are statement-level triggers rather than foreign keys (see the migration "address book keys
checked per statement"), so what a foreign key guarantees is checked here."""

from __future__ import annotations

import pytest

from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.groups import group_create, group_delete
from corriere.platform.contacts.queries import groups_list
from corriere.platform.contacts.services import contact_create
from corriere.platform.db import database


async def _count(sql: str, *args: object) -> int:
    return int(await database().fetchval(sql, *args))


async def test_a_contact_needs_an_existing_account(make_account):
    account = await make_account()
    missing = account.id + 1_000_000
    with pytest.raises(Exception, match=r"(?i)foreign key|violates"):
        async with database().transaction() as tx:
            await tx.execute(
                "INSERT INTO contact (account, mobile, first_name, last_name, first_key, last_key,"
                " gender, address, city, province, landline, email, notes, birthday_sms,"
                " variables, source, created_at, updated_at) VALUES ($1, '+393351234567', '', '',"
                " '', '', '', '', '', '', '', '', '', false, '{}', 'manual', CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)",
                missing,
            )
    assert await _count("SELECT count(*) FROM contact WHERE account = $1", missing) == 0


async def test_a_membership_needs_an_existing_group(make_account):
    account = await make_account()
    contact = await contact_create(
        account_id=account.id, values=ContactValues(mobile="+393351234567"), group_ids=[]
    )
    with pytest.raises(Exception, match=r"(?i)foreign key|violates"):
        async with database().transaction() as tx:
            await tx.execute(
                "INSERT INTO group_member (contact_group, contact, created_at)"
                " VALUES ($1, $2, CURRENT_TIMESTAMP)",
                10_000_000,
                contact,
            )
    assert await _count("SELECT count(*) FROM group_member WHERE contact = $1", contact) == 0


async def test_a_deleted_group_takes_its_memberships_not_its_contacts(make_account):
    account = await make_account()
    group = await group_create(account_id=account.id, name="Clienti")
    other = await group_create(account_id=account.id, name="Fornitori")
    contact = await contact_create(
        account_id=account.id,
        values=ContactValues(mobile="+393351234567"),
        group_ids=[group, other],
    )
    await group_delete(account_id=account.id, group_id=group)
    assert [(g.name, g.members) for g in await groups_list(account.id)] == [("Fornitori", 1)]
    assert await _count("SELECT count(*) FROM group_member WHERE contact_group = $1", group) == 0
    assert await _count("SELECT count(*) FROM contact WHERE id = $1", contact) == 1


async def test_a_deleted_account_takes_its_address_book(make_account):
    account = await make_account()
    group = await group_create(account_id=account.id, name="Clienti")
    await contact_create(
        account_id=account.id, values=ContactValues(mobile="+393351234567"), group_ids=[group]
    )
    async with database().transaction() as tx:
        # As for an account never activated (its trial credits are not granted yet).
        await tx.execute("DELETE FROM ledger_entry WHERE account = $1", account.id)
        await tx.execute("DELETE FROM account WHERE id = $1", account.id)
    assert await _count("SELECT count(*) FROM contact WHERE account = $1", account.id) == 0
    assert await _count("SELECT count(*) FROM group_member WHERE contact_group = $1", group) == 0
