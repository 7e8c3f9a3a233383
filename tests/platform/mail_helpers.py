"""Real SMTP servers (aiosmtpd, in their own thread) for the mail tests: plain, STARTTLS, TLS,
with a login, with certificates made on the spot by a test CA (trustme)."""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "corriere", "Relay-Segreto-9"


def _encrypted(server: Any) -> bool:
    # `session.ssl` is set by STARTTLS only; the transport knows about TLS from the start too.
    return server.transport.get_extra_info("ssl_object") is not None


@dataclass
class Received:
    message: email.message.Message
    tls: bool  # the session was encrypted (STARTTLS or TLS from the start)
    login: str | None


@dataclass
class Inbox:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients answered 550
    delay_s: float = 0.0  # time spent on each DATA, so concurrent deliveries overlap
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        with self.lock:
            self.received.append(
                Received(
                    email.message_from_bytes(envelope.content),
                    tls=_encrypted(server),
                    login=session.auth_data,
                )
            )
        return "250 OK"

    def to(self, recipient: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.message["To"] == recipient]


@dataclass
class Authenticator:
    """Accepts USER/PASSWORD; remembers every login tried, and whether it was over TLS."""

    tried: list[tuple[str, str, str, bool]] = field(default_factory=list)

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.tried.append((mechanism, login, password, _encrypted(server)))
        if (login, password) != (USER, PASSWORD):
            return AuthResult(success=False, handled=False)  # the server answers 535
        return AuthResult(success=True, auth_data=login)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Certificates:
    server: ssl.SSLContext  # the server's certificate for 127.0.0.1
    client: ssl.SSLContext  # a client trusting the test CA only


def certificates() -> Certificates:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return Certificates(server, client)


@contextmanager
def smtp_server(inbox: Inbox, **params: Any) -> Iterator[int]:
    """Serve `inbox` on a free port (aiosmtpd's SMTP parameters as keywords)."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **params)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
