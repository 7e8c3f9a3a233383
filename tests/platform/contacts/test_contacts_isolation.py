"""One account never reaches another's address book: its contact, group, variable and import
ids are not found, and actions on them change nothing."""

from __future__ import annotations

import pytest
from contacts_helpers import collect, csv_bytes, read_csv, run_import, stored

from corriere.platform.contacts.exporting import export_csv
from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.groups import group_create, group_delete, group_update
from corriere.platform.contacts.importing.queries import (
    import_get,
    import_rejections_all,
    import_report,
    imports_list,
)
from corriere.platform.contacts.importing.services import (
    ImportTarget,
    contact_import_start,
)
from corriere.platform.contacts.queries import (
    ContactFilter,
    contact_by_mobile,
    contact_get,
    contacts_count,
    contacts_search,
    duplicates_across_groups,
    group_get,
    groups_list,
    variables_list,
)
from corriere.platform.contacts.services import (
    Selection,
    contact_create,
    contact_delete,
    contact_update,
    contacts_bulk,
)
from corriere.platform.contacts.variables import (
    variable_create,
    variable_delete,
    variable_set_active,
)
from corriere.platform.errors import NotFoundError

MOBILE = "+393351234567"


@pytest.fixture
async def two_books(make_account, settings):
    """Account A with a contact in two groups, a variable and an import with a rejected row;
    account B with a contact and a group of its own."""
    a = await make_account()
    b = await make_account()
    polizza = await variable_create(account_id=a.id, name="polizza")
    clienti = await group_create(account_id=a.id, name="Clienti")
    vip = await group_create(account_id=a.id, name="VIP")
    contact = await contact_create(
        account_id=a.id,
        values=ContactValues(mobile=MOBILE, first_name="Mario", variables={"polizza": "P-1"}),
        group_ids=[clienti, vip],
    )
    job = await run_import(
        a.id,
        settings,
        data=csv_bytes(["Cellulare", "Nome"], [["393351234568", "Lucia"], ["abc", "Rifiutato"]]),
        target=ImportTarget(group_id=clienti),
    )
    assert (job.imported, job.rejected) == (1, 1)
    b_group = await group_create(account_id=b.id, name="Clienti")
    b_contact = await contact_create(
        account_id=b.id, values=ContactValues(mobile="+393351234599"), group_ids=[b_group]
    )
    return {
        "a": a,
        "b": b,
        "contact": contact,
        "group": clienti,
        "variable": polizza,
        "import": job.id,
        "b_group": b_group,
        "b_contact": b_contact,
    }


async def _a_unchanged(ids) -> None:
    a = ids["a"]
    found = await contact_get(a.id, ids["contact"])
    assert found is not None
    assert (found.first_name, found.variables) == ("Mario", {"polizza": "P-1"})
    assert [g.name for g in found.groups] == ["Clienti", "VIP"]
    assert [(g.name, g.members) for g in await groups_list(a.id)] == [("Clienti", 2), ("VIP", 1)]
    assert [v.name for v in await variables_list(a.id)] == ["polizza"]
    assert await contacts_count(a.id) == 2


async def test_queries_find_nothing_of_another_account(two_books):
    ids, b = two_books, two_books["b"]
    assert await contact_get(b.id, ids["contact"]) is None
    assert await contact_by_mobile(b.id, MOBILE) is None
    assert await group_get(b.id, ids["group"]) is None
    assert await import_get(b.id, ids["import"]) is None
    assert await import_report(b.id, ids["import"], rejected=True) == ([], 0)
    assert await import_report(b.id, ids["import"], rejected=False) == ([], 0)
    assert [line async for line in import_rejections_all(b.id, ids["import"])] == []
    assert [j.id for j in await imports_list(b.id)] == []
    assert (await contacts_search(b.id, ContactFilter(group_id=ids["group"]))).rows == []
    assert (await contacts_search(b.id, ContactFilter(text="mario"))).rows == []
    assert [c.id for c in (await contacts_search(b.id)).rows] == [ids["b_contact"]]
    assert await contacts_count(b.id, ContactFilter(group_id=ids["group"])) == 0
    assert (await duplicates_across_groups(b.id)).total == 0
    assert await variables_list(b.id) == []
    rows = read_csv(await collect(export_csv(b.id, ContactFilter(), ["polizza"])))
    assert [r[2] for r in rows[1:]] == ["393351234599"]
    rows = read_csv(await collect(export_csv(b.id, ContactFilter(group_id=ids["group"]), [])))
    assert rows[1:] == []
    # A itself sees its own.
    assert await import_get(ids["a"].id, ids["import"]) is not None
    assert (await import_report(ids["a"].id, ids["import"], rejected=True))[1] == 1


async def test_bulk_actions_on_foreign_ids_change_nothing(two_books):
    ids, b = two_books, two_books["b"]
    foreign = Selection(ids=(ids["contact"],))
    assert await contacts_bulk(account_id=b.id, action="delete", selection=foreign) == 0
    added = await contacts_bulk(
        account_id=b.id, action="add_to_group", selection=foreign, group_id=ids["b_group"]
    )
    assert added == 0
    removed = await contacts_bulk(
        account_id=b.id, action="remove_from_group", selection=foreign, group_id=ids["b_group"]
    )
    assert removed == 0
    # B's own contacts into A's group: the group is not found.
    for action in ("add_to_group", "remove_from_group"):
        with pytest.raises(NotFoundError):
            await contacts_bulk(
                account_id=b.id,
                action=action,
                selection=Selection(ids=(ids["b_contact"],)),
                group_id=ids["group"],
            )
    # "Every result of a search" is B's results only.
    every = Selection(every_result_of=ContactFilter(group_id=ids["group"]))
    assert await contacts_bulk(account_id=b.id, action="delete", selection=every) == 0
    await _a_unchanged(ids)
    assert await group_get(b.id, ids["b_group"]) is not None
    assert (await group_get(b.id, ids["b_group"])).members == 1  # type: ignore[union-attr]


async def test_changing_a_foreign_contact_group_or_variable_is_not_found(two_books):
    ids, b = two_books, two_books["b"]
    with pytest.raises(NotFoundError) as missing:
        await contact_update(
            account_id=b.id,
            contact_id=ids["contact"],
            values=ContactValues(mobile="+393351234500", first_name="Preso"),
            group_ids=[],
        )
    assert missing.value.message == "Contatto inesistente"
    with pytest.raises(NotFoundError):
        await contact_delete(account_id=b.id, contact_id=ids["contact"])
    with pytest.raises(NotFoundError) as missing:
        await contact_update(
            account_id=b.id,
            contact_id=ids["b_contact"],
            values=ContactValues(mobile="+393351234599"),
            group_ids=[ids["group"]],
        )
    assert missing.value.message == "Gruppo inesistente"
    with pytest.raises(NotFoundError):
        await contact_create(
            account_id=b.id,
            values=ContactValues(mobile="+393351234577"),
            group_ids=[ids["group"]],
        )
    with pytest.raises(NotFoundError):
        await group_update(
            account_id=b.id, group_id=ids["group"], name="Preso", signature="", web_signup=False
        )
    with pytest.raises(NotFoundError):
        await group_delete(account_id=b.id, group_id=ids["group"])
    with pytest.raises(NotFoundError):
        await variable_set_active(account_id=b.id, variable_id=ids["variable"], active=False)
    with pytest.raises(NotFoundError):
        await variable_delete(account_id=b.id, variable_id=ids["variable"])
    await _a_unchanged(ids)
    assert await contacts_count(b.id) == 1
    assert [v.active for v in await variables_list(ids["a"].id)] == [True]


async def test_importing_into_a_foreign_group_or_a_known_number(two_books, settings):
    ids, b = two_books, two_books["b"]
    before = await stored(b.id)
    with pytest.raises(NotFoundError):
        await contact_import_start(
            account_id=b.id,
            data=csv_bytes(["Cellulare"], [["393351234567"]]),
            target=ImportTarget(group_id=ids["group"]),
            settings=settings,
        )
    assert await stored(b.id) == before
    # The same number as A's contact, into B's group named like A's: B gets its own contact.
    job = await run_import(
        b.id,
        settings,
        data=csv_bytes(["Cellulare", "Nome"], [["393351234567", "Omonimo"]]),
        target=ImportTarget(new_group="clienti"),
    )
    assert (job.imported, job.updated, job.group_id) == (1, 0, ids["b_group"])
    mine = await contact_by_mobile(b.id, MOBILE)
    assert mine is not None and mine.first_name == "Omonimo" and mine.id != ids["contact"]
    await _a_unchanged(ids)
