"""The customer panel in both languages: amounts typed as the reader writes numbers (credits to
move, alert thresholds), country names in the prefix selects.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from litestar import Litestar
from signed_in import browser, error_of, signin_for_tests, text_of
from web_helpers import MakeApp, csrf_token_of, html_lang, plain

from corriere.platform.accounts.queries import account_profile_get
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.credits.alerts import credit_alert_get
from corriere.platform.money import to_units
from corriere.web import formatting, signup_pages
from corriere.web.contacts_common import prefix_options

MakeAccount = Callable[..., Awaitable[AccountCreated]]


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


async def post_form(client: httpx.AsyncClient, url: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_token_of((await client.get("/bacheca")).text)
    return await client.post(url, data={**data, "_csrf_token": token})


async def balance(account_id: int) -> int:
    profile = await account_profile_get(account_id)
    assert profile is not None
    return profile.balance_units


def hidden_amount(page: str) -> str:
    match = re.search(r'<input type="hidden" name="amount" value="([^"]*)">', page)
    assert match, page
    return match.group(1)


# ---------------------------------------------------------------------------- moving credit


@pytest.mark.parametrize(
    ("lang", "typed", "shown", "moved"),
    [
        ("en", "1,500", "You will move 1,500.0000 credits", "1500"),
        ("en", "1,500.25", "You will move 1,500.2500 credits", "1500.25"),
        ("en", "0.5", "You will move 0.5000 credits", "0.5"),
        ("it", "1.500,5", "Sposterai 1.500,5000 crediti", "1500.5"),
        ("it", "1500", "Sposterai 1.500,0000 crediti", "1500"),
        ("it", "2,25", "Sposterai 2,2500 crediti", "2.25"),
    ],
)
async def test_amounts_are_read_as_the_reader_writes_them(
    app: Litestar, make_account: MakeAccount, lang: str, typed: str, shown: str, moved: str
) -> None:
    alice, bob = await make_account(credits="2000"), await make_account(credits="0")
    async with browser(app, alice.id, locale=lang) as client:
        data = {"amount": typed, "username": bob.username}
        page = await post_form(client, "/bacheca/sposta", data)
        assert page.status_code == 200, error_of(page.text, "amount")
        assert html_lang(page.text) == lang
        assert shown in text_of(page.text)
        # The confirmation carries what was read, in the platform's notation.
        assert hidden_amount(page.text) == f"{Decimal(moved):.4f}"
        assert await balance(bob.id) == 0  # nothing moved yet
        data = {"amount": hidden_amount(page.text), "username": bob.username, "azione": "conferma"}
        done = await post_form(client, "/bacheca/sposta/conferma", data)
        assert done.status_code == 303
    assert await balance(bob.id) == to_units(moved)
    assert await balance(alice.id) == to_units("2000") - to_units(moved)


@pytest.mark.parametrize(
    ("lang", "typed", "message"),
    [
        ("it", "1.5", "Importo ambiguo: intendi 15 o 1,5?"),
        ("it", "10.50", "Importo ambiguo: intendi 1.050 o 10,5?"),
        ("it", "1,500.5", "Importo ambiguo: intendi 1,5005 o 1.500,5?"),
        ("it", "1,23456", "Importo non valido: al massimo 4 cifre decimali"),
        ("it", "dieci", "Importo non valido: scrivi un numero come 1.234,5"),
        ("it", "1 500", "Importo non valido: scrivi un numero come 1.234,5"),
        ("it", "1e3", "Importo non valido: scrivi un numero come 1.234,5"),
        ("it", "1..5", "Importo non valido: scrivi un numero come 1.234,5"),
        ("en", "1,5", "Ambiguous amount: do you mean 15 or 1.5?"),
        ("en", "1.500,5", "Ambiguous amount: do you mean 1.5005 or 1,500.5?"),
        ("en", "0.00001", "Invalid amount: at most 4 decimal places"),
        ("en", "12abc", "Invalid amount: write a number like 1,234.5"),
        ("en", "", "Invalid amount: write a number like 1,234.5"),
        ("en", "NaN", "Invalid amount: write a number like 1,234.5"),
        ("en", "-3", "The amount must be greater than zero"),
    ],
)
async def test_unreadable_amounts_are_refused_next_to_the_field(
    app: Litestar, make_account: MakeAccount, lang: str, typed: str, message: str
) -> None:
    alice, bob = await make_account(credits="2000"), await make_account(credits="0")
    async with browser(app, alice.id, locale=lang) as client:
        data = {"amount": typed, "username": bob.username}
        response = await post_form(client, "/bacheca/sposta", data)
        assert response.status_code == 422
        assert error_of(response.text, "amount") == message
        assert f'value="{typed}"' in response.text or not typed  # what was typed stays
    assert await balance(alice.id) == to_units("2000")
    assert await balance(bob.id) == 0


async def test_the_confirmation_step_takes_only_its_own_notation(
    app: Litestar, make_account: MakeAccount
) -> None:
    """The hidden field is written by the confirmation page: a hand-made "1,500" there is not
    read as a number in anybody's notation."""
    alice, bob = await make_account(credits="2000"), await make_account(credits="0")
    async with browser(app, alice.id, locale="en") as client:
        for typed in ("1,500", "1.500,5", "1e3", " "):
            data = {"amount": typed, "username": bob.username, "azione": "conferma"}
            response = await post_form(client, "/bacheca/sposta/conferma", data)
            assert response.status_code == 422
            assert error_of(response.text, "amount") == "Invalid amount"
        # Refused by the platform: the form shows the amount back in the reader's notation.
        data = {"amount": "2500.0000", "username": bob.username, "azione": "conferma"}
        response = await post_form(client, "/bacheca/sposta/conferma", data)
        assert error_of(response.text, "amount") == "You can move up to 2,000.0000 credits"
        assert 'value="2,500"' in response.text
    assert await balance(bob.id) == 0


# ---------------------------------------------------------------------------- alert thresholds


@pytest.mark.parametrize(
    ("lang", "typed", "saved", "shown"),
    [
        ("it", "100,500", ("100", "500"), "100, 500"),  # the manual's example
        ("it", "1.500, 100", ("100", "1500"), "100, 1500"),
        ("it", "100; 1.500,5", ("100", "1500.5"), "100; 1500,5"),
        ("en", "100, 500", ("100", "500"), "100, 500"),
        ("en", "100; 1,500.5", ("100", "1500.5"), "100; 1500.5"),
        ("en", "2.5,10", ("2.5", "10"), "2.5; 10"),
    ],
)
async def test_thresholds_are_read_in_the_readers_notation(
    app: Litestar,
    make_account: MakeAccount,
    lang: str,
    typed: str,
    saved: tuple[str, ...],
    shown: str,
) -> None:
    account = await make_account(credits="100")
    async with browser(app, account.id, locale=lang) as client:
        form = {"thresholds": typed, "emails": "info@example.com", "enabled": "1"}
        response = await post_form(client, "/bacheca/alert", form)
        assert response.status_code == 303, error_of(response.text, "thresholds")
        page = (await client.get("/bacheca")).text
        # Shown so that saving the form again reads the same thresholds.
        assert re.search(
            rf'id="f-thresholds" name="thresholds"[^>]* value="{re.escape(shown)}"', page
        )
        again = await post_form(client, "/bacheca/alert", {**form, "thresholds": shown})
        assert again.status_code == 303
    alert = await credit_alert_get(account.id)
    assert alert.thresholds == tuple(to_units(v) for v in saved)


@pytest.mark.parametrize(
    ("lang", "typed", "message"),
    [
        ("it", "100, 1.5", "Soglia ambigua: 1.5. Intendi 15 o 1,5?"),
        ("it", "100; 0,00001", "Soglia non valida: 0,00001 (al massimo 4 cifre decimali)"),
        ("it", "100, 0", "Soglia non valida: 0 (usa numeri positivi separati da virgola)"),
        ("it", "cento", "Soglia non valida: cento (usa numeri positivi separati da virgola)"),
        (
            "en",
            "1,500",
            "Ambiguous thresholds: 1,500. Separate thresholds with a comma followed by a space"
            " (e.g. 100, 500) or with a semicolon",
        ),
        (
            "en",
            "100,500",
            "Ambiguous thresholds: 100,500. Separate thresholds with a comma followed by a space"
            " (e.g. 100, 500) or with a semicolon",
        ),
        ("en", "100; 1,5", "Ambiguous threshold: 1,5. Do you mean 15 or 1.5?"),
        ("en", "-5", "Invalid threshold: -5 (use positive numbers separated by commas)"),
    ],
)
async def test_unreadable_thresholds_are_refused(
    app: Litestar, make_account: MakeAccount, lang: str, typed: str, message: str
) -> None:
    account = await make_account(credits="100")
    async with browser(app, account.id, locale=lang) as client:
        form = {"thresholds": typed, "emails": "not-an-address", "enabled": "1"}
        response = await post_form(client, "/bacheca/alert", form)
        assert response.status_code == 422
        assert error_of(response.text, "thresholds") == message
        # The other fields are still checked.
        assert error_of(response.text, "emails").startswith(
            "Indirizzi e-mail non validi" if lang == "it" else "Invalid e-mail addresses"
        )
    assert (await credit_alert_get(account.id)).thresholds == ()


def test_amounts_read_back_what_they_show() -> None:
    for lang in ("it", "en"):
        for value in ("0.0001", "1", "999.5", "1500", "1234567.8912"):
            shown = formatting.format_amount(Decimal(value), lang)
            assert formatting.parse_amount(shown, lang) == Decimal(value), (lang, shown)
        values = [Decimal("100"), Decimal("1500.25")]
        listed = formatting.format_amount_list(values, lang)
        assert [v for _t, v in formatting.parse_amount_list(listed, lang)] == values


# ---------------------------------------------------------------------------- prefix selects


def option_labels(page: str, field: str) -> list[str]:
    select = re.search(rf'<select id="f-{field}" name="{field}"[^>]*>(.*?)</select>', page, re.S)
    assert select, field
    return [plain(label) for label in re.findall(r"<option [^>]*>([^<]*)</option>", select[1])]


async def test_the_account_pages_prefixes_are_named_in_the_readers_language(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    async with browser(app, account.id, locale="en") as client:
        english = option_labels((await client.get("/account")).text, "default_prefix")
    async with browser(app, account.id, locale="it") as client:
        italian = option_labels((await client.get("/account")).text, "default_prefix")
    assert english[0] == "Italy (39)" and italian[0] == "Italia (39)"
    assert "United Kingdom (44)" in english and "Regno Unito (44)" in italian
    assert "Germany (49)" in english and "Germania (49)" in italian
    assert not any("Regno Unito" in label or "Germania" in label for label in english)
    # Sorted as a reader expects: accents and capitals do not send a name to the end.
    assert english.index("Costa Rica (506)") < english.index("Côte d’Ivoire (225)")
    assert english.index("Côte d’Ivoire (225)") < english.index("Croatia (385)")
    assert english.index("Türkiye (90)") < english.index("Turkmenistan (993)")
    assert italian.index("Costa d’Avorio (225)") < italian.index("Costa Rica (506)")
    assert italian.index("São Tomé e Príncipe (239)") < italian.index("Senegal (221)")


async def test_the_account_page_saves_the_chosen_prefix(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account(mobile="+393331234567")
    profile = await account_profile_get(account.id)
    assert profile is not None
    async with browser(app, account.id, locale="en") as client:
        form = {
            "email": profile.email,
            "mobile": profile.mobile,
            "first_name": "Mario",
            "last_name": "Rossi",
            "default_prefix": "44",
            "locale": "en",
            "timezone": "Europe/London",
        }
        token = csrf_token_of((await client.get("/account")).text)
        response = await client.post("/account/dati", data={**form, "_csrf_token": token})
        assert response.status_code == 303
        page = (await client.get("/account")).text
        assert '<option value="44" selected>United Kingdom (44)</option>' in page
        form["default_prefix"] = "abc"
        token = csrf_token_of(page)
        response = await client.post("/account/dati", data={**form, "_csrf_token": token})
        assert response.status_code == 422
        assert error_of(response.text, "default_prefix").startswith("Invalid")
    saved = await account_profile_get(account.id)
    assert saved is not None and saved.default_prefix == "44"


def test_every_prefix_list_is_named_and_sorted_per_language() -> None:
    """The address book's list (every code) and the sign-up page's short list."""
    for lang, italy, uk in (("it", "Italia", "Regno Unito"), ("en", "Italy", "United Kingdom")):
        everything = [label for _code, label in prefix_options(lang)]
        short = [label for _code, label in signup_pages.prefix_options(lang)]
        for labels in (everything, short[:1] + [label.replace("+", "") for label in short[1:]]):
            assert labels[0].startswith(italy)
            rest = labels[1:]
            assert rest == sorted(rest, key=formatting.collation_key)
        assert f"{uk} (+44)" in short and f"{uk} (44)" in everything
