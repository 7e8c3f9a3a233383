"""GESTIONE VARIABILI, CONTROLLO NUMERI DOPPI and PULIZIA GRUPPI E RUBRICA in the panel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar
from signed_in import browser, error_of, post_form, signin_for_tests, text_of
from web_helpers import MakeApp

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.audit.services import audit_list
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.queries import (
    contact_by_mobile,
    contacts_count,
    groups_list,
    variables_list,
)
from corriere.platform.contacts.services import contact_create, contact_values

MakeAccount = Callable[..., Awaitable[AccountCreated]]


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


async def add(account_id: int, mobile: str, groups: tuple[int, ...] = (), **fields: str) -> int:
    values = contact_values(
        {"mobile": mobile, **fields}, prefix="39", variables=fields, variable_names=list(fields)
    )
    return await contact_create(account_id=account_id, values=values, group_ids=groups)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "",
            "Nome non valido: da 1 a 32 caratteri tra lettere minuscole, cifre e trattino basso, iniziando con una lettera",
        ),
        (
            "1polizza",
            "Nome non valido: da 1 a 32 caratteri tra lettere minuscole, cifre e trattino basso, iniziando con una lettera",
        ),
        (
            "con spazio",
            "Nome non valido: da 1 a 32 caratteri tra lettere minuscole, cifre e trattino basso, iniziando con una lettera",
        ),
        ("cognome", "Questo nome è già un campo della rubrica: scegline un altro"),
        ("cellulare", "Questo nome è già un campo della rubrica: scegline un altro"),
    ],
)
async def test_variable_names_are_checked(
    app: Litestar, make_account: MakeAccount, name: str, message: str
) -> None:
    account = await make_account()
    async with browser(app, account.id) as client:
        answer = await post_form(
            client, "/extra/variabili", {"name": name}, headers={"hx-request": "true"}
        )
    assert answer.status_code == 422
    assert error_of(answer.text, "name") == message
    assert await variables_list(account.id) == []


async def test_variables_create_deactivate_delete(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with browser(app, account.id) as client:
        created = await post_form(
            client, "/extra/variabili", {"name": "Polizza", "description": "Numero polizza"}
        )
        assert created.status_code == 303
        again = await post_form(
            client, "/extra/variabili", {"name": "polizza"}, headers={"hx-request": "true"}
        )
        assert error_of(again.text, "name") == "Esiste già una variabile con questo nome"
        page = text_of((await client.get("/extra/variabili")).text)
        assert "%polizza% Numero polizza Attivata (disattiva)" in page
        (variable,) = await variables_list(account.id)
        await add(account.id, "3351234567", polizza="AB-1")
        assert "polizza" in (await client.get("/rubrica/nuovo")).text
        await post_form(client, f"/extra/variabili/{variable.id}/stato", {"attiva": "0"})
        assert "Disattivata (attiva)" in text_of((await client.get("/extra/variabili")).text)
        assert "var_polizza" not in (await client.get("/rubrica/nuovo")).text
        confirm = text_of((await client.get(f"/extra/variabili/{variable.id}/elimina")).text)
        assert "Eliminare la variabile «polizza»?" in confirm
        deleted = await post_form(client, f"/extra/variabili/{variable.id}/elimina", {})
        assert deleted.status_code == 303
        assert "Variabile eliminata, con il valore di 1 contatto." in text_of(
            (await client.get("/extra/variabili")).text
        )
    contact = await contact_by_mobile(account.id, "+393351234567")
    assert contact is not None and contact.variables == {}


async def test_variables_of_another_account(app: Litestar, make_account: MakeAccount) -> None:
    owner = await make_account()
    other = await make_account()
    async with browser(app, owner.id) as client:
        await post_form(client, "/extra/variabili", {"name": "targa"})
    (variable,) = await variables_list(owner.id)
    async with browser(app, other.id) as client:
        assert (await client.get(f"/extra/variabili/{variable.id}/elimina")).status_code == 404
        assert (
            await post_form(client, f"/extra/variabili/{variable.id}/elimina", {})
        ).status_code == 404
        assert (
            await post_form(client, f"/extra/variabili/{variable.id}/stato", {"attiva": "0"})
        ).status_code == 404
        assert 'data-variable="targa"' not in (await client.get("/extra/variabili")).text
    assert [v.active for v in await variables_list(owner.id)] == [True]


async def test_numbers_in_more_than_one_group(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    a = await group_create(account_id=account.id, name="Alfa")
    b = await group_create(account_id=account.id, name="Beta")
    await add(account.id, "3351234561", (a, b), first_name="Doppio")
    await add(account.id, "3351234562", (a,), first_name="Singolo")
    async with browser(app, account.id) as client:
        page = (await client.get("/rubrica/doppi")).text
    text = text_of(page)
    assert "1 numero in più gruppi" in text
    assert "+393351234561 Doppio Alfa Beta" in text
    assert "+393351234562" not in text


async def test_cleanup_needs_the_typed_word(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    group = await group_create(account_id=account.id, name="Tenuti")
    await add(account.id, "3351234561", (group,))
    await add(account.id, "3351234562")
    async with browser(app, account.id) as client:
        page = text_of((await client.get("/rubrica/pulizia")).text)
        assert "non sono reversibili" in page and "Per confermare scrivi ELIMINA" in page
        wrong = await post_form(
            client, "/rubrica/pulizia", {"mode": "everything", "conferma": "sì"}
        )
        assert wrong.status_code == 422
        assert error_of(wrong.text, "conferma") == "Per confermare scrivi ELIMINA."
        assert await contacts_count(account.id) == 2
        ungrouped = await post_form(
            client, "/rubrica/pulizia", {"mode": "ungrouped", "conferma": "elimina"}
        )
        assert ungrouped.status_code == 303
        assert await contacts_count(account.id) == 1
        everything = await post_form(
            client, "/rubrica/pulizia", {"mode": "everything", "conferma": "ELIMINA"}
        )
        assert everything.status_code == 303
    assert await contacts_count(account.id) == 0
    assert await groups_list(account.id) == []
    actions = [(row.action, row.details) for row in await audit_list(account_id=account.id)]
    assert ("contacts_cleanup", "everything: contatti eliminati 1, gruppi eliminati 1") in actions
    assert ("contacts_cleanup", "ungrouped: contatti eliminati 1, gruppi eliminati 0") in actions


async def test_cleanup_in_english_asks_for_delete(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    await add(account.id, "3351234561")
    async with browser(app, account.id, locale="en") as client:
        assert "type DELETE" in text_of((await client.get("/rubrica/pulizia")).text)
        done = await post_form(
            client, "/rubrica/pulizia", {"mode": "everything", "conferma": "delete"}
        )
        assert done.status_code == 303
    assert await contacts_count(account.id) == 0
