"""What goes with a deleted contact or import: on PostgreSQL two of these cascades are
statement-level triggers rather than foreign keys (see the address book indexes migration), so
they are checked here on both databases, through the services a user reaches."""

from __future__ import annotations

from contacts_helpers import csv_bytes, run_import

from corriere.platform.contacts.cleanup import contacts_cleanup
from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.importing.services import ImportTarget
from corriere.platform.contacts.queries import ContactFilter, groups_list
from corriere.platform.contacts.services import (
    Selection,
    contact_create,
    contact_delete,
    contacts_bulk,
)
from corriere.platform.db import database


async def _memberships(account_id: int) -> int:
    return int(
        await database().fetchval(
            "SELECT count(*) FROM group_member m JOIN contact_group g ON g.id = m.contact_group"
            " WHERE g.account = $1",
            account_id,
        )
    )


async def _orphans() -> int:
    return int(
        await database().fetchval(
            "SELECT count(*) FROM group_member m"
            " WHERE NOT EXISTS (SELECT 1 FROM contact c WHERE c.id = m.contact)"
        )
    )


async def test_a_deleted_contact_leaves_its_groups(make_account):
    account = await make_account()
    clienti = await group_create(account_id=account.id, name="Clienti")
    vip = await group_create(account_id=account.id, name="VIP")
    kept = await contact_create(
        account_id=account.id,
        values=ContactValues(mobile="+393351234567"),
        group_ids=[clienti, vip],
    )
    gone = await contact_create(
        account_id=account.id,
        values=ContactValues(mobile="+393351234568"),
        group_ids=[clienti, vip],
    )
    await contact_delete(account_id=account.id, contact_id=gone)
    assert [(g.name, g.members) for g in await groups_list(account.id)] == [
        ("Clienti", 1),
        ("VIP", 1),
    ]
    assert await _memberships(account.id) == 2
    assert await _orphans() == 0
    # A bulk delete of every result of a search takes its memberships with it too.
    await contacts_bulk(
        account_id=account.id,
        action="delete",
        selection=Selection(every_result_of=ContactFilter()),
    )
    assert [(g.name, g.members) for g in await groups_list(account.id)] == [
        ("Clienti", 0),
        ("VIP", 0),
    ]
    assert await _memberships(account.id) == 0
    assert await _orphans() == 0
    assert kept


async def test_bulk_add_to_group_then_delete(make_account):
    account = await make_account()
    group = await group_create(account_id=account.id, name="Tutti")
    ids = [
        await contact_create(account_id=account.id, values=ContactValues(mobile=f"+39335123456{n}"))
        for n in range(3)
    ]
    added = await contacts_bulk(
        account_id=account.id,
        action="add_to_group",
        selection=Selection(every_result_of=ContactFilter()),
        group_id=group,
    )
    assert added == 3
    await contacts_bulk(account_id=account.id, action="delete", selection=Selection(ids=(ids[0],)))
    assert [(g.name, g.members) for g in await groups_list(account.id)] == [("Tutti", 2)]
    assert await _orphans() == 0


async def test_cleanup_and_a_deleted_import_leave_nothing_behind(make_account, settings):
    account = await make_account()
    other = await make_account()
    group = await group_create(account_id=other.id, name="Altri")
    await contact_create(
        account_id=other.id, values=ContactValues(mobile="+393351234500"), group_ids=[group]
    )
    job = await run_import(
        account.id,
        settings,
        data=csv_bytes(["Cellulare"], [["393351234567"], ["393351234568"], ["non un numero"]]),
        target=ImportTarget(new_group="Importati"),
    )
    assert (job.imported, job.rejected) == (2, 1)
    await contacts_cleanup(account_id=account.id, mode="everything")
    assert await _memberships(account.id) == 0
    assert await _orphans() == 0
    db = database()
    assert await db.fetchval("SELECT count(*) FROM import_row WHERE contact_import = $1", job.id)
    async with db.transaction() as tx:  # as a retention job would
        await tx.execute("DELETE FROM contact_import WHERE id = $1", job.id)
    assert (
        await db.fetchval("SELECT count(*) FROM import_row WHERE contact_import = $1", job.id) == 0
    )
    # The other account's book is untouched.
    assert [(g.name, g.members) for g in await groups_list(other.id)] == [("Altri", 1)]
    assert await _memberships(other.id) == 1
