"""Default-queue task: deliver the mail outbox (SMTP when configured, kept locally otherwise)."""

from __future__ import annotations

from typing import Any

from corriere.platform.mail.services import mail_deliver_pending


async def mail_deliver(ctx: dict[str, Any]) -> int:
    return await mail_deliver_pending(ctx.get("mailer"))
