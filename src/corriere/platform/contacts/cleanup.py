"""PULIZIA GRUPPI E RUBRICA: delete the whole address book, or the contacts in no group.

Irreversible: the page asks for a typed confirmation, and the audit log keeps who did it, when and
how much went.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from corriere.platform.audit.services import audit_record
from corriere.platform.db import database

CleanupMode = Literal["everything", "ungrouped"]


@dataclass(frozen=True, slots=True)
class CleanupDone:
    contacts: int
    groups: int


async def contacts_cleanup(*, account_id: int, mode: CleanupMode) -> CleanupDone:
    async with database().transaction() as tx:
        if mode == "everything":
            contacts = await tx.execute("DELETE FROM contact WHERE account = $1", account_id)
            groups = await tx.execute("DELETE FROM contact_group WHERE account = $1", account_id)
        else:
            contacts = await tx.execute(
                "DELETE FROM contact WHERE account = $1 AND NOT EXISTS"
                " (SELECT 1 FROM group_member m WHERE m.contact = contact.id)",
                account_id,
            )
            groups = 0
        await audit_record(
            tx,
            operator_id=None,
            account_id=account_id,
            action="contacts_cleanup",
            reason="richiesta dal cliente nel pannello",
            details=f"{mode}: contatti eliminati {contacts}, gruppi eliminati {groups}",
        )
    return CleanupDone(contacts=contacts, groups=groups)
