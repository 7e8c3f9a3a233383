"""Default-queue task: run an address book import (a million rows take a few minutes)."""

from __future__ import annotations

from typing import Any

from corriere.platform.contacts.importing.services import contact_import_run

IMPORT_TIMEOUT_S = 3600


async def contacts_import(ctx: dict[str, Any], *, import_id: int) -> None:
    await contact_import_run(import_id=import_id, settings=ctx["settings"])
