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


class MailDeliveryError(Exception):
    """A message the relay did not take, said so an operator can act on it (it is logged and
    kept in the outbox row). `permanent`: trying again cannot help (the recipient was refused)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Mailer(Protocol):
    async def send(self, message: MailMessage) -> None:
        """Deliver one message or raise (MailDeliveryError when the cause is known)."""
        ...
