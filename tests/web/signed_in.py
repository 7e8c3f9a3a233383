"""Signed-in test browsers for panel pages: the app runs in the test's event loop (httpx's ASGI
transport) on the real database and the real Redis session store.

Signing in goes through a test-only route, `/test/signin/{account_id}`, that does what the login
page does once the password is checked (`start_session` with the account's locale, time zone and
session epoch; `?locale=` overrides the locale).
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
from litestar import Litestar, Request, Response, get
from web_helpers import csrf_token_of, plain

from corriere.platform.auth.login import SignedIn
from corriere.platform.db import database
from corriere.web.auth import start_session
from corriere.web.rendering import redirect


@get("/test/signin/{account_id:int}")
async def signin_for_tests(
    request: Request[Any, Any, Any], account_id: int, locale: str = "", timezone: str = ""
) -> Response[Any]:
    row = await database().fetchrow(
        "SELECT username, locale, timezone, session_epoch FROM account WHERE id = $1", account_id
    )
    assert row is not None
    start_session(
        request,
        SignedIn(
            account_id=account_id,
            username=row["username"],
            locale=locale or row["locale"],
            timezone=timezone or row["timezone"],
            session_epoch=int(row["session_epoch"]),
        ),
    )
    return redirect(request, "/")


@asynccontextmanager
async def browser(
    app: Litestar,
    account_id: int | None = None,
    *,
    lang: str = "it",
    ip: str = "127.0.0.1",
    **session: str,
) -> AsyncIterator[httpx.AsyncClient]:
    """A browser (from address `ip`), signed in as `account_id` when given; several may run at
    once (the app starts with the first and stops with the last)."""
    async with AsyncExitStack() as stack:
        if not app.state.get("test_browsers"):
            await stack.enter_async_context(app.lifespan())
        app.state["test_browsers"] = app.state.get("test_browsers", 0) + 1
        stack.callback(lambda: app.state.update(test_browsers=app.state["test_browsers"] - 1))
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(ip, 40000)),
                base_url="http://testserver.local",
                headers={"accept-language": lang},
            )
        )
        if account_id is not None:
            response = await client.get(f"/test/signin/{account_id}", params=session)
            assert response.status_code == 303
        yield client


async def token(client: httpx.AsyncClient, page: str = "/rubrica") -> str:
    return csrf_token_of((await client.get(page)).text)


async def post_form(
    client: httpx.AsyncClient, url: str, data: dict[str, Any] | list[tuple[str, str]], **kwargs: Any
) -> httpx.Response:
    """POST a form with the page's CSRF token (`data` as pairs when a field repeats)."""
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    pairs.append(("_csrf_token", await token(client)))
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        values = value if isinstance(value, list) else [value]
        form.setdefault(key, []).extend(str(v) for v in values)
    return await client.post(url, data=form, **kwargs)


def text_of(page: str) -> str:
    return " ".join(plain(html.unescape(re.sub(r"<[^>]+>", " ", page))).split())


def error_of(page: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="f-{field}-error">([^<]*)</p>', page)
    return plain(html.unescape(match.group(1))).strip() if match else ""
