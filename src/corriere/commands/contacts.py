"""`corriere contacts import`: an address book import from the shell, run in this process."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from corriere.platform.accounts.services import account_id_by_username
from corriere.platform.contacts.importing.apply import contacts_book_vacuum
from corriere.platform.contacts.importing.queries import import_get
from corriere.platform.contacts.importing.services import (
    ImportTarget,
    contact_import_run,
    contact_import_start,
)
from corriere.platform.errors import CorriereError
from corriere.platform.settings import Settings
from corriere.runtime import open_database


async def contacts_command(settings: Settings, args: argparse.Namespace) -> int:
    db = await open_database(settings, run_migrations=True)
    try:
        account_id = await account_id_by_username(args.account)
        path = Path(args.file)
        if not await asyncio.to_thread(path.is_file):
            print(f"errore: il file {path} non esiste", file=sys.stderr)
            return 2
        import_id = await contact_import_start(
            account_id=account_id,
            filename=path.name,
            data=await asyncio.to_thread(path.read_bytes),
            target=ImportTarget(new_group=args.group or ""),
            prefix=args.prefix or "",
            settings=settings,
        )
        written = await contact_import_run(import_id=import_id, settings=settings)
        job = await import_get(account_id, import_id)
        assert job is not None
        if job.status == "failed":
            message = job.error % job.error_params if job.error_params else job.error
            raise CorriereError(message)
        print(f"importati: {job.imported}")
        print(f"aggiornati: {job.updated}")
        print(f"scartati: {job.rejected}")
        if job.warnings:
            print(f"con dati ignorati: {job.warnings}")
        if job.unknown:
            print("colonne ignorate: " + ", ".join(job.unknown))
        if job.group_name:
            print(f"gruppo: {job.group_name}")
        print(
            f"(importazione n. {job.id}: il dettaglio degli scarti è nel pannello e nella console)",
            flush=True,
        )
        await contacts_book_vacuum(written)
        return 0
    finally:
        await db.close()
