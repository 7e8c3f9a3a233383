"""POSTA: the mail outbox, for a demo or a first run on one's own machine.

Without an SMTP relay no e-mail leaves the machine (the outbox keeps it): this page lets whoever
tries the panel read the welcome and password-recovery e-mails. It shows every account's mail
(reset links included) without a login, so `create_app` registers it only when
`settings.demo_pages_enabled and settings.mail_is_kept`; elsewhere support reads the outbox in
the TUI.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get

from corriere.platform.mail.services import mail_outbox_list
from corriere.web.i18n import N_
from corriere.web.rendering import render

AnyRequest = Request[Any, Any, Any]

LIMIT = 100

MAIL_KINDS = {
    "welcome": N_("Benvenuto"),
    "password_reset": N_("Recupero password"),
    "low_credit": N_("Alert esaurimento credito"),
}
MAIL_STATUSES = {
    "pending": N_("in coda"),
    "sending": N_("in invio"),
    "kept": N_("trattenuta (modalità dimostrativa)"),
    "sent": N_("inviata"),
    "failed": N_("non recapitata"),
}


class OutboxController(Controller):
    path = "/posta"

    @get("/", name="outbox")
    async def index(self, request: AnyRequest) -> Response[str]:
        mails = await mail_outbox_list(limit=LIMIT)
        return render(
            request,
            "outbox.html",
            {"mails": mails, "limit": LIMIT, "kinds": MAIL_KINDS, "statuses": MAIL_STATUSES},
            block="mails",
        )
