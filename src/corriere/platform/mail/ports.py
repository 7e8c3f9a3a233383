"""The port through which mail leaves the platform (SMTP adapter in corriere.gateway.mail)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MailMessage:
    recipient: str
    subject: str
    text_body: str
    html_body: str


class Mailer(Protocol):
    async def send(self, message: MailMessage) -> None:
        """Deliver one message or raise."""
        ...
