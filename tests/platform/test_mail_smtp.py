"""The SMTP adapter against real servers: STARTTLS and TLS with a certificate from a test CA, a
login the server requires over TLS, and the configured protection never guessed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from mail_helpers import PASSWORD, USER, Authenticator, Inbox, certificates, smtp_server

from corriere.gateway.mail.smtp import SmtpMailer
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.errors import ConfigurationError
from corriere.platform.mail.services import mail_deliver_pending, mail_outbox_list, mail_queue

CERTS = certificates()


async def _queue(account_id: int, recipient: str) -> None:
    async with database().transaction() as tx:
        await mail_queue(
            tx,
            recipients=[recipient],
            kind="password_reset",
            locale="it",
            account_id=account_id,
            context={"username": "anna", "minutes": 60, "reset_url": "http://x/recupera/t"},
        )


async def _row(account_id: int) -> tuple[str, str]:
    (row,) = await mail_outbox_list(account_id=account_id)
    return row.status, row.error


def _mailer(settings, port: int, *, trust: bool = True, **update) -> SmtpMailer:
    values = {"smtp_host": "127.0.0.1", "smtp_port": port, **update}
    return SmtpMailer(
        settings.model_copy(update=values), tls_context=CERTS.client if trust else None
    )


@pytest.fixture
async def empty_outbox(db) -> None:
    await mail_deliver_pending(None, limit=1_000_000)


def _starttls_with_login(inbox: Inbox, auth: Authenticator):
    return smtp_server(
        inbox,
        tls_context=CERTS.server,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=auth,
    )


async def test_starttls_and_login(db, settings, make_account, empty_outbox):
    account = await make_account()
    await _queue(account.id, "tls@example.com")
    inbox, auth = Inbox(), Authenticator()
    with _starttls_with_login(inbox, auth) as port:
        mailer = _mailer(
            settings, port, smtp_security="starttls", smtp_user=USER, smtp_password=PASSWORD
        )
        assert await mail_deliver_pending(mailer) == 1
    (received,) = inbox.to("tls@example.com")
    assert received.tls and received.login == USER
    ((mechanism, login, password, tls),) = auth.tried
    assert mechanism in {"PLAIN", "LOGIN"} and (login, password, tls) == (USER, PASSWORD, True)
    assert await _row(account.id) == ("sent", "")


async def test_wrong_password_keeps_the_mail_for_a_retry(
    db, settings, make_account, empty_outbox, caplog
):
    account = await make_account()
    await _queue(account.id, "retry@example.com")
    inbox, auth = Inbox(), Authenticator()
    with _starttls_with_login(inbox, auth) as port:
        wrong = _mailer(
            settings, port, smtp_security="starttls", smtp_user=USER, smtp_password="sbagliata"
        )
        assert await mail_deliver_pending(wrong) == 0
        status, error = await _row(account.id)
        assert status == "pending"
        assert error.startswith(
            f"SMTP server 127.0.0.1:{port} refused the login of 'corriere'"
            " (check CORRIERE_SMTP_USER and CORRIERE_SMTP_PASSWORD): 535"
        )
        assert "to retry@example.com not sent (attempt 1 of 5), retry after" in caplog.text
        assert "refused the login of 'corriere'" in caplog.text
        assert inbox.to("retry@example.com") == []
        # The administrator fixes the password: the next try after the pause sends it, once.
        right = _mailer(
            settings, port, smtp_security="starttls", smtp_user=USER, smtp_password=PASSWORD
        )
        later = utcnow() + timedelta(minutes=2)
        assert await mail_deliver_pending(right, now=later) == 1
        assert await mail_deliver_pending(right, now=later + timedelta(hours=1)) == 0
    assert len(inbox.to("retry@example.com")) == 1
    # aiosmtplib tries each mechanism the server offers before giving up.
    *refused, accepted = auth.tried
    assert {(m, p, tls) for m, _, p, tls in refused} <= {
        ("PLAIN", "sbagliata", True),
        ("LOGIN", "sbagliata", True),
    }
    assert refused and accepted[1:] == (USER, PASSWORD, True)
    assert await _row(account.id) == ("sent", "")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_tls_from_the_first_byte(db, settings, make_account, empty_outbox):
    account = await make_account()
    await _queue(account.id, "smtps@example.com")
    inbox, auth = Inbox(), Authenticator()
    # aiosmtpd sees only STARTTLS as TLS: on a connection encrypted from the start the login
    # is over TLS all the same.
    with smtp_server(
        inbox,
        ssl_context=CERTS.server,
        auth_required=True,
        auth_require_tls=False,
        authenticator=auth,
    ) as port:
        mailer = _mailer(
            settings, port, smtp_security="tls", smtp_user=USER, smtp_password=PASSWORD
        )
        assert await mail_deliver_pending(mailer) == 1
    (received,) = inbox.to("smtps@example.com")
    assert received.tls and received.login == USER


async def test_plain_mode_never_upgrades_on_its_own(db, settings, make_account, empty_outbox):
    # The server offers STARTTLS with a certificate the client would not trust: asked for no
    # protection, the adapter must not try it (aiosmtplib does when `start_tls` is left None).
    account = await make_account()
    await _queue(account.id, "plain@example.com")
    inbox = Inbox()
    with smtp_server(inbox, tls_context=CERTS.server) as port:
        mailer = _mailer(settings, port, trust=False, smtp_security="none")
        assert await mail_deliver_pending(mailer) == 1
    (received,) = inbox.to("plain@example.com")
    assert not received.tls


async def test_starttls_required_but_not_offered(db, settings, make_account, empty_outbox):
    account = await make_account()
    await _queue(account.id, "nostarttls@example.com")
    inbox = Inbox()
    with smtp_server(inbox) as port:
        mailer = _mailer(settings, port, smtp_security="starttls")
        assert await mail_deliver_pending(mailer) == 0
    status, error = await _row(account.id)
    assert status == "pending"
    assert error.startswith(
        f"SMTP server 127.0.0.1:{port} does not offer STARTTLS (CORRIERE_SMTP_SECURITY=starttls)"
    )
    assert inbox.received == []


async def test_untrusted_certificate_is_refused(db, settings, make_account, empty_outbox):
    account = await make_account()
    await _queue(account.id, "untrusted@example.com")
    inbox = Inbox()
    with smtp_server(inbox, tls_context=CERTS.server, require_starttls=True) as port:
        mailer = _mailer(settings, port, trust=False, smtp_security="starttls")
        assert await mail_deliver_pending(mailer) == 0
    status, error = await _row(account.id)
    assert status == "pending"
    assert error.startswith(f"SMTP server 127.0.0.1:{port}: secure connection failed (starttls)")
    assert "CERTIFICATE_VERIFY_FAILED" in error
    assert inbox.received == []


async def test_login_without_tls_is_not_offered(db, settings, make_account, empty_outbox):
    # Configured with a user but no protection: the server keeps AUTH for TLS sessions.
    account = await make_account()
    await _queue(account.id, "noauth@example.com")
    inbox, auth = Inbox(), Authenticator()
    with _starttls_with_login(inbox, auth) as port:
        mailer = _mailer(
            settings, port, smtp_security="none", smtp_user=USER, smtp_password=PASSWORD
        )
        assert await mail_deliver_pending(mailer) == 0
    status, error = await _row(account.id)
    assert status == "pending"
    assert error.startswith(
        f"SMTP server 127.0.0.1:{port} does not offer a login on this connection"
        " (CORRIERE_SMTP_SECURITY=none)"
    )
    assert auth.tried == [] and inbox.received == []


def test_unknown_security_mode_stops_the_worker_at_start(settings):
    with pytest.raises(ConfigurationError, match="CORRIERE_SMTP_SECURITY must be none"):
        _mailer(settings, 25, smtp_security="ssl")
