"""Default-queue cron task: delete the accounts never activated within `pending_account_days`."""

from __future__ import annotations

import logging
from typing import Any

from corriere.platform.accounts.expiry import BATCH, accounts_pending_delete
from corriere.platform.settings import Settings

log = logging.getLogger("corriere.jobs.accounts")

# Hourly: a squatted username or e-mail address is free again within the hour after its day.
PENDING_ACCOUNTS_CRON = "41 * * * *"


async def pending_accounts_expire(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]
    total = 0
    while True:
        deleted = await accounts_pending_delete(days=settings.pending_account_days)
        total += len(deleted)
        if deleted:
            log.info(
                "deleted %d accounts never activated within %d days: %s",
                len(deleted),
                settings.pending_account_days,
                ", ".join(a.username for a in deleted),
            )
        if len(deleted) < BATCH:
            return total
