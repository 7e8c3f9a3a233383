"""ISCRIZIONE VIA WEB, what is believed and what is kept: the visitor's address through the
trusted proxies only, how the form was shown (a known value, whatever is posted), the same spam
protection on the unsubscribe form as on the sign-up form, the evidence on the contact's page in
the panel, and the page's first consent text in the owner's language."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from signed_in import browser, signin_for_tests, text_of
from test_signup_pages import (
    GENERIC_REFUSAL,
    alert_of,
    contact_of,
    earlier_token,
    groups_of,
    hidden,
    new_ip,
    new_mobile,
    open_page,
    sign_up,
    signups_of,
)

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.clock import utcnow
from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.services import contact_create
from corriere.platform.contacts.signup import UNSUBSCRIBE_PER_IP
from corriere.platform.contacts.signup_form import (
    DEFAULT_CONSENT,
    signup_form_get,
    signup_page_get,
    signup_time_token,
)
from corriere.platform.settings import Settings
from corriere.web.i18n import Catalogs
from corriere.web.signup_pages import CONSENT_MSGID

MakeAccount = Callable[..., Awaitable[AccountCreated]]
PROXY = "10.20.0.0/16"
CONSENT_EN = (
    "I agree to receive informational SMS from %(name)s and to the processing of my number for"
    " this purpose. I can unsubscribe at any time from this page."
)


@pytest.fixture
def app(make_app: Callable[..., Litestar], db: Any, settings: Settings) -> Litestar:
    """Behind a load balancer at 10.20.x.x, the only address whose X-Forwarded-For counts."""
    behind = settings.model_copy(update={"trusted_proxies": PROXY})
    return make_app(behind, route_handlers=[signin_for_tests])


def proxy_ip() -> str:
    return f"10.20.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


async def unsubscribe(
    client: httpx.AsyncClient, token: str, mobile: str, **extra: Any
) -> httpx.Response:
    """Open the page and send its unsubscribe form (as a person: rendered 10 seconds earlier)."""
    page = (await client.get(f"/iscrizione/{token}")).text
    assert '<input type="hidden" name="started"' in page.split('id="cancel-form"')[1]
    data = {
        "cancel_mobile": mobile,
        "cancel_prefix": "39",
        "started": await earlier_token(token, purpose="unsubscribe"),
        "origine": hidden(page.split('id="cancel-form"')[1], "origine"),
        "sito_web": "",
        **extra,
    }
    return await client.post(
        f"/iscrizione/{token}/cancella", data={k: v for k, v in data.items() if v is not None}
    )


# ---------------------------------------------------------------------------- the visitor's IP


async def test_the_ip_comes_through_the_trusted_proxy_only(
    app: Litestar, make_account: MakeAccount
) -> None:
    account, token, _ = await open_page(make_account)
    visitor, forged = new_ip(), new_ip()
    subscribed = new_mobile()
    async with browser(app, ip=proxy_ip()) as client:
        client.headers["x-forwarded-for"] = f"{forged}, {visitor}"
        assert (await sign_up(client, token, {"mobile": subscribed})).status_code == 303
        assert (await unsubscribe(client, token, subscribed)).status_code == 303
    direct = new_ip()
    async with browser(app, ip=direct) as client:  # not a proxy: its header is not believed
        client.headers["x-forwarded-for"] = visitor
        assert (await sign_up(client, token, {"mobile": new_mobile()})).status_code == 303
    records = await signups_of(account.id)
    assert [(r["action"], r["ip"]) for r in records] == [
        ("subscribe", visitor),
        ("unsubscribe", visitor),
        ("subscribe", direct),
    ]


# ---------------------------------------------------------------------------- unsubscribe spam


async def test_the_unsubscribe_form_refuses_bots(app: Litestar, make_account: MakeAccount) -> None:
    account, token, ids = await open_page(make_account)
    mobile = new_mobile()
    contact_id = await contact_create(
        account_id=account.id,
        values=ContactValues(mobile=f"+39{mobile}"),
        group_ids=[ids["Newsletter"]],
    )
    async with browser(app, ip=new_ip()) as client:
        page = (await client.get(f"/iscrizione/{token}")).text
        cancel = page.split('id="cancel-form"')[1]
        assert 'name="sito_web"' in cancel and 'class="hp" aria-hidden="true"' in cancel
        own_token = hidden(cancel, "started")
        subscribe_token = hidden(page, "started")
        refused = [
            await unsubscribe(client, token, mobile, sito_web="https://spam.example"),
            await unsubscribe(client, token, mobile, started=own_token),  # sent at once
            await unsubscribe(client, token, mobile, started="1.abc"),
            await unsubscribe(client, token, mobile, started=None),
            # The sign-up form's token is not the unsubscribe form's.
            await unsubscribe(client, token, mobile, started=subscribe_token),
        ]
    for response in refused:
        assert response.status_code == 422
        assert alert_of(response.text) == GENERIC_REFUSAL
        assert '<details class="card signup-cancel" open>' in response.text
        assert f'value="{mobile}"' in response.text  # kept as typed
    assert await groups_of(contact_id) == [ids["Newsletter"]]
    assert await signups_of(account.id) == []


async def test_a_late_unsubscribe_token_is_refused(make_account: MakeAccount) -> None:
    """A day-old page: refused like the sign-up form's."""
    from corriere.platform.contacts.signup import NOT_ACCEPTED, signup_unsubscribe
    from corriere.platform.errors import ValidationError

    _, token, _ = await open_page(make_account)
    page = await signup_page_get(token)
    assert page is not None
    stale = signup_time_token(page, now=utcnow() - timedelta(hours=25), purpose="unsubscribe")
    with pytest.raises(ValidationError) as excinfo:
        await signup_unsubscribe(
            token=token, mobile=new_mobile(), ip=new_ip(), started_at_token=stale, honeypot=""
        )
    assert excinfo.value.message == NOT_ACCEPTED


async def test_unsubscribing_is_rate_limited(app: Litestar, make_account: MakeAccount) -> None:
    account, token, _ = await open_page(make_account)
    async with browser(app, ip=new_ip()) as client:
        for _ in range(UNSUBSCRIBE_PER_IP):
            assert (await unsubscribe(client, token, new_mobile())).status_code == 303
        response = await unsubscribe(client, token, new_mobile())
    assert response.status_code == 429
    assert alert_of(response.text) == "Troppe richieste da questa connessione: riprova tra un'ora"
    assert len(await signups_of(account.id)) == UNSUBSCRIBE_PER_IP


# ---------------------------------------------------------------------------- the source


@pytest.mark.parametrize(
    ("shown_as", "recorded"),
    [
        ("iframe", "iframe"),
        ("script", "script"),
        ("page", "page"),
        (None, "page"),
        ("https://spam.example/", "page"),
        ('"><script>', "page"),
    ],
)
async def test_the_source_is_one_of_the_known_values(
    app: Litestar, make_account: MakeAccount, shown_as: str | None, recorded: str
) -> None:
    account, token, _ = await open_page(make_account)
    async with browser(app, ip=new_ip()) as client:
        response = await sign_up(client, token, {"mobile": new_mobile()}, shown_as=shown_as)
        assert response.status_code == 303
        done = (await client.get(response.headers["location"])).text
    # "Iscrivi un altro numero" keeps telling how the page is shown.
    again = f"/iscrizione/{token}" + ("" if recorded == "page" else f"?origine={recorded}")
    assert f'<a href="{again}">' in done
    [record] = await signups_of(account.id)
    assert record["source"] == recorded


@pytest.mark.parametrize("posted", ["https://circolo.example/eventi", "x" * 5000, "SCRIPT"])
async def test_a_tampered_source_is_recorded_as_the_default(
    app: Litestar, make_account: MakeAccount, posted: str
) -> None:
    account, token, _ = await open_page(make_account)
    mobile = new_mobile()
    async with browser(app, ip=new_ip()) as client:
        response = await sign_up(client, token, {"mobile": mobile, "origine": posted})
        assert response.status_code == 303
        response = await unsubscribe(client, token, mobile, origine=posted)
        assert response.status_code == 303
    expected = "script" if posted == "SCRIPT" else "page"
    assert [r["source"] for r in await signups_of(account.id)] == [expected, expected]


# ---------------------------------------------------------------------------- the evidence


async def test_the_owner_sees_the_sign_up_evidence_on_the_contact(
    app: Litestar, make_account: MakeAccount
) -> None:
    account, token, _ = await open_page(make_account)
    consent = (await signup_form_get(account.id)).consent_text
    mobile = new_mobile()
    visitor = new_ip()
    async with browser(app, ip=proxy_ip()) as client:
        client.headers["x-forwarded-for"] = visitor
        assert (
            await sign_up(client, token, {"mobile": mobile}, shown_as="iframe")
        ).status_code == (303)
        assert (await unsubscribe(client, token, mobile)).status_code == 303
    contact = await contact_of(account.id, f"+39{mobile}")
    assert contact is not None
    plain_contact = await contact_create(
        account_id=account.id, values=ContactValues(mobile=f"+39{new_mobile()}")
    )
    async with browser(app, account.id) as client:
        page = (await client.get(f"/rubrica/{contact['id']}")).text
        without = (await client.get(f"/rubrica/{plain_contact}")).text
    section = page[page.index('id="signup-evidence"') :]
    rows = re.findall(r'<tr data-signup="(\w+)">(.*?)</tr>', section, re.S)
    assert [action for action, _ in rows] == ["unsubscribe", "subscribe"]  # newest first
    cells = [[text_of(c) for c in re.findall(r"<td>(.*?)</td>", row, re.S)] for _, row in rows]
    unsubscribed, subscribed = cells
    assert subscribed[1:] == [
        "Iscrizione",
        "Newsletter",
        "modulo nel sito (iframe)",
        visitor,
        text_of(html.escape(consent)),
    ]
    assert re.search(r"\d{4}", subscribed[0])  # the date and time
    assert unsubscribed[1:] == ["Cancellazione", "Newsletter", "pagina di iscrizione", visitor, "—"]
    assert 'id="signup-evidence"' not in without


# ---------------------------------------------------------------------------- consent language


def english_catalogs(tmp_path: Path) -> Catalogs:
    """The panel's catalogs with the consent text's English translation (whatever the shipped
    catalog holds at the moment)."""
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgid "{CONSENT_MSGID}"\nmsgstr "{CONSENT_EN}"\n',
        encoding="utf-8",
    )
    return Catalogs(tmp_path)


async def test_the_first_consent_text_is_in_the_owners_language(
    make_app: Callable[..., Litestar], db: Any, make_account: MakeAccount, tmp_path: Path
) -> None:
    assert CONSENT_MSGID == DEFAULT_CONSENT  # the panel translates the platform's text
    app = make_app(route_handlers=[signin_for_tests], catalogs=english_catalogs(tmp_path))
    english = await make_account(first_name="Jane", last_name="Doe")
    italian = await make_account(first_name="Lucia", last_name="Verdi")
    async with browser(app, english.id, locale="en") as client:
        page = (await client.get("/extra/iscrizione")).text
    assert "I agree to receive informational SMS from Jane Doe" in html.unescape(page)
    async with browser(app, italian.id, locale="it", lang="en") as client:
        await client.get("/extra/iscrizione")
    assert (await signup_form_get(english.id)).consent_text == CONSENT_EN % {"name": "Jane Doe"}
    assert (await signup_form_get(italian.id)).consent_text == (
        DEFAULT_CONSENT % {"name": "Lucia Verdi"}
    )
    # Once written, the text stays as it is, whatever language the owner reads later.
    async with browser(app, english.id, locale="it") as client:
        await client.get("/extra/iscrizione")
    assert (await signup_form_get(english.id)).consent_text.startswith("I agree")


async def test_a_broken_translation_falls_back_to_italian(make_account: MakeAccount) -> None:
    account = await make_account(first_name="Lucia", last_name="Verdi")
    saved = await signup_form_get(account.id, consent_template="I agree, %(nome)s, 100%")
    assert saved.consent_text == DEFAULT_CONSENT % {"name": "Lucia Verdi"}
