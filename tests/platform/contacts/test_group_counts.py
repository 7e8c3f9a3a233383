"""The member counts shown next to every group are kept by triggers, not counted at each view:
after every way a membership comes or goes they must equal what the groups hold."""

from __future__ import annotations

import asyncio

import pytest
from contacts_helpers import csv_bytes, run_import

from corriere.platform.contacts.cleanup import contacts_cleanup
from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.group_counts import group_counts_fold
from corriere.platform.contacts.groups import group_create, group_delete, group_update
from corriere.platform.contacts.importing.services import ImportTarget
from corriere.platform.contacts.queries import ContactFilter, contacts_search, groups_list
from corriere.platform.contacts.services import (
    Selection,
    contact_create,
    contact_delete,
    contact_update,
    contacts_bulk,
)
from corriere.platform.db import database


async def _shown(account_id: int) -> dict[str, int]:
    return {g.name: g.members for g in await groups_list(account_id)}


async def _held(account_id: int) -> dict[str, int]:
    rows = await database().fetch(
        "SELECT g.name, (SELECT count(*) FROM group_member m WHERE m.contact_group = g.id) AS n"
        " FROM contact_group g WHERE g.account = $1",
        account_id,
    )
    return {r["name"]: int(r["n"]) for r in rows}


async def _check(account_id: int, expected: dict[str, int]) -> None:
    assert await _shown(account_id) == await _held(account_id) == expected


async def test_counts_follow_every_change(make_account, settings):
    account = await make_account()
    other = await make_account()
    clienti = await group_create(account_id=account.id, name="Clienti")
    vip = await group_create(account_id=account.id, name="VIP")
    altrui = await group_create(account_id=other.id, name="Clienti")
    await contact_create(
        account_id=other.id, values=ContactValues(mobile="+393351000000"), group_ids=[altrui]
    )

    ids = [
        await contact_create(
            account_id=account.id,
            values=ContactValues(mobile=f"+39335100000{n}"),
            group_ids=[clienti] if n < 3 else [],
        )
        for n in range(5)
    ]
    await _check(account.id, {"Clienti": 3, "VIP": 0})

    # The form's groups replace the contact's.
    await contact_update(
        account_id=account.id,
        contact_id=ids[0],
        values=ContactValues(mobile="+393351000000"),
        group_ids=[vip],
    )
    await _check(account.id, {"Clienti": 2, "VIP": 1})

    # Bulk: ticked rows, and every result of a search (members already in are not counted twice).
    await contacts_bulk(
        account_id=account.id,
        action="add_to_group",
        selection=Selection(ids=tuple(ids)),
        group_id=vip,
    )
    await _check(account.id, {"Clienti": 2, "VIP": 5})
    await contacts_bulk(
        account_id=account.id,
        action="remove_from_group",
        selection=Selection(every_result_of=ContactFilter(group_id=clienti)),
        group_id=vip,
    )
    await _check(account.id, {"Clienti": 2, "VIP": 3})

    # An import into a group: new numbers, a known one, a repeated one, a rejected one.
    data = csv_bytes(
        ["Cellulare", "Nome"],
        [
            ["393351000004", "Già in rubrica"],
            ["393352000001", "Nuovo"],
            ["393352000002", "Ripetuto"],
            ["393352000002", "Ripetuto"],
            ["12", "Scartato"],
        ],
    )
    job = await run_import(
        account.id, settings, data=data, filename="c.csv", target=ImportTarget(group_id=clienti)
    )
    assert (job.imported, job.updated) == (2, 1)
    await _check(account.id, {"Clienti": 5, "VIP": 3})
    await run_import(
        account.id, settings, data=data, filename="c.csv", target=ImportTarget(new_group="Fiera")
    )
    await _check(account.id, {"Clienti": 5, "VIP": 3, "Fiera": 3})

    # Contacts deleted one by one and in bulk take their memberships with them.
    await contact_delete(account_id=account.id, contact_id=ids[1])
    await _check(account.id, {"Clienti": 4, "VIP": 3, "Fiera": 3})
    await contacts_bulk(
        account_id=account.id, action="delete", selection=Selection(ids=(ids[3], ids[4]))
    )
    await _check(account.id, {"Clienti": 3, "VIP": 1, "Fiera": 2})

    # A group deleted: the others keep their counts.
    await group_delete(account_id=account.id, group_id=vip)
    await _check(account.id, {"Clienti": 3, "Fiera": 2})
    await contacts_cleanup(account_id=account.id, mode="everything")
    await _check(account.id, {})
    await _check(other.id, {"Clienti": 1})


async def test_simultaneous_changes_to_the_same_groups(make_account):
    account = await make_account()
    groups = [await group_create(account_id=account.id, name=f"G{n}") for n in range(3)]
    ids = [
        await contact_create(
            account_id=account.id, values=ContactValues(mobile=f"+3933520000{n:02d}")
        )
        for n in range(30)
    ]

    async def add(group_id: int, chosen: list[int]) -> int:
        return await contacts_bulk(
            account_id=account.id,
            action="add_to_group",
            selection=Selection(ids=tuple(chosen)),
            group_id=group_id,
        )

    await asyncio.gather(
        *(add(g, ids[n::2]) for g in groups for n in range(2)),
        contacts_bulk(
            account_id=account.id, action="delete", selection=Selection(ids=tuple(ids[:4]))
        ),
    )
    held = await _held(account.id)
    assert await _shown(account.id) == held
    assert held == {"G0": 26, "G1": 26, "G2": 26}


async def test_a_group_page_counts_from_the_group(make_account):
    account = await make_account()
    clienti = await group_create(account_id=account.id, name="Clienti")
    for n in range(30):
        await contact_create(
            account_id=account.id,
            values=ContactValues(mobile=f"+3933530000{n:02d}"),
            group_ids=[clienti] if n % 3 else [],
        )
    page = await contacts_search(account.id, ContactFilter(group_id=clienti), page=1, per_page=5)
    assert page.total == 20 and len(page.rows) == 5


async def test_folding_the_pending_changes_keeps_the_counts(make_account):
    account = await make_account()
    clienti = await group_create(account_id=account.id, name="Clienti")
    gone = await group_create(account_id=account.id, name="Da eliminare")
    for n in range(6):
        await contact_create(
            account_id=account.id,
            values=ContactValues(mobile=f"+3933540000{n:02d}"),
            group_ids=[clienti, gone] if n % 2 else [clienti],
        )
    await group_delete(account_id=account.id, group_id=gone)
    before = await _shown(account.id)
    await group_counts_fold()
    assert await _shown(account.id) == await _held(account.id) == before == {"Clienti": 6}
    pending = await database().fetchval("SELECT count(*) FROM group_member_delta")
    assert pending == 0
    assert await group_counts_fold() == 0


async def test_a_long_write_into_a_group_does_not_hold_the_group(make_account):
    """An import holds its transaction open for as long as it reads the file (a minute for a
    million rows): meanwhile the same group can get a new signature, and be joined by someone
    else. (Renaming it waits: its name is a key, which the open insert holds as a foreign key
    would.)"""
    db = database()
    if db.kind != "postgres":
        pytest.skip("SQLite's writers run one at a time whatever the counts do")
    account = await make_account()
    clienti = await group_create(account_id=account.id, name="Clienti")
    first = await contact_create(
        account_id=account.id, values=ContactValues(mobile="+393355000001")
    )
    writing = asyncio.Event()
    done = asyncio.Event()

    async def long_write() -> None:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO group_member (contact_group, contact, created_at)"
                " VALUES ($1, $2, now())",
                clienti,
                first,
            )
            writing.set()
            await done.wait()

    task = asyncio.create_task(long_write())
    await writing.wait()
    try:
        async with asyncio.timeout(5):
            await group_update(
                account_id=account.id,
                group_id=clienti,
                name="Clienti",
                signature="Negozio",
                web_signup=False,
            )
            await contact_create(
                account_id=account.id,
                values=ContactValues(mobile="+393355000002"),
                group_ids=[clienti],
            )
    finally:
        done.set()
        await task
    await _check(account.id, {"Clienti": 2})
