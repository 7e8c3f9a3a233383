"""ISCRIZIONE VIA WEB in the browser: the owner's page under EXTRA, the public page (framable,
no sign-in, no JavaScript needed), its two forms and the embedding script.

Signing in goes through a test-only route, as in test_bacheca.py. Each browser gets an IP of its
own (the per-IP limit counts across the whole test database). The public form's time token is
issued when the page is rendered and refused for 3 seconds; instead of sleeping, the tests put in
a token issued a little earlier with the platform's own helper.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from signed_in import browser, error_of, signin_for_tests, text_of
from web_helpers import MakeApp, csrf_token_of, html_lang

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.clock import utcnow
from corriere.platform.contacts.fields import ContactValues
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.services import contact_create
from corriere.platform.contacts.signup import (
    SUBSCRIBE_PER_IP,
)
from corriere.platform.contacts.signup_form import (
    signup_form_get,
    signup_form_update,
    signup_page_get,
    signup_time_token,
)
from corriere.platform.db import database
from corriere.platform.settings import Settings

MakeAccount = Callable[..., Awaitable[AccountCreated]]
GENERIC_REFUSAL = (
    "Non è stato possibile completare la richiesta: attendi qualche secondo, ricarica la pagina"
    " e riprova."
)


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


def new_ip() -> str:
    return f"203.0.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


def client_for(
    app: Litestar,
    account_id: int | None = None,
    *,
    lang: str = "it",
    ip: str | None = None,
    **session: str,
) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """A browser from an address of its own (the sign-up limits count per address)."""
    return browser(app, account_id, lang=lang, ip=ip or new_ip(), **session)


def alert_of(page: str) -> str:
    match = re.search(r'<div class="alert alert-error" role="alert">([^<]*)</div>', page)
    return html.unescape(match.group(1)).strip() if match else ""


def hidden(page: str, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', page)
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


def names_in(page: str) -> set[str]:
    """The names of the page's form controls."""
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\sname="([a-z_]+)"', page))


async def open_page(
    make_account: MakeAccount,
    groups: Sequence[str] = ("Newsletter",),
    *,
    fields: Sequence[str] = ("first_name", "last_name"),
    title: str = "Novità dal Circolo",
) -> tuple[AccountCreated, str, dict[str, int]]:
    account = await make_account()
    ids = {}
    for name in groups:
        ids[name] = await group_create(account_id=account.id, name=name, web_signup=True)
    saved = await signup_form_get(account.id)
    await signup_form_update(
        account_id=account.id,
        fields=list(fields),
        title=title,
        consent_text=saved.consent_text,
        enabled=True,
    )
    return account, saved.token, ids


async def earlier_token(token: str, seconds: float = 10, *, purpose: str = "subscribe") -> str:
    page = await signup_page_get(token)
    assert page is not None
    return signup_time_token(
        page,
        now=utcnow() - timedelta(seconds=seconds),
        purpose="unsubscribe" if purpose == "unsubscribe" else "subscribe",
    )


async def sign_up(
    client: httpx.AsyncClient,
    token: str,
    data: dict[str, Any],
    *,
    shown_as: str | None = None,
    wait: bool = True,
) -> httpx.Response:
    """Open the public page (`?origine=shown_as`, as the owner's snippets do), fill its form in
    and send it (as a person: the time token is moved back unless `wait` is False)."""
    params = {"origine": shown_as} if shown_as else {}
    page = (await client.get(f"/iscrizione/{token}", params=params)).text
    form = {
        "started": await earlier_token(token) if wait else hidden(page, "started"),
        "origine": hidden(page, "origine"),
        "prefix": "39",
        "consent": "1",
        "sito_web": "",
        **data,
    }
    form = {k: v for k, v in form.items() if v is not None}
    return await client.post(f"/iscrizione/{token}", data=form)


async def contact_of(account_id: int, mobile: str) -> dict[str, Any] | None:
    return await database().fetchrow(
        "SELECT * FROM contact WHERE account = $1 AND mobile = $2", account_id, mobile
    )


async def groups_of(contact_id: int) -> list[int]:
    rows = await database().fetch(
        "SELECT contact_group FROM group_member WHERE contact = $1 ORDER BY contact_group",
        contact_id,
    )
    return [int(r["contact_group"]) for r in rows]


async def signups_of(account_id: int) -> list[dict[str, Any]]:
    return await database().fetch("SELECT * FROM signup WHERE account = $1 ORDER BY id", account_id)


def new_mobile() -> str:
    return f"33{secrets.randbelow(10**8):08d}"


# ---------------------------------------------------------------------------- owner page


async def test_the_owner_page_needs_sign_in(app: Litestar) -> None:
    async with client_for(app) as client:
        response = await client.get("/extra/iscrizione")
    assert response.status_code == 303
    assert response.headers["location"] == "/accesso?next=/extra/iscrizione"


async def test_the_owner_page_in_italian(
    app: Litestar, make_account: MakeAccount, settings: Settings
) -> None:
    account = await make_account(first_name="Lucia", last_name="Verdi")
    async with client_for(app, account.id) as client:
        response = await client.get("/extra/iscrizione")
    assert response.status_code == 200
    page = response.text
    assert html_lang(page) == "it"
    text = text_of(page)
    assert "Iscrizione via web" in text
    assert "deve essere creato almeno un gruppo con la funzione «Iscrizione via web»" in text
    assert '<a href="/gruppi">' in page
    assert 'name="fields" value="first_name" checked' in page
    assert 'name="fields" value="last_name" checked' in page
    assert 'name="fields" value="email">' in page
    assert "Acconsento a ricevere SMS informativi da Lucia Verdi" in text
    token = (await signup_form_get(account.id)).token
    url = f"{settings.public_base_url}/iscrizione/{token}"
    assert f'id="signup-url">{url}</a>' in page
    # The snippets are text to copy (escaped in a textarea), not markup of this page.
    assert (
        f"&lt;iframe src=&#34;{url}?origine=iframe&#34; title=&#34;Servizio SMS&#34;"
        " loading=&#34;lazy&#34;" in page
    )
    assert f"&lt;script src=&#34;{url}/widget.js&#34; async&gt;&lt;/script&gt;" in page
    assert "<iframe" not in page


async def test_the_owner_page_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with client_for(app, account.id, locale="en") as client:
        response = await client.get("/extra/iscrizione")
    assert response.status_code == 200
    assert html_lang(response.text) == "en"
    assert "Log out" in response.text  # the layout speaks English
    assert 'name="consent_text"' in response.text


async def test_the_owner_page_lists_the_flagged_groups(
    app: Litestar, make_account: MakeAccount
) -> None:
    account, _, _ = await open_page(make_account, ("Serate", "Aperitivi"))
    await group_create(account_id=account.id, name="Fornitori")
    async with client_for(app, account.id) as client:
        page = (await client.get("/extra/iscrizione")).text
    assert "<li>Aperitivi</li>" in page and "<li>Serate</li>" in page
    assert "Fornitori" not in page
    assert "deve essere creato almeno un gruppo" not in page


async def test_saving_bad_settings_shows_the_errors_next_to_the_fields(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    before = await signup_form_get(account.id)
    async with client_for(app, account.id) as client:
        csrf = csrf_token_of((await client.get("/extra/iscrizione")).text)
        data = {
            "_csrf_token": csrf,
            "fields": ["city", "password"],
            "title": "T" * 121,
            "consent_text": "  ",
            "enabled": "1",
        }
        response = await client.post("/extra/iscrizione", data=data)
        assert response.status_code == 422
        page = response.text
        assert error_of(page, "fields") == "Campo non disponibile: password"
        assert error_of(page, "title") == "Il titolo può avere al massimo 120 caratteri"
        assert error_of(page, "consent_text") == "Indica il testo del consenso"
        assert 'name="fields" value="city" checked' in page  # kept as chosen
        assert f'value="{"T" * 121}"' in page
        # HTMX: the settings card alone.
        response = await client.post(
            "/extra/iscrizione",
            data={**data, "consent_text": "x" * 2001},
            headers={"HX-Request": "true", "HX-Target": "settings"},
        )
        assert response.status_code == 422
        assert response.text.lstrip().startswith('<section class="card" id="settings">')
        assert error_of(response.text, "consent_text") == (
            "Il testo del consenso può avere al massimo 2000 caratteri"
        )
    assert await signup_form_get(account.id) == before


async def test_saving_the_settings(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with client_for(app, account.id) as client:
        csrf = csrf_token_of((await client.get("/extra/iscrizione")).text)
        response = await client.post(
            "/extra/iscrizione",
            data={
                "_csrf_token": csrf,
                "fields": ["email", "first_name"],
                "title": "Le serate",
                "consent_text": "Voglio gli SMS.",
            },
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/extra/iscrizione"
        page = (await client.get("/extra/iscrizione")).text
        assert "Impostazioni salvate." in page
        assert "La pagina di iscrizione non è attiva" in page
        assert "title=&#34;Le serate&#34;" in page
        # Without the CSRF token the owner's form is refused.
        response = await client.post("/extra/iscrizione", data={"consent_text": "x"})
        assert response.status_code == 403
    saved = await signup_form_get(account.id)
    assert saved.fields == ("first_name", "email")
    assert (saved.title, saved.consent_text, saved.enabled) == (
        "Le serate",
        "Voglio gli SMS.",
        False,
    )


async def test_another_accounts_page_never_shows(app: Litestar, make_account: MakeAccount) -> None:
    alice, alice_token, _ = await open_page(make_account, ("Lista segreta di Alice",))
    await signup_form_update(
        account_id=alice.id,
        fields=["notes"],
        title="Titolo di Alice",
        consent_text="Consenso di Alice",
        enabled=True,
    )
    bob = await make_account()
    async with client_for(app, bob.id) as client:
        page = (await client.get("/extra/iscrizione")).text
        csrf = csrf_token_of(page)
        response = await client.post(
            "/extra/iscrizione",
            data={"_csrf_token": csrf, "consent_text": "Consenso di Bob", "enabled": "1"},
        )
        assert response.status_code == 303
    for secret in (alice_token, "Lista segreta di Alice", "Titolo di Alice", "Consenso di Alice"):
        assert secret not in page
    assert (await signup_form_get(alice.id)).consent_text == "Consenso di Alice"
    assert (await signup_form_get(bob.id)).consent_text == "Consenso di Bob"


# ---------------------------------------------------------------------------- public page


async def test_the_public_page_asks_the_chosen_fields_and_may_be_framed(
    app: Litestar, make_account: MakeAccount
) -> None:
    _, token, _ = await open_page(make_account, ("Serate", "Aperitivi"), fields=("city", "gender"))
    async with client_for(app) as client:
        response = await client.get(f"/iscrizione/{token}")
    assert response.status_code == 200
    assert "x-frame-options" not in response.headers
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors *" in csp
    assert "unsafe-inline" not in csp
    page = response.text
    assert html_lang(page) == "it"
    assert '<meta name="csrf-token"' in page
    assert '<link rel="stylesheet" href="/static/corriere.css">' in page
    assert "<script" not in page and "site-header" not in page  # no panel layout, no JS
    assert "<h1>Novità dal Circolo</h1>" in page
    assert names_in(page) == {
        "_csrf_token",
        "started",
        "origine",
        "prefix",
        "mobile",
        "groups",
        "city",
        "gender",
        "consent",
        "sito_web",
        "cancel_prefix",
        "cancel_mobile",
    }
    assert 'action="/iscrizione/' + token + '"' in page
    text = text_of(page)
    assert "Aperitivi" in text and "Serate" in text
    assert "Acconsento a ricevere SMS informativi" in text
    assert "Il servizio è gratuito!" in text
    assert "Privacy: puoi effettuare la cancellazione accedendo nuovamente a questa pagina." in text
    assert 'class="hp" aria-hidden="true"' in page


async def test_the_public_page_in_english(app: Litestar, make_account: MakeAccount) -> None:
    _, token, _ = await open_page(make_account)
    async with client_for(app, lang="en") as client:
        response = await client.get(f"/iscrizione/{token}")
    assert response.status_code == 200
    assert html_lang(response.text) == "en"
    assert "United Kingdom (+44)" in response.text  # country names in the reader's language


async def test_the_widget_script(
    app: Litestar, make_account: MakeAccount, settings: Settings
) -> None:
    _, token, _ = await open_page(make_account)
    async with client_for(app) as client:
        response = await client.get(f"/iscrizione/{token}/widget.js")
        missing = await client.get("/iscrizione/nessuna/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "max-age" in response.headers["cache-control"]
    script = response.text
    assert "document.currentScript" in script
    assert f'"{settings.public_base_url}/iscrizione/{token}?origine=script"' in script
    assert '"Novit\\u00e0 dal Circolo"' in script
    assert "insertBefore(frame, script.nextSibling)" in script
    assert "innerHTML" not in script and 'setAttribute("style"' not in script
    assert missing.status_code == 404


async def test_unknown_or_disabled_pages_are_not_found(
    app: Litestar, make_account: MakeAccount
) -> None:
    account, token, _ = await open_page(make_account)
    await signup_form_update(
        account_id=account.id, fields=[], title="", consent_text="Ok", enabled=False
    )
    async with client_for(app) as client:
        for url in ("/iscrizione/sconosciuta", f"/iscrizione/{token}"):
            response = await client.get(url)
            assert response.status_code == 404
            assert "Pagina non trovata" in response.text
            assert "x-frame-options" not in response.headers  # shown inside the iframe too
            for action in (url, f"{url}/cancella"):
                response = await client.post(action, data={"mobile": new_mobile()})
                assert response.status_code == 404


# ---------------------------------------------------------------------------- subscribing


async def test_a_visitor_subscribes(app: Litestar, make_account: MakeAccount) -> None:
    account, token, ids = await open_page(make_account, fields=("first_name", "email"))
    mobile = new_mobile()
    ip = new_ip()
    async with client_for(app, ip=ip) as client:
        response = await sign_up(
            client,
            token,
            {"mobile": mobile, "first_name": "Giulia", "email": "giulia@example.com"},
            shown_as="iframe",
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/iscrizione/{token}?esito=iscritto&origine=iframe"
        done = await client.get(response.headers["location"])
    assert done.status_code == 200
    assert "Iscrizione completata!" in done.text
    assert 'id="signup-form"' not in done.text
    contact = await contact_of(account.id, f"+39{mobile}")
    assert contact is not None
    assert (contact["first_name"], contact["email"], contact["source"]) == (
        "Giulia",
        "giulia@example.com",
        "signup",
    )
    assert await groups_of(contact["id"]) == [ids["Newsletter"]]
    [record] = await signups_of(account.id)
    assert record["action"] == "subscribe"
    assert record["ip"] == ip
    assert record["source"] == "iframe"
    assert record["user_agent"].startswith("python-httpx/")
    assert record["consent_text"] == (await signup_form_get(account.id)).consent_text
    assert record["groups"] == "Newsletter"


async def test_a_direct_visit_is_recorded_as_the_page(
    app: Litestar, make_account: MakeAccount
) -> None:
    account, token, _ = await open_page(make_account)
    async with client_for(app) as client:
        response = await sign_up(client, token, {"mobile": new_mobile()})
    assert response.status_code == 303
    assert response.headers["location"] == f"/iscrizione/{token}?esito=iscritto"
    [record] = await signups_of(account.id)
    assert record["source"] == "page"


async def test_an_existing_number_is_updated_and_added_to_the_group(
    app: Litestar, make_account: MakeAccount
) -> None:
    account, token, ids = await open_page(
        make_account, ("Serate", "Aperitivi"), fields=("first_name", "last_name")
    )
    mobile = new_mobile()
    existing = await contact_create(
        account_id=account.id,
        values=ContactValues(mobile=f"+39{mobile}", first_name="Anna", last_name="Bianchi"),
    )
    async with client_for(app) as client:
        response = await sign_up(
            client,
            token,
            {
                "mobile": mobile,
                "first_name": "",
                "last_name": "Bianchi-Rossi",
                "groups": [str(ids["Aperitivi"])],
            },
        )
    assert response.status_code == 303
    contact = await contact_of(account.id, f"+39{mobile}")
    assert contact is not None and contact["id"] == existing
    assert (contact["first_name"], contact["last_name"]) == ("Anna", "Bianchi-Rossi")
    assert await groups_of(existing) == [ids["Aperitivi"]]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"mobile": ""}, "mobile", "Indica il numero di cellulare"),
        ({"mobile": "33x51234567"}, "mobile",
         "Numero di cellulare non valido: contiene caratteri non numerici"),
        ({"mobile": "051 6480111"}, "mobile",
         "Numero di cellulare non valido: non è un numero di cellulare"),
        ({"consent": None}, "consent", "Per iscriverti devi dare il consenso"),
        ({"groups": None}, "groups", "Scegli almeno una lista"),
        ({"email": "nope"}, "email", "Valore non valido: indirizzo e-mail non valido"),
    ],
)  # fmt: skip
async def test_bad_input_is_shown_next_to_its_field(
    app: Litestar,
    make_account: MakeAccount,
    data: dict[str, Any],
    field: str,
    message: str,
) -> None:
    account, token, ids = await open_page(make_account, ("Serate", "Aperitivi"), fields=("email",))
    form = {"mobile": new_mobile(), "groups": [str(ids["Serate"])], "email": "", **data}
    async with client_for(app) as client:
        response = await sign_up(client, token, form)
    assert response.status_code == 422
    page = response.text
    assert error_of(page, field) == message
    assert "x-frame-options" not in response.headers
    if form["mobile"]:
        assert f'value="{form["mobile"]}"' in page  # kept as typed
    assert await signups_of(account.id) == []


async def test_bots_are_refused(app: Litestar, make_account: MakeAccount) -> None:
    account, token, _ = await open_page(make_account)
    async with client_for(app) as client:
        trapped = await sign_up(
            client, token, {"mobile": new_mobile(), "sito_web": "https://spam.example"}
        )
        too_fast = await sign_up(client, token, {"mobile": new_mobile()}, wait=False)
        forged = await sign_up(client, token, {"mobile": new_mobile(), "started": "1.abc"})
    for response in (trapped, too_fast, forged):
        assert response.status_code == 422
        assert alert_of(response.text) == GENERIC_REFUSAL
        assert 'name="started"' in response.text  # a fresh form to try again
    assert await signups_of(account.id) == []


async def test_sign_ups_are_rate_limited(app: Litestar, make_account: MakeAccount) -> None:
    account, token, _ = await open_page(make_account)
    async with client_for(app) as client:
        for _ in range(SUBSCRIBE_PER_IP):
            assert (await sign_up(client, token, {"mobile": new_mobile()})).status_code == 303
        response = await sign_up(client, token, {"mobile": new_mobile()})
    assert response.status_code == 429
    assert alert_of(response.text) == "Troppe richieste da questa connessione: riprova tra un'ora"
    assert len(await signups_of(account.id)) == SUBSCRIBE_PER_IP


async def test_a_group_of_another_account_is_refused(
    app: Litestar, make_account: MakeAccount
) -> None:
    account, token, _ = await open_page(make_account, ("Serate",))
    _, _, foreign = await open_page(make_account, ("Altrui",))
    mobile = new_mobile()
    async with client_for(app) as client:
        response = await sign_up(
            client, token, {"mobile": mobile, "groups": [str(foreign["Altrui"])]}
        )
        assert response.status_code == 422
        assert error_of(response.text, "groups") == (
            "Lista non disponibile: ricarica la pagina e riprova"
        )
        response = await sign_up(client, token, {"mobile": mobile, "groups": ["abc"]})
        assert response.status_code == 422
    assert await contact_of(account.id, f"+39{mobile}") is None
    assert (
        await database().fetchval(
            "SELECT count(*) FROM group_member WHERE contact_group = $1", foreign["Altrui"]
        )
        == 0
    )


async def test_the_public_form_needs_no_csrf_cookie(
    app: Litestar, make_account: MakeAccount
) -> None:
    """Inside a third-party iframe the SameSite=Strict CSRF cookie never comes back."""
    account, token, _ = await open_page(make_account)
    async with client_for(app) as client:
        response = await client.post(
            f"/iscrizione/{token}",
            data={
                "mobile": new_mobile(),
                "consent": "1",
                "started": await earlier_token(token),
                "sito_web": "",
            },
        )
    assert response.status_code == 303
    assert len(await signups_of(account.id)) == 1


# ---------------------------------------------------------------------------- unsubscribing


async def test_a_visitor_unsubscribes(app: Litestar, make_account: MakeAccount) -> None:
    account, token, ids = await open_page(make_account, ("Serate", "Aperitivi"))
    other = await group_create(account_id=account.id, name="Clienti")
    mobile = new_mobile()
    contact_id = await contact_create(
        account_id=account.id,
        values=ContactValues(mobile=f"+39{mobile}"),
        group_ids=[ids["Serate"], ids["Aperitivi"], other],
    )
    async with client_for(app) as client:
        page = (await client.get(f"/iscrizione/{token}")).text
        assert f'action="/iscrizione/{token}/cancella"' in page
        answers = []
        for number in (mobile, new_mobile()):  # subscribed, and not
            response = await client.post(
                f"/iscrizione/{token}/cancella",
                data={
                    "cancel_mobile": number,
                    "cancel_prefix": "39",
                    "started": await earlier_token(token, purpose="unsubscribe"),
                    "sito_web": "",
                },
            )
            answers.append((response.status_code, response.headers.get("location")))
        done = await client.get(f"/iscrizione/{token}?esito=cancellato")
    assert answers == [(303, f"/iscrizione/{token}?esito=cancellato")] * 2
    assert "Richiesta ricevuta: se il numero era iscritto" in text_of(done.text)
    assert await groups_of(contact_id) == [other]
    assert await contact_of(account.id, f"+39{mobile}") is not None
    records = await signups_of(account.id)
    assert [(r["action"], r["contact"], r["groups"]) for r in records] == [
        ("unsubscribe", contact_id, "Aperitivi, Serate"),
        ("unsubscribe", None, ""),
    ]


async def test_unsubscribing_a_bad_number_shows_the_error(
    app: Litestar, make_account: MakeAccount
) -> None:
    _, token, _ = await open_page(make_account)
    async with client_for(app) as client:
        response = await client.post(
            f"/iscrizione/{token}/cancella",
            data={
                "cancel_mobile": "051 6480111",
                "started": await earlier_token(token, purpose="unsubscribe"),
            },
        )
    assert response.status_code == 422
    assert error_of(response.text, "cancel_mobile") == (
        "Numero di cellulare non valido: non è un numero di cellulare"
    )
    assert '<details class="card signup-cancel" open>' in response.text
