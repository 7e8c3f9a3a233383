"""Imports bigger than one chunk of stored rows: on PostgreSQL the new numbers of each chunk
reach the address book while the next chunk is read. The rules must read the same as for a
small file: the last row of a repeated number wins, known numbers are updated, and a file that
fails after some chunks were written changes nothing."""

from __future__ import annotations

from contacts_helpers import csv_bytes, describe, error_text, run_import, stored

from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.importing.queries import import_report
from corriere.platform.contacts.importing.services import CHUNK, ImportTarget
from corriere.platform.contacts.queries import (
    ContactFilter,
    contact_by_mobile,
    contacts_count,
    groups_list,
)
from corriere.platform.contacts.services import contact_create

HEADER = ["Cellulare", "Nome", "Cognome", "Email"]
TARGET = ImportTarget(new_group="Fiera")
SPAN = 2 * CHUNK + 5  # rows: three chunks, the last one short


def _rows(count: int) -> list[list[str]]:
    return [[f"39340{n:07d}", f"Nome {n}", f"Cognome {n}", ""] for n in range(count)]


async def test_numbers_repeated_across_chunks_read_as_in_a_small_file(account, settings):
    await contact_create(
        account_id=account.id,
        values=ContactValues(mobile="+393351234570", first_name="Vecchio", last_name="Bianchi"),
    )
    rows = _rows(SPAN)
    # A new number in the first chunk, again in the last one with fewer cells: the contact is
    # what the last row says, empty cells included (as when only that row is imported).
    rows[0] = ["393351234567", "Primo", "Rossi", "primo@example.com"]
    rows[-1] = ["+39 335 123 4567", "Ultimo", "", ""]
    # A known number in the first and the second chunk: updated from the last row, its empty
    # cells erasing nothing.
    rows[1] = ["393351234570", "Prima modifica", "", "vecchio@example.com"]
    rows[CHUNK + 1] = ["00393351234570", "Seconda modifica", "", ""]
    # Repeated inside one chunk (the second).
    rows[CHUNK + 2] = ["393351234580", "Doppio uno", "Verdi", ""]
    rows[CHUNK + 3] = ["393351234580", "Doppio due", "", ""]
    job = await run_import(
        account.id, settings, data=csv_bytes(HEADER, rows), filename="grande.csv", target=TARGET
    )
    assert job.status == "done", error_text(job)
    new_numbers = SPAN - 3 - 1  # rows less the repeated ones, less the known number
    assert (job.imported, job.updated, job.rejected) == (new_numbers, 1, 3)
    assert await contacts_count(account.id) == new_numbers + 1

    first = await contact_by_mobile(account.id, "+393351234567")
    assert first is not None
    assert (first.first_name, first.last_name, first.email) == ("Ultimo", "", "")
    known = await contact_by_mobile(account.id, "+393351234570")
    assert known is not None
    assert (known.first_name, known.last_name, known.email) == (
        "Seconda modifica",
        "Bianchi",
        "",
    )
    twice = await contact_by_mobile(account.id, "+393351234580")
    assert twice is not None and (twice.first_name, twice.last_name) == ("Doppio due", "")

    lines, total = await import_report(account.id, job.id, rejected=True)
    assert total == 3
    assert [(line.row_number, describe(line)) for line in lines] == [
        (2, f"Numero ripetuto nel file: vale la riga {SPAN + 1}"),
        (3, f"Numero ripetuto nel file: vale la riga {CHUNK + 3}"),
        (CHUNK + 4, f"Numero ripetuto nel file: vale la riga {CHUNK + 5}"),
    ]
    [group] = await groups_list(account.id)
    assert group.name == "Fiera" and group.members == new_numbers + 1
    in_group = await contacts_count(account.id, ContactFilter(group_id=group.id))
    assert in_group == new_numbers + 1


async def test_a_file_failing_after_some_chunks_changes_nothing(account, settings):
    limited = settings.model_copy(update={"import_max_rows": 2 * CHUNK + 1})
    job = await run_import(
        account.id,
        limited,
        data=csv_bytes(HEADER, _rows(SPAN)),
        filename="troppo.csv",
        target=TARGET,
    )
    assert job.status == "failed"
    assert error_text(job).startswith(f"Il file ha più di {2 * CHUNK + 1:,}".replace(",", "."))
    assert (await stored(account.id)).contacts == 0
    assert await contact_by_mobile(account.id, "+393400000000") is None
    assert await groups_list(account.id) == []
