"""One account cannot reach another's data: signed in as B, every route of the app that takes an
id or a token in its path or query is called, with GET and POST, with ids belonging to A. The
answer is 404 (or 403) and A's data is unchanged.

The routes come from `app.routes`, so a route added later is swept too; a path or query
parameter the sweep does not know fails the test until it is classified below. Public routes
(reachable without signing in by design) are listed with the reason they are skipped.

B also carries its own API credentials (HTTP Basic, an application password), so API routes
that take ids are swept as B's API calls.
"""

from __future__ import annotations

import base64
import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from signed_in import browser, signin_for_tests
from web_helpers import MakeApp, csrf_token_of

from corriere.platform.accounts.services import AccountCreated
from corriere.platform.auth.app_passwords import app_password_create
from corriere.platform.db import database

MakeAccount = Callable[..., Awaitable[AccountCreated]]

# Path and query parameters that name an account's data: the kind of A's row put there.
ID_PARAMS = {
    "contact_id": "contact",
    "group_id": "group",
    "import_id": "import",
    "app_password_id": "app_password",
    "variable_id": "variable",
}
QUERY_IDS = {"gruppo": "group"}
# Parameters that name nobody's data (a route with only these is not swept).
NOT_IDS = {
    "q": "search text",
    "ordina": "sort order",
    "pagina": "page number",
    "formato": "export format",
    "tipo": "kind of ledger entries",
    "dal": "first day",
    "al": "last day",
    "next": "a local path to go to after signing in",
    "next_": "a local path to go back to",
    "rest": "an unknown API path: 404 for everyone",
}
# Handler parameters that are not taken from the URL.
INJECTED = {"request", "account", "data", "socket", "state", "headers", "cookies", "scope", "self"}
# Routes meant to be reached without an account: not swept.
PUBLIC = {
    "/recupera/{token:str}": "the password-reset link: its token is the credential",
    "/iscrizione/{token:str}": "the public sign-up page, embedded on the owner's site",
    "/iscrizione/{token:str}/cancella": "the public sign-up page's unsubscribe form",
    "/iscrizione/{token:str}/widget.js": "the sign-up page's embedding script",
    "/lingua/{code:str}": "the language switcher: the code is a language",
    "/static/{file_path:path}": "static files",
    "/simulatore": "demo only: the simulated phones (`numero` is a phone number)",
    "/posta": "demo only: the local mail outbox",
}
# Form fields a POST may carry: confirmations and changes, so a route that skipped its check
# would visibly change A's data; ids of A's wherever a form names rows.
SECRET = "Segreto-di-A"


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    return make_app(route_handlers=[signin_for_tests])


async def _post(client: httpx.AsyncClient, url: str, data: Any, **kwargs: Any) -> httpx.Response:
    token = csrf_token_of((await client.get("/account")).text)
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    form: dict[str, list[str]] = {}
    for name, value in [*pairs, ("_csrf_token", token)]:
        form.setdefault(name, []).append(value)
    return await client.post(url, data=form, **kwargs)


async def _one(sql: str, *args: Any) -> int:
    value = await database().fetchval(sql, *args)
    assert value is not None, sql
    return int(value)


async def make_as_data(
    app: Litestar, account: AccountCreated, other: AccountCreated
) -> dict[str, int]:
    """A's data, made through A's own pages: ids by kind."""
    a = account.id
    async with browser(app, a) as client:
        r = await _post(client, "/gruppi", {"name": f"Gruppo {SECRET}", "signature": ""})
        assert r.status_code == 303, r.text
        group = await _one("SELECT id FROM contact_group WHERE account = $1", a)
        for n, name in enumerate(("Alfa", "Beta")):
            form = {
                "prefix": "39",
                "mobile": f"34790000{n:02d}",
                "first_name": name,
                "last_name": SECRET,
                "groups": str(group),
            }
            r = await _post(client, "/rubrica/nuovo", form)
            assert r.status_code == 303, r.text
        r = await _post(client, "/extra/variabili", {"name": "segreto_a", "description": SECRET})
        assert r.status_code == 303, r.text
        token = csrf_token_of((await client.get("/account")).text)
        r = await client.post(
            "/rubrica/importa",
            files={  # multipart, as the page sends it
                name: (None, value.encode())
                for name, value in (
                    ("mode", "prefix"),
                    ("prefix", "39"),
                    ("target", "book"),
                    ("pasted", "3479000099\n"),
                )
            },
            headers={"x-csrftoken": token},
        )
        assert r.status_code in (200, 303), r.text
        r = await _post(client, "/account/password-applicative", {"label": f"Chiave {SECRET}"})
        assert r.status_code == 200, r.text
        assert (await client.get("/extra/iscrizione")).status_code == 200  # A's sign-up page
        r = await _post(client, "/bacheca/alert", {"thresholds": "5", "emails": "a@example.com"})
        assert r.status_code == 303, r.text
        r = await _post(client, "/bacheca/sposta", {"amount": "1", "username": other.username})
        r = await _post(
            client,
            "/bacheca/sposta/conferma",
            {"amount": "1.0000", "username": other.username, "azione": "conferma"},
        )
        assert r.status_code == 303, r.text
    return {
        "group": group,
        "contact": await _one("SELECT min(id) FROM contact WHERE account = $1", a),
        "import": await _one("SELECT id FROM contact_import WHERE account = $1", a),
        "app_password": await _one("SELECT id FROM app_password WHERE account = $1", a),
        "variable": await _one("SELECT id FROM custom_variable WHERE account = $1", a),
    }


SNAPSHOT = {
    "account": "SELECT username, email, mobile, first_name, last_name, balance, status,"
    " default_prefix, locale, timezone, session_epoch FROM account WHERE id = $1",
    "contact": "SELECT * FROM contact WHERE account = $1 ORDER BY id",
    "contact_group": "SELECT * FROM contact_group WHERE account = $1 ORDER BY id",
    "group_member": "SELECT m.contact_group, m.contact FROM group_member m JOIN contact c"
    " ON c.id = m.contact WHERE c.account = $1 ORDER BY 1, 2",
    "custom_variable": "SELECT * FROM custom_variable WHERE account = $1 ORDER BY id",
    "contact_import": "SELECT id, status FROM contact_import WHERE account = $1 ORDER BY id",
    "app_password": "SELECT id, label, prefix, revoked_at FROM app_password WHERE account = $1",
    "ledger_entry": "SELECT * FROM ledger_entry WHERE account = $1 ORDER BY id",
    "signup_form": "SELECT * FROM signup_form WHERE account = $1",
    "credit_alert": "SELECT * FROM credit_alert WHERE account = $1",
}


async def snapshot(account_id: int) -> dict[str, list[dict[str, Any]]]:
    return {name: await database().fetch(sql, account_id) for name, sql in SNAPSHOT.items()}


def url_parameters(route: HTTPRoute, handler: Any) -> tuple[list[str], list[str]]:
    """(path parameters, query parameters) of one handler."""
    path = list(route.path_parameters)  # their names
    signature = inspect.signature(handler.fn)
    query = [n for n in signature.parameters if n not in INJECTED and n not in path]
    return path, query


def sweep_targets(app: Litestar) -> list[tuple[str, str, list[str], list[str]]]:
    """(method, path, path params, query params) of every route to sweep; fails on a parameter
    nobody classified."""
    targets = []
    unknown = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path in PUBLIC:
            continue
        if route.path.startswith("/test/"):  # the tests' own helpers (signing in)
            continue
        for handler in route.route_handlers:
            methods = sorted(set(handler.http_methods) & {"GET", "POST", "PUT", "PATCH", "DELETE"})
            if not methods:
                continue
            path, query = url_parameters(route, handler)
            for name in path:
                if name not in ID_PARAMS and name not in NOT_IDS:
                    unknown.append(f"{route.path}: path parameter {name!r}")
            for name in query:
                if name not in QUERY_IDS and name not in NOT_IDS:
                    unknown.append(f"{route.path}: query parameter {name!r}")
            ids = [n for n in path if n in ID_PARAMS] + [n for n in query if n in QUERY_IDS]
            if ids:
                targets.extend((m, route.path, path, query) for m in methods)
    assert not unknown, "classify these in the sweep (ID_PARAMS, QUERY_IDS, NOT_IDS, PUBLIC):\n" + (
        "\n".join(unknown)
    )
    return targets


def concrete(path: str, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(ids[ID_PARAMS[name]]) if name in ID_PARAMS else "x"

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


def post_fields(ids: dict[str, int]) -> list[tuple[str, str]]:
    """What a form could send: confirmations, new values, and A's ids in every id field."""
    return [
        ("conferma", "1"),
        ("azione", "conferma"),
        ("attiva", "0"),
        ("name", f"Preso {SECRET}"),
        ("signature", "rubato"),
        ("first_name", "Preso"),
        ("last_name", "Preso"),
        ("prefix", "39"),
        ("mobile", "3479000077"),
        ("label", "Presa"),
        ("groups", str(ids["group"])),
        ("group", str(ids["group"])),
        ("gruppo", str(ids["group"])),
        ("destinazione", str(ids["group"])),
        ("id", str(ids["contact"])),
    ]


async def test_account_b_reaches_nothing_of_account_a(
    app: Litestar, make_account: MakeAccount
) -> None:
    a, b = await make_account(credits="50"), await make_account(credits="50")
    ids = await make_as_data(app, a, b)
    key = await app_password_create(account_id=b.id, label="Sweep")
    basic = base64.b64encode(f"{b.username}:{key.secret}".encode()).decode()
    before = await snapshot(a.id)
    targets = sweep_targets(app)
    swept = {(method, path) for method, path, _p, _q in targets}
    # The sweep covers the routes known today (a renamed route must not drop out silently).
    for expected in (
        ("GET", "/rubrica/{contact_id:int}"),
        ("POST", "/rubrica/{contact_id:int}/elimina"),
        ("GET", "/gruppi/{group_id:int}"),
        ("POST", "/gruppi/{group_id:int}/modifica"),
        ("GET", "/rubrica/importa/{import_id:int}/scartati.csv"),
        ("POST", "/account/password-applicative/{app_password_id:int}/revoca"),
        ("POST", "/extra/variabili/{variable_id:int}/stato"),
        ("GET", "/rubrica"),
    ):
        assert expected in swept, expected
    failures = []
    async with browser(app, b.id) as client:
        client.headers["authorization"] = f"Basic {basic}"
        for method, path, _path_params, query in targets:
            url = concrete(path, ids)
            params = {n: str(ids[QUERY_IDS[n]]) for n in query if n in QUERY_IDS}
            if method == "GET":
                response = await client.get(url, params=params)
            else:
                token = csrf_token_of((await client.get("/account")).text)
                response = await client.request(
                    method,
                    url,
                    params=params,
                    data=dict(post_fields(ids)),
                    headers={"x-csrftoken": token},
                )
            if response.status_code in (403, 404):
                continue
            failures.append(f"{method} {url} {params}: {response.status_code}")
        # Ids of A's in form fields of B's own forms change nothing of A's either.
        for url in ("/rubrica/azioni", "/rubrica/nuovo", "/gruppi", "/extra/variabili"):
            await _post(client, url, post_fields(ids))
        for action in ("elimina", "aggiungi", "rimuovi"):
            fields = [f for f in post_fields(ids) if f[0] != "azione"] + [("azione", action)]
            await _post(client, "/rubrica/azioni", fields)
    assert not failures, "\n".join(failures)
    assert await snapshot(a.id) == before
    # B made nothing with A's rows either: no contact of B's sits in A's group.
    assert (
        await database().fetchval(
            "SELECT count(*) FROM group_member m JOIN contact c ON c.id = m.contact"
            " WHERE m.contact_group = $1 AND c.account = $2",
            ids["group"],
            b.id,
        )
        == 0
    )
