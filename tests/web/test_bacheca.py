"""BACHECA: balance and sendable SMS, low-credit alert, SPOSTA CREDITO, the credit history.

Signing in goes through a test-only route, `/test/signin/{account_id}`, that does what the login
page does once the password is checked: `start_session(request, SignedIn(...))` with the account's
locale (or `?locale=`), time zone (or `?timezone=`) and session epoch. The app runs in the test's
event loop (httpx's ASGI transport) on the real database and the real Redis session store.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from litestar import Litestar
from signed_in import browser as client_for
from signed_in import error_of, signin_for_tests, text_of
from web_helpers import MakeApp, csrf_token_of, html_lang

from corriere.platform.accounts.queries import account_profile_get
from corriere.platform.accounts.services import AccountCreated, credits_adjust, operator_ensure
from corriere.platform.credits.alerts import credit_alert_get
from corriere.platform.credits.queries import ledger_page
from corriere.platform.db import database
from corriere.platform.money import to_units
from corriere.web import bacheca

MakeAccount = Callable[..., Awaitable[AccountCreated]]


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict[str, str], **kwargs: Any
) -> httpx.Response:
    token = csrf_token_of((await client.get("/bacheca")).text)
    return await client.post(url, data={**data, "_csrf_token": token}, **kwargs)


def history_kinds(page: str) -> list[str]:
    return re.findall(r'<tr data-kind="([a-z_]+)">', page)


async def balance(account_id: int) -> int:
    profile = await account_profile_get(account_id)
    assert profile is not None
    return profile.balance_units


# ---------------------------------------------------------------------------- the page


async def test_anonymous_visitors_are_sent_to_sign_in(app: Litestar) -> None:
    async with client_for(app) as client:
        for url in ("/bacheca", "/bacheca/storico?tipo=ricariche&pagina=2"):
            response = await client.get(url)
            assert response.status_code == 303
            assert response.headers["location"] == f"/accesso?next={quote(url, safe='/')}"


async def test_bacheca_in_italian(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account(credits="100")
    async with client_for(app, account.id, lang="en") as client:  # the session's locale wins
        page = (await client.get("/bacheca")).text
    assert html_lang(page) == "it"
    text = text_of(page)
    assert "Credito residuo 100,0000 crediti" in text
    assert "Il credito non ha scadenza." in text
    # 100 credits: 160 SMART at 0.625, 100 PRO and 100 REPLY PRO at 1.
    assert '<td class="num" data-type="SMART">160</td>' in page
    assert '<td class="num" data-type="PRO">100</td>' in page
    assert '<td class="num" data-type="REPLY">100</td>' in page
    assert "Alert esaurimento credito" in text
    assert "(Esempio: 100,500)" in text
    assert "(Esempio: info@example.com, alert@example.com)" in text
    assert "Puoi spostare un massimo di 100,0000 crediti" in text


async def test_bacheca_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account(credits="1234.5")
    async with client_for(app, account.id, locale="en") as client:
        page = (await client.get("/bacheca")).text
    assert html_lang(page) == "en"
    text = text_of(page)
    assert "Remaining credit 1,234.5000 credits" in text
    assert "Credit never expires." in text
    assert '<td class="num" data-type="SMART">1,975</td>' in page
    assert "Low-credit alert" in text and "Move credit" in text
    assert "You can move up to 1,234.5000 credits" in text
    assert "Credito residuo" not in text


# ---------------------------------------------------------------------------- alert


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"thresholds": "", "emails": "a@example.com", "enabled": "1"}, "thresholds",
         "Indicare almeno una soglia"),
        ({"thresholds": "100", "emails": "", "enabled": "1"}, "emails",
         "Indicare almeno un indirizzo e-mail"),
        ({"thresholds": "100,abc", "emails": "a@example.com"}, "thresholds",
         "Soglia non valida: abc (usa numeri positivi separati da virgola)"),
        ({"thresholds": "-5", "emails": "a@example.com"}, "thresholds",
         "Soglia non valida: -5 (usa numeri positivi separati da virgola)"),
        ({"thresholds": "100", "emails": "a@example.com, nope"}, "emails",
         "Indirizzi e-mail non validi: nope"),
    ],
)  # fmt: skip
async def test_alert_errors_next_to_their_field(
    app: Litestar, make_account: MakeAccount, form: dict[str, str], field: str, message: str
) -> None:
    account = await make_account()
    async with client_for(app, account.id) as client:
        response = await post_form(client, "/bacheca/alert", form)
    assert response.status_code == 422
    assert error_of(response.text, field) == message
    assert f'value="{html.escape(form["thresholds"])}"' in response.text  # kept as typed
    assert await credit_alert_get(account.id) == await credit_alert_get(-1)  # nothing saved


async def test_alert_errors_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with client_for(app, account.id, locale="en") as client:
        form = {"thresholds": "", "emails": "", "enabled": "1"}
        page = (await post_form(client, "/bacheca/alert", form)).text
        assert error_of(page, "thresholds") == "Enter at least one threshold"
        assert error_of(page, "emails") == "Enter at least one e-mail address"
        form = {"thresholds": "x", "emails": "y"}
        page = (await post_form(client, "/bacheca/alert", form)).text
        assert error_of(page, "thresholds") == (
            "Invalid threshold: x (use positive numbers separated by commas)"
        )
        assert error_of(page, "emails") == "Invalid e-mail addresses: y"


async def test_alert_is_saved(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with client_for(app, account.id) as client:
        form = {"thresholds": "100,500", "emails": "info@example.com, alert@example.com"}
        response = await post_form(client, "/bacheca/alert", {**form, "enabled": "1"})
        assert response.status_code == 303
        assert response.headers["location"] == "/bacheca"
        page = (await client.get("/bacheca")).text
        assert "Alert esaurimento credito attivato." in page
        assert 'value="100, 500"' in page
        assert 'value="info@example.com, alert@example.com"' in page
        assert 'name="enabled" value="1" checked' in page
        saved = await credit_alert_get(account.id)
        assert saved.enabled
        assert saved.thresholds == (to_units("100"), to_units("500"))
        assert saved.emails == ("info@example.com", "alert@example.com")

        # Unchecked: kept, but off.
        response = await post_form(client, "/bacheca/alert", form)
        assert response.status_code == 303
        page = (await client.get("/bacheca")).text
        assert 'name="enabled" value="1">' in page
        assert not (await credit_alert_get(account.id)).enabled

        # HTMX: the card alone.
        token = csrf_token_of(page)
        response = await client.post(
            "/bacheca/alert",
            data={"thresholds": "0", "emails": "", "_csrf_token": token},
            headers={"HX-Request": "true", "HX-Target": "alert"},
        )
        assert response.status_code == 422
        assert response.text.lstrip().startswith('<section class="card" id="alert">')


# ---------------------------------------------------------------------------- transfer


@pytest.mark.parametrize(
    ("amount", "to", "field", "message"),
    [
        ("100,5", "other", "amount", "Puoi spostare un massimo di 100,0000 crediti"),
        ("10", "self", "username", "Non puoi spostare credito sul tuo stesso account"),
        ("10", "nessuno-cosi", "username", "Nessun account attivo con questo username"),
        ("0", "other", "amount", "L'importo deve essere maggiore di zero"),
        ("-3", "other", "amount", "L'importo deve essere maggiore di zero"),
        ("dieci", "other", "amount", "Importo non valido: scrivi un numero come 1.234,5"),
        ("", "other", "amount", "Importo non valido: scrivi un numero come 1.234,5"),
    ],
)
async def test_transfer_errors_next_to_their_field(
    app: Litestar, make_account: MakeAccount, amount: str, to: str, field: str, message: str
) -> None:
    alice, bob = await make_account(credits="100"), await make_account(credits="5")
    username = {"self": alice.username, "other": bob.username}.get(to, to)
    async with client_for(app, alice.id) as client:
        urls = ["/bacheca/sposta"]
        if re.fullmatch(r"-?\d+", amount):  # also in the confirmation step's own notation
            urls.append("/bacheca/sposta/conferma")
        for url in urls:
            data = {"amount": amount, "username": username, "azione": "conferma"}
            response = await post_form(client, url, data)
            assert response.status_code == 422, url
            assert error_of(response.text, field) == message, url
            assert f'value="{username}"' in response.text
    assert await balance(alice.id) == to_units("100")
    assert await balance(bob.id) == to_units("5")


async def test_transfer_to_an_inactive_account_is_refused(
    app: Litestar, make_account: MakeAccount
) -> None:
    alice, blocked = await make_account(), await make_account(status="blocked")
    async with client_for(app, alice.id, locale="en") as client:
        data = {"amount": "1", "username": blocked.username}
        page = (await post_form(client, "/bacheca/sposta", data)).text
        assert error_of(page, "username") == "No active account with this username"
        data = {"amount": "1000", "username": alice.username}
        page = (await post_form(client, "/bacheca/sposta", data)).text
        assert error_of(page, "username") == "You cannot move credit to your own account"
        data = {"amount": "1000", "username": blocked.username.upper()}
        page = (await post_form(client, "/bacheca/sposta", data)).text
        assert error_of(page, "username") == "No active account with this username"


async def test_transfer_above_the_balance_in_english(
    app: Litestar, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(credits="1500"), await make_account()
    async with client_for(app, alice.id, locale="en") as client:
        data = {"amount": "2000", "username": bob.username}
        page = (await post_form(client, "/bacheca/sposta", data)).text
    assert error_of(page, "amount") == "You can move up to 1,500.0000 credits"


async def test_transfer_through_the_confirmation_step(
    app: Litestar, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(credits="100"), await make_account(credits="5")
    async with client_for(app, alice.id) as client:
        data = {"amount": "30,5", "username": f"  {bob.username.upper()} "}
        response = await post_form(client, "/bacheca/sposta", data)
        assert response.status_code == 200
        page = response.text
        text = text_of(page)
        assert "Confermi lo spostamento?" in text
        assert f"Sposterai 30,5000 crediti dal tuo account all'account {bob.username}." in text
        assert "Credito dopo lo spostamento: 69,5000 crediti" in text
        assert 'name="amount" value="30.5000"' in page
        assert await balance(alice.id) == to_units("100")  # nothing moved yet

        # Cancel: back to the bacheca, nothing moved.
        form = {"amount": "30.5000", "username": bob.username, "azione": "annulla"}
        response = await post_form(client, "/bacheca/sposta/conferma", form)
        assert response.status_code == 303
        assert response.headers["location"] == "/bacheca"
        assert "nessun credito è stato spostato" in (await client.get("/bacheca")).text
        assert await balance(alice.id) == to_units("100")

        # Confirm.
        response = await post_form(
            client, "/bacheca/sposta/conferma", {**form, "azione": "conferma"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/bacheca"
        text = text_of((await client.get("/bacheca")).text)
        assert f"Hai spostato 30,5000 crediti a {bob.username}. Credito residuo: 69,5000." in text
        history = (await client.get("/bacheca/storico")).text
        assert history_kinds(history) == ["transfer_out", "trial"]
        assert f"verso {bob.username}" in text_of(history)
        assert "-30,5000" in history
    assert await balance(alice.id) == to_units("69.5")
    assert await balance(bob.id) == to_units("35.5")
    alice_ledger = (await ledger_page(alice.id, kinds=("transfer_out",))).rows
    bob_ledger = (await ledger_page(bob.id, kinds=("transfer_in",))).rows
    assert [(r.amount_units, r.counterparty) for r in alice_ledger] == [
        (-to_units("30.5"), bob.username)
    ]
    assert [(r.amount_units, r.counterparty) for r in bob_ledger] == [
        (to_units("30.5"), alice.username)
    ]
    # Bob sees it in his history, in his language.
    async with client_for(app, bob.id, locale="en") as client:
        history = (await client.get("/bacheca/storico")).text
    assert history_kinds(history) == ["transfer_in", "trial"]
    text = text_of(history)
    assert f"Credit received from {alice.username}" in text
    assert "+30.5000" in text and "35.5000" in text


async def test_transfer_confirmation_with_htmx(app: Litestar, make_account: MakeAccount) -> None:
    alice, bob = await make_account(), await make_account()
    async with client_for(app, alice.id) as client:
        token = csrf_token_of((await client.get("/bacheca")).text)
        response = await client.post(
            "/bacheca/sposta",
            data={"amount": "1", "username": bob.username, "_csrf_token": token},
            headers={"HX-Request": "true", "HX-Target": "transfer"},
        )
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<section class="card" id="transfer">')
        assert "Confermi lo spostamento?" in response.text
        response = await client.post(
            "/bacheca/sposta/conferma",
            data={
                "amount": "1",
                "username": bob.username,
                "azione": "conferma",
                "_csrf_token": token,
            },
            headers={"HX-Request": "true", "HX-Target": "transfer"},
        )
        assert response.headers["hx-redirect"] == "/bacheca"
    assert await balance(bob.id) == to_units("101")


async def test_the_confirmation_step_is_checked_again(
    app: Litestar, make_account: MakeAccount
) -> None:
    """The balance may change between the two steps: the confirmation re-checks everything."""
    alice, bob = await make_account(credits="10"), await make_account()
    async with client_for(app, alice.id) as client:
        data = {"amount": "10", "username": bob.username}
        assert (await post_form(client, "/bacheca/sposta", data)).status_code == 200
        async with database().transaction() as tx:
            await tx.execute("UPDATE account SET balance = $1 WHERE id = $2", 40_000, alice.id)
        response = await post_form(
            client, "/bacheca/sposta/conferma", {**data, "azione": "conferma"}
        )
        assert response.status_code == 422
        assert error_of(response.text, "amount") == "Puoi spostare un massimo di 4,0000 crediti"
    assert await balance(bob.id) == to_units("100")


# ---------------------------------------------------------------------------- history


async def _backdate_trial(account_id: int, moment: datetime) -> None:
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE ledger_entry SET created_at = $1 WHERE account = $2 AND kind = 'trial'",
            moment,
            account_id,
        )


async def test_history_filters_by_kind(app: Litestar, make_account: MakeAccount) -> None:
    alice, bob = await make_account(), await make_account()
    async with client_for(app, alice.id) as client:
        data = {"amount": "2", "username": bob.username, "azione": "conferma"}
        assert (await post_form(client, "/bacheca/sposta/conferma", data)).status_code == 303
        page = (await client.get("/bacheca/storico")).text
        assert history_kinds(page) == ["transfer_out", "trial"]
        assert "2 movimenti" in text_of(page)
        page = (await client.get("/bacheca/storico?tipo=ricariche")).text
        assert history_kinds(page) == ["trial"]
        assert "Crediti di prova" in text_of(page)
        assert 'value="ricariche" selected' in page
        page = (await client.get("/bacheca/storico?tipo=spostamenti")).text
        assert history_kinds(page) == ["transfer_out"]
        page = (await client.get("/bacheca/storico?tipo=invii")).text
        assert history_kinds(page) == [] and "Nessun movimento." in page
        page = (await client.get("/bacheca/storico?tipo=sconosciuto")).text
        assert history_kinds(page) == ["transfer_out", "trial"]
    async with client_for(app, bob.id, locale="en") as client:
        page = (await client.get("/bacheca/storico?tipo=ricariche")).text
        assert history_kinds(page) == ["transfer_in", "trial"]  # received credit is a top-up
        text = text_of(page)
        assert "Top-ups · 2 movements" in text
        assert "Trial credits" in text and "Credit received" in text


async def test_history_cells_are_escaped(app: Litestar, make_account: MakeAccount) -> None:
    """The history prints cells the handler escaped itself (no autoescape on its rows)."""
    alice = await make_account()
    operator = await operator_ensure(username="support-escape")
    reason = '<script>alert("x")</script> Rossi & Figli'
    await credits_adjust(account_id=alice.id, amount="3", operator_id=operator, reason=reason)
    async with client_for(app, alice.id) as client:
        page = (await client.get("/bacheca/storico")).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Rossi &amp; Figli" in page
    assert history_kinds(page) == ["adjustment", "trial"]
    assert "Variazione dall&#x27;assistenza" in page


async def test_history_dates_are_days_in_the_users_time_zone(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    # 22:30 UTC on 1 June: already 2 June in Rome, still 1 June in New York.
    await _backdate_trial(account.id, datetime(2025, 6, 1, 22, 30, tzinfo=UTC))
    async with client_for(app, account.id) as client:  # Europe/Rome
        for query, kinds in (
            ("dal=2025-06-02&al=2025-06-02", ["trial"]),
            ("dal=2025-06-01&al=2025-06-01", []),
            ("dal=2025-06-02", ["trial"]),
            ("al=2025-06-01", []),
            ("dal=2025-06-03", []),
        ):
            page = (await client.get(f"/bacheca/storico?{query}")).text
            assert history_kinds(page) == kinds, query
        page = (await client.get("/bacheca/storico?dal=2025-06-02&al=2025-06-02")).text
        assert "02/06/25, 00:30" in page
    async with client_for(app, account.id, timezone="America/New_York") as client:
        page = (await client.get("/bacheca/storico?dal=2025-06-01&al=2025-06-01")).text
        assert history_kinds(page) == ["trial"]
        assert "01/06/25, 18:30" in page


async def test_history_bad_dates(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with client_for(app, account.id) as client:
        response = await client.get("/bacheca/storico?dal=ieri&al=2025-13-01")
        assert response.status_code == 422
        assert error_of(response.text, "dal") == "Data non valida (usa il formato AAAA-MM-GG)"
        assert error_of(response.text, "al") == "Data non valida (usa il formato AAAA-MM-GG)"
        assert history_kinds(response.text) == ["trial"]  # shown unfiltered
        response = await client.get("/bacheca/storico?dal=2025-06-02&al=2025-06-01")
        assert error_of(response.text, "al") == "La data finale precede quella iniziale"
    async with client_for(app, account.id, locale="en") as client:
        response = await client.get("/bacheca/storico?dal=ieri")
        assert error_of(response.text, "dal") == "Invalid date (use the YYYY-MM-DD format)"


async def test_history_pages_and_htmx_results(
    app: Litestar, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bacheca, "PER_PAGE", 2)
    alice, bob = await make_account(), await make_account()
    async with client_for(app, alice.id) as client:
        for amount in ("1", "2", "3"):
            data = {"amount": amount, "username": bob.username, "azione": "conferma"}
            assert (await post_form(client, "/bacheca/sposta/conferma", data)).status_code == 303
        page = (await client.get("/bacheca/storico?tipo=spostamenti")).text
        assert history_kinds(page) == ["transfer_out", "transfer_out"]
        assert "-3,0000" in page and "-2,0000" in page and "-1,0000" not in page
        assert "Pagina 1 di 2" in text_of(page)
        next_url = "/bacheca/storico?tipo=spostamenti&amp;pagina=2"
        assert f'href="{next_url}"' in page
        page = (await client.get(html.unescape(next_url))).text
        assert history_kinds(page) == ["transfer_out"] and "-1,0000" in page
        assert 'rel="prev"' in page and 'rel="next"' not in page
        # Past the end, or garbage: the last page, the first page.
        page = (await client.get("/bacheca/storico?tipo=spostamenti&pagina=99")).text
        assert "Pagina 2 di 2" in text_of(page)
        page = (await client.get("/bacheca/storico?tipo=spostamenti&pagina=abc")).text
        assert "Pagina 1 di 2" in text_of(page)

        # HTMX gets the results block only.
        response = await client.get(
            "/bacheca/storico?tipo=spostamenti&pagina=2",
            headers={"HX-Request": "true", "HX-Target": "results"},
        )
        assert response.text.lstrip().startswith('<section class="card" id="results">')
        assert "<html" not in response.text and "history-filters" not in response.text
        assert history_kinds(response.text) == ["transfer_out"]


# ---------------------------------------------------------------------------- isolation, CSRF


async def test_no_parameter_reaches_another_accounts_data(
    app: Litestar, make_account: MakeAccount
) -> None:
    alice, bob, carol = await make_account(), await make_account(), await make_account()
    async with client_for(app, alice.id) as client:
        data = {"amount": "7", "username": carol.username, "azione": "conferma"}
        assert (await post_form(client, "/bacheca/sposta/conferma", data)).status_code == 303
    async with client_for(app, bob.id) as client:
        for query in (
            f"account={alice.id}",
            f"account_id={alice.id}",
            f"id={alice.id}",
            f"tipo=spostamenti&account_id={alice.id}",
        ):
            page = (await client.get(f"/bacheca/storico?{query}")).text
            assert "transfer_out" not in history_kinds(page), query
            assert carol.username not in page
        # A form naming another account as the source moves Bob's own credit only.
        data = {
            "amount": "1",
            "username": carol.username,
            "azione": "conferma",
            "from_account_id": str(alice.id),
            "account_id": str(alice.id),
        }
        assert (await post_form(client, "/bacheca/sposta/conferma", data)).status_code == 303
        alert = {"thresholds": "1", "emails": "x@example.com", "account_id": str(alice.id)}
        assert (await post_form(client, "/bacheca/alert", alert)).status_code == 303
    assert await balance(alice.id) == to_units("93")
    assert await balance(bob.id) == to_units("99")
    assert (await credit_alert_get(alice.id)).emails == ()
    assert (await credit_alert_get(bob.id)).emails == ("x@example.com",)


async def test_every_form_needs_the_csrf_token(app: Litestar, make_account: MakeAccount) -> None:
    alice, bob = await make_account(), await make_account()
    async with client_for(app, alice.id) as client:
        await client.get("/bacheca")  # the CSRF cookie is set
        for url, data in (
            ("/bacheca/alert", {"thresholds": "1", "emails": "x@example.com", "enabled": "1"}),
            ("/bacheca/sposta", {"amount": "1", "username": bob.username}),
            ("/bacheca/sposta/conferma",
             {"amount": "1", "username": bob.username, "azione": "conferma"}),
        ):  # fmt: skip
            response = await client.post(url, data=data)
            assert response.status_code == 403, url
            assert "Modulo scaduto" in response.text
    assert await balance(bob.id) == to_units("100")
    assert (await credit_alert_get(alice.id)).emails == ()


def test_sms_types_count_what_the_balance_sends() -> None:
    counts = {t["code"]: t["sendable"] for t in bacheca.sms_types(to_units(Decimal("1.3")))}
    assert counts == {"SMART": 2, "PRO": 1, "REPLY": 1}
    assert {t["sendable"] for t in bacheca.sms_types(0)} == {0}


async def test_confirmation_and_history_pages_in_english(
    app: Litestar, make_account: MakeAccount
) -> None:
    alice, bob = await make_account(credits="100"), await make_account()
    async with client_for(app, alice.id, locale="en") as client:
        data = {"amount": "12.5", "username": bob.username}
        page = (await post_form(client, "/bacheca/sposta", data)).text
        assert html_lang(page) == "en"
        text = text_of(page)
        assert "Confirm the transfer?" in text
        assert (
            f"You will move 12.5000 credits from your account to the account {bob.username}."
            in text
        )
        assert "Credit after the transfer: 87.5000 credits" in text
        assert "Confirm and move" in text and "Cancel" in text
        form = {"amount": "12.5000", "username": bob.username, "azione": "annulla"}
        await post_form(client, "/bacheca/sposta/conferma", form)
        assert "Credit transfer cancelled" in (await client.get("/bacheca")).text
        page = (await client.get("/bacheca/storico")).text
        text = text_of(page)
        assert "Credit history" in text and "All movements · 1 movement" in text
        assert "Trial credits" in text and "+100.0000" in text
