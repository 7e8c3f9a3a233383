"""RUBRICA and a group's members, as the list stands after a search: the export links export
that very list, a contact opened from it comes back to it after saving or deleting, every group
picker shows the groups' counts, and PULIZIA asks for the word of the page's language."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar
from signed_in import browser, error_of, post_form, signin_for_tests, text_of

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.contacts.groups import group_create
from corriere.platform.contacts.queries import contact_get, contacts_count, groups_list
from corriere.platform.contacts.services import contact_create, contact_values

MakeAccount = Callable[..., Awaitable[AccountCreated]]
HTMX = {"hx-request": "true", "hx-target": "results"}


@pytest.fixture
def app(make_app: Callable[..., Litestar], db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


async def add(
    account_id: int, mobile: str, first: str, last: str = "", groups: tuple[int, ...] = ()
) -> int:
    values = contact_values({"mobile": mobile, "first_name": first, "last_name": last}, prefix="39")
    return await contact_create(account_id=account_id, values=values, group_ids=groups)


def export_links(page: str) -> dict[str, str]:
    """format → the export link's URL, as the browser follows it."""
    found = re.findall(r'href="(/rubrica/esporta\?[^"]*)"', page)
    links = {}
    for href in found:
        url = html.unescape(href)
        links[re.search(r"formato=(\w+)", url).group(1)] = url  # type: ignore[union-attr]
    return links


async def exported(client: httpx.AsyncClient, url: str) -> list[list[str]]:
    response = await client.get(url)
    assert response.status_code == 200, url
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def names(rows: list[list[str]]) -> list[str]:
    return [f"{r[0]} {r[1]}".strip() for r in rows[1:]]


async def fragment(client: httpx.AsyncClient, url: str, **params: str) -> str:
    response = await client.get(url, params=params, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text
    return response.text


# ---------------------------------------------------------------------------- export links


async def test_the_search_fragment_exports_what_it_shows(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    soci = await group_create(account_id=account.id, name="Soci")
    await add(account.id, "3351234561", "Anna", "Verdi", (soci,))
    await add(account.id, "3351234562", "Bruno", "Bianchi", (soci,))
    await add(account.id, "3351234563", "Anna", "Rossi")
    async with browser(app, account.id) as client:
        # The whole page: the links sit in the block the search replaces, nowhere else.
        page = (await client.get("/rubrica")).text
        results = page[page.index('id="results"') :]
        assert export_links(page) == export_links(results)
        assert names(await exported(client, export_links(page)["csv"])) == [
            "Anna Rossi",
            "Bruno Bianchi",
            "Anna Verdi",
        ]  # newest first, as the list shows them

        # Typing a search: the fragment's links carry it, and export only the matches.
        found = await fragment(client, "/rubrica", q="anna")
        links = export_links(found)
        assert set(links) == {"xlsx", "csv"}
        assert "q=anna" in links["csv"]
        assert names(await exported(client, links["csv"])) == ["Anna Rossi", "Anna Verdi"]

        # And the order: by surname.
        found = await fragment(client, "/rubrica", q="anna", ordina="cognome")
        links = export_links(found)
        assert "ordina=cognome" in links["csv"]
        assert names(await exported(client, links["csv"])) == ["Anna Rossi", "Anna Verdi"]
        found = await fragment(client, "/rubrica", ordina="cognome")
        assert names(await exported(client, export_links(found)["csv"])) == [
            "Bruno Bianchi",
            "Anna Rossi",
            "Anna Verdi",
        ]

        # The group filter changed: the links follow it.
        found = await fragment(client, "/rubrica", q="anna", gruppo=str(soci))
        links = export_links(found)
        assert f"gruppo={soci}" in links["csv"]
        assert names(await exported(client, links["csv"])) == ["Anna Verdi"]
        xlsx = await client.get(links["xlsx"])
        assert xlsx.status_code == 200
        assert 'filename="gruppo-Soci-' in xlsx.headers["content-disposition"]

        # A search that finds nothing offers nothing to export.
        assert export_links(await fragment(client, "/rubrica", q="zzz")) == {}


async def test_a_groups_member_list_exports_its_search(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    soci = await group_create(account_id=account.id, name="Soci")
    await add(account.id, "3351234571", "Carla", "Neri", (soci,))
    await add(account.id, "3351234572", "Carlo", "Bruni", (soci,))
    await add(account.id, "3351234573", "Carla", "Fuori")  # not in the group
    async with browser(app, account.id) as client:
        page = (await client.get(f"/gruppi/{soci}")).text
        assert names(await exported(client, export_links(page)["csv"])) == [
            "Carlo Bruni",
            "Carla Neri",
        ]
        found = await fragment(client, f"/gruppi/{soci}", q="carla")
        links = export_links(found)
        assert f"gruppo={soci}" in links["csv"] and "q=carla" in links["csv"]
        assert names(await exported(client, links["csv"])) == ["Carla Neri"]


# ---------------------------------------------------------------------------- back to the list


def contact_links(page: str, contact_id: int) -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'href="(/rubrica/{contact_id}[?/][^"]*)"', page)]


async def test_saving_a_contact_goes_back_to_the_list_it_came_from(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    soci = await group_create(account_id=account.id, name="Soci")
    anna = await add(account.id, "3351234581", "Anna", "Verdi", (soci,))
    back = f"/gruppi/{soci}?q=anna"
    async with browser(app, account.id) as client:
        found = await fragment(client, f"/gruppi/{soci}", q="anna")
        links = contact_links(found, anna)
        edit = httpx.URL(links[0])
        assert edit.path == f"/rubrica/{anna}" and edit.params["next"] == back
        delete = next(httpx.URL(u) for u in links if "/elimina" in u)
        assert delete.params["next"] == back

        form = (await client.get(str(edit))).text
        assert '<input type="hidden" name="next" value="/gruppi/' in form
        assert f'<a class="button button-quiet" href="{html.escape(back)}">Annulla</a>' in form
        fields = {
            "prefix": "39",
            "mobile": "3351234581",
            "first_name": "Annalisa",
            "groups": str(soci),
            "next": back,
        }
        saved = await post_form(client, f"/rubrica/{anna}", fields)
        assert saved.status_code == 303
        assert saved.headers["location"] == back
        back_page = (await client.get(back)).text
        assert "Contatto salvato." in text_of(back_page)
        assert contact_links(back_page, anna)  # still found by the same search
        # HTMX saves the same way.
        saved = await post_form(client, f"/rubrica/{anna}", fields, headers={"hx-request": "true"})
        assert saved.headers["hx-redirect"] == back
        # A mistake keeps the way back.
        wrong = await post_form(client, f"/rubrica/{anna}", {**fields, "mobile": "12"})
        assert wrong.status_code == 422
        assert '<input type="hidden" name="next" value="/gruppi/' in wrong.text

        # Adding from the group's page comes back to it too, also after "save and add another".
        group_page = (await client.get(f"/gruppi/{soci}")).text
        assert f'href="/rubrica/nuovo?gruppo={soci}&amp;next=%2Fgruppi%2F{soci}"' in group_page
        new = {"prefix": "39", "mobile": "3351234582", "groups": str(soci)}
        added = await post_form(client, "/rubrica/nuovo", {**new, "next": f"/gruppi/{soci}"})
        assert added.headers["location"] == f"/gruppi/{soci}"
        another = await post_form(
            client,
            "/rubrica/nuovo",
            {**new, "mobile": "3351234583", "next": f"/gruppi/{soci}", "altro": "1"},
        )
        assert another.headers["location"] == f"/rubrica/nuovo?next=%2Fgruppi%2F{soci}"
    contact = await contact_get(account.id, anna)
    assert contact is not None and contact.first_name == "Annalisa"


async def test_deleting_a_contact_goes_back_to_the_list_it_came_from(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    soci = await group_create(account_id=account.id, name="Soci")
    anna = await add(account.id, "3351234591", "Anna", "Verdi", (soci,))
    back = f"/gruppi/{soci}?q=anna&ordina=cognome"
    async with browser(app, account.id) as client:
        confirm = (await client.get(f"/rubrica/{anna}/elimina", params={"next": back})).text
        assert f'<input type="hidden" name="next" value="{html.escape(back)}">' in confirm
        gone = await post_form(client, f"/rubrica/{anna}/elimina", {"next": back})
        assert gone.status_code == 303
        assert gone.headers["location"] == back
        assert "Contatto eliminato dalla rubrica." in text_of((await client.get(back)).text)
    assert await contact_get(account.id, anna) is None


@pytest.mark.parametrize(
    "next_",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""],
)
async def test_a_next_that_leaves_the_site_goes_to_the_address_book(
    app: Litestar, make_account: MakeAccount, next_: str
) -> None:
    account = await make_account()
    anna = await add(account.id, "3351234601", "Anna")
    bruno = await add(account.id, "3351234602", "Bruno")
    async with browser(app, account.id) as client:
        form = (await client.get(f"/rubrica/{anna}", params={"next": next_})).text
        assert '<input type="hidden" name="next" value="/rubrica">' in form
        saved = await post_form(
            client, f"/rubrica/{anna}", {"prefix": "39", "mobile": "3351234601", "next": next_}
        )
        assert saved.headers["location"] == "/rubrica"
        gone = await post_form(client, f"/rubrica/{bruno}/elimina", {"next": next_})
        assert gone.headers["location"] == "/rubrica"
    assert await contacts_count(account.id) == 1


# ---------------------------------------------------------------------------- group counts


async def test_every_group_picker_shows_the_counts(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    soci = await group_create(account_id=account.id, name="Soci")
    vuoto = await group_create(account_id=account.id, name="Vuoto")
    first = await add(account.id, "3351234611", "Anna", groups=(soci,))
    await add(account.id, "3351234612", "Bruno", groups=(soci,))
    async with browser(app, account.id) as client:
        form = text_of((await client.get(f"/rubrica/{first}")).text)
        assert "Soci (2)" in form and "Vuoto (0)" in form
        form = text_of((await client.get("/rubrica/nuovo")).text)
        assert "Soci (2)" in form and "Vuoto (0)" in form
        imports = (await client.get("/rubrica/importa")).text
        assert f'<option value="{soci}">Soci (2)</option>' in imports
        assert f'<option value="{vuoto}">Vuoto (0)</option>' in imports
        # The bulk actions' group list, in the whole page and in a search's fragment.
        for page in (
            (await client.get("/rubrica")).text,
            await fragment(client, "/rubrica", q="anna"),
            await fragment(client, f"/gruppi/{soci}", q="bruno"),
        ):
            bulk = page[page.index('id="f-destinazione"') :]
            assert f'<option value="{soci}"' in bulk
            assert re.search(rf'<option value="{soci}"( selected)?>Soci \(2\)</option>', bulk)
            assert f'<option value="{vuoto}">Vuoto (0)</option>' in bulk
    # Empty groups count 0; another account's memberships never count.
    other = await make_account()
    await add(other.id, "3351234611", "Anna")
    counts = {g.name: g.members for g in await groups_list(account.id)}
    assert counts == {"Soci": 2, "Vuoto": 0}
    assert await groups_list(other.id) == []
    flagged = await group_create(account_id=account.id, name="Web", web_signup=True)
    await add(account.id, "3351234613", "Carla", groups=(flagged, soci))
    assert [(g.name, g.members) for g in await groups_list(account.id, web_signup_only=True)] == [
        ("Web", 1)
    ]
    assert {g.name: g.members for g in await groups_list(account.id)} == {
        "Soci": 3,
        "Vuoto": 0,
        "Web": 1,
    }


# ---------------------------------------------------------------------------- cleanup


async def test_cleanup_accepts_only_the_word_of_the_pages_language(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    await add(account.id, "3351234621", "Anna")
    async with browser(app, account.id) as client:
        wrong = await post_form(
            client, "/rubrica/pulizia", {"mode": "ungrouped", "conferma": "DELETE"}
        )
        assert wrong.status_code == 422
        assert error_of(wrong.text, "conferma") == "Per confermare scrivi ELIMINA."
    async with browser(app, account.id, locale="en") as client:
        wrong = await post_form(
            client, "/rubrica/pulizia", {"mode": "ungrouped", "conferma": "ELIMINA"}
        )
        assert wrong.status_code == 422
        assert "DELETE" in error_of(wrong.text, "conferma")
    assert await contacts_count(account.id) == 1


async def test_cleanup_says_how_many_went_in_good_grammar(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    kept = await group_create(account_id=account.id, name="Tenuti")
    await add(account.id, "3351234631", "Anna")
    await add(account.id, "3351234632", "Bruno", groups=(kept,))
    await add(account.id, "3351234633", "Carla", groups=(kept,))
    async with browser(app, account.id) as client:
        done = await post_form(
            client, "/rubrica/pulizia", {"mode": "ungrouped", "conferma": "elimina"}
        )
        assert done.status_code == 303
        page = text_of((await client.get("/rubrica")).text)
        assert "1 contatto eliminato." in page
        assert "gruppo eliminato" not in page and "gruppi eliminati" not in page
        done = await post_form(
            client, "/rubrica/pulizia", {"mode": "everything", "conferma": "ELIMINA"}
        )
        assert done.status_code == 303
        assert "2 contatti eliminati. 1 gruppo eliminato." in text_of(
            (await client.get("/rubrica")).text
        )
    async with browser(app, account.id, locale="en") as client:
        await add(account.id, "3351234634", "Dario")
        done = await post_form(
            client, "/rubrica/pulizia", {"mode": "everything", "conferma": "delete"}
        )
        assert done.status_code == 303
        page = text_of((await client.get("/rubrica")).text)
        assert "1 contact deleted." in page
    assert await contacts_count(account.id) == 0
