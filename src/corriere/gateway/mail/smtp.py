"""The SMTP adapter of the Mailer port (aiosmtplib): HTML with a plain-text alternative."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from corriere.platform.mail.ports import MailMessage
from corriere.platform.settings import Settings


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_user or None
        self.password = settings.smtp_password or None
        self.tls = settings.smtp_tls
        self.sender = settings.mail_from

    async def send(self, message: MailMessage) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(domain="corriere.local")
        email.set_content(message.text_body)
        email.add_alternative(message.html_body, subtype="html")
        await aiosmtplib.send(
            email,
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.tls and self.port == 465,
            start_tls=True if self.tls and self.port != 465 else None,
            timeout=30,
        )
