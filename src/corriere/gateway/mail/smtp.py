"""The SMTP adapter of the Mailer port (aiosmtplib): HTML with a plain-text alternative.

The connection is protected as `CORRIERE_SMTP_SECURITY` says (`Settings.smtp_mode`), never by
guess: "none" is plain text even when the server offers STARTTLS, "starttls" refuses a server
that does not offer it, "tls" speaks TLS from the first byte (port 465). With a user set, it
logs in. Failures become `MailDeliveryError`s that say what to fix.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from corriere.platform.mail.ports import MailDeliveryError, MailMessage
from corriere.platform.settings import Settings

TIMEOUT_S = 30  # per step of the exchange (connect, each command)


class SmtpMailer:
    def __init__(self, settings: Settings, *, tls_context: ssl.SSLContext | None = None) -> None:
        """`tls_context`: how to check the server's certificate (default: the system's CAs,
        or the file named by SSL_CERT_FILE)."""
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_user or None
        self.password = settings.smtp_password or None
        self.mode = settings.smtp_mode  # raises ConfigurationError for a bad value, at start-up
        self.sender = settings.mail_from
        self.tls_context = tls_context

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    async def send(self, message: MailMessage) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(domain="corriere.local")
        email.set_content(message.text_body)
        email.add_alternative(message.html_body, subtype="html")
        try:
            await aiosmtplib.send(
                email,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.mode == "tls",
                start_tls=self.mode == "starttls",
                tls_context=self.tls_context,
                timeout=TIMEOUT_S,
            )
        except aiosmtplib.SMTPException as exc:
            raise self._explain(exc, message.recipient) from exc
        except (ssl.SSLError, OSError) as exc:
            raise MailDeliveryError(
                f"SMTP server {self.server}: secure connection failed ({self.mode}): {exc}"
            ) from exc

    def _explain(self, exc: aiosmtplib.SMTPException, recipient: str) -> MailDeliveryError:
        if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            return MailDeliveryError(
                f"SMTP server {self.server} refused the login of {self.username!r}"
                f" (check CORRIERE_SMTP_USER and CORRIERE_SMTP_PASSWORD): {exc.code} {exc.message}"
            )
        if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
            refusals = [
                r for r in exc.recipients if isinstance(r, aiosmtplib.SMTPResponseException)
            ]
            detail = "; ".join(f"{r.code} {r.message}" for r in refusals) or str(exc)
            return MailDeliveryError(
                f"SMTP server {self.server} refused the recipient {recipient}: {detail}",
                # 5xx is the server's final word on this address; 4xx may pass later.
                permanent=bool(refusals) and all(r.code >= 500 for r in refusals),
            )
        if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPTimeoutError):
            return MailDeliveryError(f"cannot reach the SMTP server {self.server}: {exc}")
        if isinstance(exc, aiosmtplib.SMTPServerDisconnected):
            return MailDeliveryError(f"SMTP server {self.server} closed the connection: {exc}")
        if self.mode == "starttls" and "STARTTLS" in str(exc):
            return MailDeliveryError(
                f"SMTP server {self.server} does not offer STARTTLS"
                f" (CORRIERE_SMTP_SECURITY=starttls): {exc}"
            )
        if self.username and "AUTH" in str(exc).upper():
            return MailDeliveryError(
                f"SMTP server {self.server} does not offer a login on this connection"
                f" (CORRIERE_SMTP_SECURITY={self.mode}): {exc}"
            )
        return MailDeliveryError(f"SMTP server {self.server}: {type(exc).__name__}: {exc}")
