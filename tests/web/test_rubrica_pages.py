"""RUBRICA and GRUPPI in the panel: the list with search as you type, groups and their counts,
adding / editing / deleting contacts, bulk actions, and every page refusing another account's ids."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from litestar import Litestar
from signed_in import browser, error_of, post_form, signin_for_tests, text_of
from web_helpers import MakeApp

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.contacts import queries as contact_queries
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.queries import ContactFilter, contact_by_mobile, contacts_count
from corriere.platform.contacts.services import contact_create, contact_values
from corriere.platform.contacts.variables import variable_create

MakeAccount = Callable[..., Awaitable[AccountCreated]]


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


async def add(
    account_id: int, mobile: str, first: str = "", last: str = "", groups: tuple[int, ...] = ()
) -> int:
    values = contact_values({"mobile": mobile, "first_name": first, "last_name": last}, prefix="39")
    return await contact_create(account_id=account_id, values=values, group_ids=groups)


def listed(page: str) -> list[str]:
    return re.findall(
        r'<tr data-contact="\d+">\s*<td class="check">.*?</td>\s*<td><a href="/rubrica/\d+[?"][^>]*>([^<]+)</a>',
        page,
        re.S,
    )


async def test_sign_in_is_needed(app: Litestar) -> None:
    async with browser(app) as client:
        for url in (
            "/rubrica",
            "/rubrica/nuovo",
            "/gruppi",
            "/rubrica/importa",
            "/extra/variabili",
        ):
            response = await client.get(url)
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/accesso?next=")


async def test_add_a_contact_and_find_it(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    friends = await group_create(account_id=account.id, name="Amici")
    async with browser(app, account.id) as client:
        page = (await client.get("/rubrica/nuovo")).text
        assert "Italia (39)" in page and "Scegli una provincia" in page and "Amici" in page
        done = await post_form(
            client,
            "/rubrica/nuovo",
            {
                "prefix": "39",
                "mobile": "347 420 1845",
                "first_name": "Franco",
                "last_name": "Dell'Àcqua",
                "gender": "M",
                "city": "Bologna",
                "province": "BO",
                "birth_date": "1978-04-21",
                "email": "franco@example.com",
                "birthday_sms": "1",
                "groups": [str(friends)],
            },
        )
        assert done.status_code == 303
        page = (await client.get("/rubrica")).text
        assert "Contatto aggiunto alla rubrica." in text_of(page)
        assert listed(page) == ["+393474201845"]
        assert "Risultati dal 1 al 1 di 1" in text_of(page)
        assert ">Amici</a>" in page
        # Partial values of the name, the surname (accents do not matter) or the number.
        for q in ("fran", "acqua", "ACQUA", "4201", "+39347"):
            found = (
                await client.get(
                    "/rubrica",
                    params={"q": q},
                    headers={"hx-request": "true", "hx-target": "results"},
                )
            ).text
            assert listed(found) == ["+393474201845"], q
            assert "<html" not in found  # HTMX gets the results block only
        nothing = (await client.get("/rubrica", params={"q": "rossi"})).text
        assert listed(nothing) == [] and "Nessun contatto corrisponde alla ricerca." in text_of(
            nothing
        )
    contact = await contact_by_mobile(account.id, "+393474201845")
    assert contact is not None
    assert (contact.first_name, contact.last_name, contact.province, contact.city) == (
        "Franco",
        "Dell'Àcqua",
        "BO",
        "Bologna",
    )
    assert contact.birth_date is not None and contact.birth_date.isoformat() == "1978-04-21"
    assert contact.birthday_sms and contact.gender == "M"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "0612345678", "Numero di cellulare non valido: non è un numero di cellulare"),
        ("mobile", "33x12", "Numero di cellulare non valido: contiene caratteri non numerici"),
        ("mobile", "", "Numero di cellulare non valido: numero vuoto"),
        ("email", "franco@", "Valore non valido: indirizzo e-mail non valido"),
        ("birth_date", "31/02/1990", "Valore non valido: data non valida (usa GG/MM/AAAA)"),
        ("birth_date", "2999-01-01", "Valore non valido: la data di nascita è nel futuro"),
        ("landline", "zero-sei", "Valore non valido: numero di telefono non valido"),
        ("province", "XX", "Valore non valido: provincia sconosciuta (usa la sigla, es. BO)"),
    ],
)
async def test_bad_input_is_refused_next_to_its_field(
    app: Litestar, make_account: MakeAccount, field: str, value: str, message: str
) -> None:
    account = await make_account()
    form = {"prefix": "39", "mobile": "3351234567", "first_name": "Anna", field: value}
    async with browser(app, account.id) as client:
        answer = await post_form(client, "/rubrica/nuovo", form, headers={"hx-request": "true"})
    assert answer.status_code == 422
    assert error_of(answer.text, field) == message
    assert await contacts_count(account.id) == 0


async def test_bad_input_in_english(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with browser(app, account.id, locale="en") as client:
        page = (await client.get("/rubrica/nuovo")).text
        assert "Add contact" in page and "Italy (39)" in page
        answer = await post_form(client, "/rubrica/nuovo", {"prefix": "39", "mobile": "0612345678"})
    assert answer.status_code == 422
    assert error_of(answer.text, "mobile") == "Invalid mobile number: not a mobile number"


async def test_a_number_already_in_the_book(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    first = await add(account.id, "3351234567", "Anna")
    async with browser(app, account.id) as client:
        answer = await post_form(
            client,
            "/rubrica/nuovo",
            {"prefix": "39", "mobile": "+39 335 123 4567", "first_name": "Altra"},
        )
    assert answer.status_code == 422
    assert error_of(answer.text, "mobile") == "Questo numero è già in rubrica"
    assert f'href="/rubrica/{first}"' in answer.text
    assert await contacts_count(account.id) == 1


async def test_edit_a_contact_its_groups_and_variables(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    clienti = await group_create(account_id=account.id, name="Clienti")
    fornitori = await group_create(account_id=account.id, name="Fornitori")
    await variable_create(account_id=account.id, name="polizza", description="Numero polizza")
    contact_id = await add(account.id, "3351234567", "Anna", groups=(clienti,))
    async with browser(app, account.id) as client:
        page = (await client.get(f"/rubrica/{contact_id}")).text
        assert 'value="3351234567"' in page and "polizza" in page
        done = await post_form(
            client,
            f"/rubrica/{contact_id}",
            {
                "prefix": "39",
                "mobile": "3351234567",
                "first_name": "Anna Maria",
                "var_polizza": "AB-123",
                "groups": [str(fornitori)],
            },
        )
        assert done.status_code == 303
    contact = await contact_by_mobile(account.id, "+393351234567")
    assert contact is not None
    assert contact.first_name == "Anna Maria"
    assert contact.variables == {"polizza": "AB-123"}
    assert [g.name for g in contact.groups] == ["Fornitori"]


async def test_delete_asks_first(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    contact_id = await add(account.id, "3351234567", "Anna")
    async with browser(app, account.id) as client:
        confirm = (await client.get(f"/rubrica/{contact_id}/elimina")).text
        assert "Sei sicuro di cancellare il contatto dalla rubrica?" in confirm
        assert await contacts_count(account.id) == 1
        done = await post_form(client, f"/rubrica/{contact_id}/elimina", {})
        assert done.status_code == 303
    assert await contacts_count(account.id) == 0


async def test_bulk_actions_on_ticked_rows_and_on_every_result(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    vip = await group_create(account_id=account.id, name="VIP")
    ids = [
        await add(account.id, f"33512345{i:02d}", f"Nome{i}", "Rossi" if i % 2 else "Bianchi")
        for i in range(60)
    ]
    async with browser(app, account.id) as client:
        page = (await client.get("/rubrica")).text
        assert "Risultati dal 1 al 50 di 60" in text_of(page) and "Pagina 1 di 2" in text_of(page)
        added = await post_form(
            client,
            "/rubrica/azioni",
            [
                ("azione", "aggiungi"),
                ("destinazione", str(vip)),
                ("id", str(ids[0])),
                ("id", str(ids[1])),
            ],
        )
        assert added.status_code == 303
        assert "2 contatti aggiunti al gruppo." in text_of((await client.get("/rubrica")).text)
        # Every result of a search, not only the ticked page.
        every = await post_form(
            client,
            "/rubrica/azioni",
            {"azione": "aggiungi", "destinazione": str(vip), "tutti": "1", "q": "rossi"},
        )
        assert every.status_code == 303
        assert (
            await contacts_count(account.id, ContactFilter(group_id=vip)) == 31
        )  # 30 Rossi + Nome0
        group_page = (await client.get(f"/gruppi/{vip}")).text
        assert "31 contatti" in text_of(group_page)
        # Deleting asks with the count first.
        confirm = await post_form(
            client, "/rubrica/azioni", {"azione": "elimina", "tutti": "1", "q": "bianchi"}
        )
        assert confirm.status_code == 200
        assert "Eliminare 30 contatti dalla rubrica?" in text_of(confirm.text)
        assert await contacts_count(account.id) == 60
        deleted = await post_form(
            client,
            "/rubrica/azioni",
            {"azione": "elimina", "tutti": "1", "q": "bianchi", "conferma": "1"},
        )
        assert deleted.status_code == 303
    assert await contacts_count(account.id) == 30
    assert (
        await contacts_count(account.id, ContactFilter(group_id=vip)) == 30
    )  # Nome0 was a Bianchi


async def test_a_search_with_too_many_matches_to_count(
    app: Litestar, make_account: MakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The book has 120 Rossi; past 40 matches the search stops counting (2 000 in service).
    monkeypatch.setattr(contact_queries, "MATCHES_IN_ONE_PASS", 40)
    account = await make_account()
    for i in range(120):
        await add(account.id, f"3351{i:06d}", f"Nome{i}", "Rossi")
    async with browser(app, account.id) as client:
        first = text_of((await client.get("/rubrica", params={"q": "ross"})).text)
        assert "Risultati dal 1 al 50 di oltre 50" in first and "Pagina 1" in first
        assert "Pagina 1 di" not in first
        assert "tutti i risultati della ricerca (oltre 50)" in first
        second = text_of((await client.get("/rubrica", params={"q": "ross", "pagina": "2"})).text)
        assert "Risultati dal 51 al 100 di oltre 100" in second
        # The last page knows the count.
        last = text_of((await client.get("/rubrica", params={"q": "ross", "pagina": "3"})).text)
        assert "Risultati dal 101 al 120 di 120" in last and "Pagina 3 di 3" in last
        # Past the end: back to the last page.
        beyond = text_of((await client.get("/rubrica", params={"q": "ross", "pagina": "9"})).text)
        assert "Risultati dal 101 al 120 di 120" in beyond
        # A bulk delete of every result counts them exactly before asking.
        confirm = await post_form(
            client, "/rubrica/azioni", {"azione": "elimina", "tutti": "1", "q": "ross"}
        )
        assert "Eliminare 120 contatti dalla rubrica?" in text_of(confirm.text)


async def test_sort_by_surname_and_pages(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    await add(account.id, "3351234501", "Zeno", "Zanetti")
    await add(account.id, "3351234502", "Aldo", "Àlberti")
    await add(account.id, "3351234503", "Bea", "Bruni")
    async with browser(app, account.id) as client:
        recent = listed((await client.get("/rubrica")).text)
        by_surname = listed((await client.get("/rubrica", params={"ordina": "cognome"})).text)
    assert recent == ["+393351234503", "+393351234502", "+393351234501"]
    assert by_surname == ["+393351234502", "+393351234503", "+393351234501"]


async def test_groups_create_edit_delete(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    async with browser(app, account.id) as client:
        empty = await post_form(client, "/gruppi", {"name": "  "}, headers={"hx-request": "true"})
        assert (
            empty.status_code == 422
            and error_of(empty.text, "name") == "Indicare il nome del gruppo"
        )
        created = await post_form(
            client, "/gruppi", {"name": "Lavoro", "signature": "Studio Rossi", "web_signup": "1"}
        )
        assert created.status_code == 303
        group_id = int(created.headers["location"].rsplit("/", 1)[1])
        again = await post_form(
            client, "/gruppi", {"name": "LAVORO"}, headers={"hx-request": "true"}
        )
        assert (
            again.status_code == 422
            and error_of(again.text, "name") == "Esiste già un gruppo con questo nome"
        )
        await add(account.id, "3351234567", "Anna", groups=(group_id,))
        listing = text_of((await client.get("/gruppi")).text)
        assert "Lavoro 1 Studio Rossi Sì" in listing
        renamed = await post_form(
            client, f"/gruppi/{group_id}/modifica", {"name": "Ufficio", "signature": ""}
        )
        assert renamed.status_code == 303
        assert "Ufficio" in (await client.get("/gruppi")).text
        assert "Il suo 1 contatto resta in rubrica." in text_of(
            (await client.get(f"/gruppi/{group_id}/elimina")).text
        )
        gone = await post_form(client, f"/gruppi/{group_id}/elimina", {})
        assert gone.status_code == 303
        assert (await client.get(f"/gruppi/{group_id}")).status_code == 404
    assert await contacts_count(account.id) == 1


async def test_another_accounts_ids_answer_404(app: Litestar, make_account: MakeAccount) -> None:
    owner = await make_account()
    other = await make_account()
    group_id = await group_create(account_id=owner.id, name="Segreti")
    contact_id = await add(owner.id, "3351234567", "Anna", groups=(group_id,))
    async with browser(app, other.id) as client:
        for url in (
            f"/rubrica/{contact_id}",
            f"/rubrica/{contact_id}/elimina",
            f"/gruppi/{group_id}",
            f"/gruppi/{group_id}/modifica",
            f"/gruppi/{group_id}/elimina",
            f"/rubrica/esporta?gruppo={group_id}",
        ):
            assert (await client.get(url)).status_code == 404, url
        for url, form in (
            (f"/rubrica/{contact_id}", {"prefix": "39", "mobile": "3351234567"}),
            (f"/rubrica/{contact_id}/elimina", {}),
            (f"/gruppi/{group_id}/modifica", {"name": "Mio"}),
            (f"/gruppi/{group_id}/elimina", {}),
        ):
            assert (await post_form(client, url, form)).status_code == 404, url
        # Bulk actions with foreign ids change nothing; a foreign group is refused.
        await post_form(
            client, "/rubrica/azioni", {"azione": "elimina", "id": str(contact_id), "conferma": "1"}
        )
        own = await add(other.id, "3351234568", "Mia")
        refused = await post_form(
            client,
            "/rubrica/azioni",
            {"azione": "aggiungi", "destinazione": str(group_id), "id": str(own)},
        )
        assert refused.status_code == 303
        # Search and the group filter never show the owner's contacts.
        page = (await client.get("/rubrica", params={"q": "anna", "gruppo": str(group_id)})).text
        assert "+393351234567" not in page and "Segreti" not in page
    assert await contacts_count(owner.id) == 1
    assert await contacts_count(owner.id, ContactFilter(group_id=group_id)) == 1


async def test_pages_in_both_languages(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    group_id = await group_create(account_id=account.id, name="Clienti")
    await add(account.id, "3351234567", "Anna", groups=(group_id,))
    pages = (
        "/rubrica",
        "/rubrica/nuovo",
        "/gruppi",
        f"/gruppi/{group_id}",
        "/rubrica/importa",
        "/rubrica/importazioni",
        "/rubrica/doppi",
        "/rubrica/pulizia",
        "/extra",
        "/extra/variabili",
    )
    async with browser(app, account.id) as client:
        for url in pages:
            response = await client.get(url)
            assert response.status_code == 200, url
            assert '<html lang="it">' in response.text
    async with browser(app, account.id, locale="en") as client:
        english = {url: (await client.get(url)).text for url in pages}
    assert "Address book" in english["/rubrica"]
    assert "Groups" in english["/gruppi"]
    assert "Import contacts" in english["/rubrica/importa"]
    assert all('<html lang="en">' in page for page in english.values())
