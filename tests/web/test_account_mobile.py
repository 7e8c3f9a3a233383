"""Changing the mobile number on the Account page: the new number gets a code by SMS, through
the real pipeline (the workers on real Redis, the gateway bound over TCP to the SMSC simulator),
and replaces the old one only once the code is typed; the activation code's limits apply.

The app runs in the test's event loop (httpx's ASGI transport), as the simulator and the
workers do; codes are read off the simulator, as a phone would show them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from signed_in import browser, error_of, signin_for_tests, text_of
from web_helpers import MakeApp, csrf_token_of, html_lang

from corriere.gateway.smsc_sim.server import SmscSimulator
from corriere.platform.accounts.queries import account_profile_get
from corriere.platform.accounts.services import AccountCreated
from corriere.platform.clock import utcnow
from corriere.platform.db import database
from corriere.platform.settings import Settings
from e2e.conftest import Pipeline, wait_for

MakeAccount = Callable[..., Awaitable[AccountCreated]]
_numbers = iter(range(1000, 9999))


@pytest.fixture
async def pipeline(
    settings: Settings, clean_redis: str, smsc: SmscSimulator, db: Any
) -> AsyncIterator[Pipeline]:
    first = int(await database().fetchval("SELECT coalesce(max(id), 0) FROM message")) + 1
    running = Pipeline(settings, clean_redis)
    await running.start()
    await running.wait_bound()
    yield running

    # Stop with nothing in flight: the receipts of the codes recorded first, then the gateway
    # (whose shutdown writes what it still holds) before the worker that dispatches.
    async def settled() -> bool:
        waiting = await database().fetchval(
            "SELECT count(*) FROM message WHERE id >= $1 AND state IN ('queued', 'submitted')",
            first,
        )
        return int(waiting) == 0

    await wait_for(settled, timeout=10)
    running.workers.reverse()
    await running.stop()


@pytest.fixture
def app(make_app: MakeApp, db: Any) -> Litestar:
    """Without workers: the codes wait in the database (tests that need no phone)."""
    return make_app(route_handlers=[signin_for_tests])


@pytest.fixture
def piped_app(make_app: MakeApp, db: Any, pipeline: Pipeline) -> Litestar:
    """With the workers: the codes reach the simulator's phones."""
    return make_app(route_handlers=[signin_for_tests], scheduler=pipeline.scheduler)


def new_number() -> tuple[str, str]:
    """(as typed in the form, as stored) for a number nobody used yet."""
    n = next(_numbers)
    return f"347 555 {n}", f"+39347555{n}"


async def post_form(client: httpx.AsyncClient, url: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_token_of((await client.get("/account")).text)
    return await client.post(url, data={**data, "_csrf_token": token})


async def profile_form(account_id: int, **changes: str) -> dict[str, str]:
    profile = await account_profile_get(account_id)
    assert profile is not None
    form = {
        "email": profile.email,
        "mobile": profile.mobile,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "default_prefix": profile.default_prefix,
        "locale": profile.locale,
        "timezone": profile.timezone,
    }
    return {**form, **changes}


async def mobile_of(account_id: int) -> str:
    profile = await account_profile_get(account_id)
    assert profile is not None
    return profile.mobile


async def code_on_phone(smsc: SmscSimulator, number: str, *, count: int = 1) -> str:
    """The code in the newest SMS `number` received (waiting for the `count`-th to arrive)."""

    async def arrived() -> bool:
        return len(smsc.messages_for(number)) >= count

    await wait_for(arrived, timeout=20)
    text = smsc.messages_for(number)[0].text
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


async def allow_resend(account_id: int) -> None:
    """A minute has passed since the last code."""
    async with database().transaction() as tx:
        await tx.execute(
            "UPDATE activation_code SET last_sent_at = $1 WHERE account = $2",
            utcnow() - timedelta(minutes=2),
            account_id,
        )


async def test_a_new_mobile_needs_the_code_sent_to_it(
    piped_app: Litestar, make_account: MakeAccount, smsc: SmscSimulator
) -> None:
    account = await make_account()
    old = await mobile_of(account.id)
    typed, new = new_number()
    async with browser(piped_app, account.id) as client:
        form = await profile_form(account.id, mobile=typed, first_name="Maria")
        response = await post_form(client, "/account/dati", form)
        assert response.status_code == 303
        assert response.headers["location"] == "/account#mobile-change"
        page = (await client.get("/account")).text
        text = text_of(page)
        assert f"Il nuovo numero {new} sarà usato dopo la conferma" in text
        assert "Conferma il nuovo numero" in text
        assert f"via SMS al {new}" in text and f"resta valido il numero {old}" in text
        # The rest of the form is saved; the number is not, yet.
        profile = await account_profile_get(account.id)
        assert profile is not None and profile.first_name == "Maria" and profile.mobile == old
        assert 'id="f-mobile" name="mobile"' in page and f'value="{old}"' in page

        code = await code_on_phone(smsc, new)
        text = smsc.messages_for(new)[0].text
        assert "nuovo numero" in text and "Scade tra 30 minuti" in text
        assert smsc.messages_for(old) == []  # the old phone gets nothing

        wrong = "000000" if code != "000000" else "111111"
        response = await post_form(client, "/account/cellulare", {"code": wrong})
        assert response.status_code == 422
        assert error_of(response.text, "code") == "Codice non corretto: restano 4 tentativi"
        assert await mobile_of(account.id) == old

        response = await post_form(
            client, "/account/cellulare", {"code": f" {code[:3]} {code[3:]}"}
        )
        assert response.status_code == 303 and response.headers["location"] == "/account"
        page = (await client.get("/account")).text
        assert f"Numero di cellulare confermato: {new}." in text_of(page)
        assert 'id="mobile-change"' not in page
    assert await mobile_of(account.id) == new


async def test_resend_wait_expiry_and_cancel_in_english(
    piped_app: Litestar, make_account: MakeAccount, smsc: SmscSimulator
) -> None:
    account = await make_account()
    old = await mobile_of(account.id)
    typed, new = new_number()
    async with browser(piped_app, account.id, locale="en") as client:
        form = await profile_form(account.id, mobile=f"+39{typed}", locale="en")
        response = await post_form(client, "/account/dati", form)
        assert response.status_code == 303
        page = (await client.get("/account")).text
        assert html_lang(page) == "en"
        assert f"The new number {new} will be used once confirmed" in text_of(page)
        first = await code_on_phone(smsc, new)
        assert "your new number" in smsc.messages_for(new)[0].text

        # Too soon for another code.
        response = await post_form(client, "/account/cellulare/codice", {})
        assert response.status_code == 429
        assert re.fullmatch(
            r"Wait \d+ seconds? before asking for a new code", error_of(response.text, "code")
        )
        # A minute later: a new code, and the first one stops working.
        await allow_resend(account.id)
        response = await post_form(client, "/account/cellulare/codice", {})
        assert response.status_code == 303
        second = await code_on_phone(smsc, new, count=2)
        if first != second:
            response = await post_form(client, "/account/cellulare", {"code": first})
            assert error_of(response.text, "code") == "Wrong code: 4 attempts left"

        # An expired code says so.
        async with database().transaction() as tx:
            await tx.execute(
                "UPDATE activation_code SET expires_at = $1 WHERE account = $2",
                utcnow() - timedelta(seconds=1),
                account.id,
            )
        response = await post_form(client, "/account/cellulare", {"code": second})
        assert response.status_code == 422
        assert error_of(response.text, "code") == "The code has expired: ask for a new one"

        response = await post_form(client, "/account/cellulare/annulla", {})
        assert response.status_code == 303
        page = (await client.get("/account")).text
        assert f"Change of number cancelled: {old} is still your number." in text_of(page)
        assert 'id="mobile-change"' not in page
        # A page left open elsewhere: nothing to confirm any more.
        response = await post_form(client, "/account/cellulare", {"code": second})
        assert response.status_code == 303
        assert "No change of number to confirm" in text_of((await client.get("/account")).text)

        # Cancelling does not reset the limits: another number at once must wait too.
        _typed, other = new_number()
        response = await post_form(client, "/account/dati", {**form, "mobile": other})
        assert response.status_code == 422
        assert error_of(response.text, "mobile").startswith("Wait ")
    assert await mobile_of(account.id) == old


async def test_wrong_codes_run_out(
    piped_app: Litestar, make_account: MakeAccount, smsc: SmscSimulator
) -> None:
    account = await make_account()
    old = await mobile_of(account.id)
    typed, new = new_number()
    async with browser(piped_app, account.id, locale="en") as client:
        form = await profile_form(account.id, mobile=typed, locale="en")
        await post_form(client, "/account/dati", form)
        code = await code_on_phone(smsc, new)
        wrong = "000000" if code != "000000" else "111111"
        messages = []
        for _ in range(5):
            response = await post_form(client, "/account/cellulare", {"code": wrong})
            messages.append(error_of(response.text, "code"))
        assert messages == [
            "Wrong code: 4 attempts left",
            "Wrong code: 3 attempts left",
            "Wrong code: 2 attempts left",
            "Wrong code: 1 attempt left",
            "Wrong code. You have no attempts left: ask for a new code",
        ]
        response = await post_form(client, "/account/cellulare", {"code": code})
        assert response.status_code == 429
        assert error_of(response.text, "code") == "Too many wrong attempts: ask for a new code"
    assert await mobile_of(account.id) == old


async def test_the_hourly_limit_of_codes(app: Litestar, make_account: MakeAccount) -> None:
    account = await make_account()
    typed, new = new_number()
    async with browser(app, account.id) as client:
        await post_form(client, "/account/dati", await profile_form(account.id, mobile=typed))
        for _ in range(4):  # 5 codes in all
            await allow_resend(account.id)
            response = await post_form(client, "/account/cellulare/codice", {})
            assert response.status_code == 303
        await allow_resend(account.id)
        response = await post_form(client, "/account/cellulare/codice", {})
        assert response.status_code == 429
        assert error_of(response.text, "code") == (
            "Hai richiesto troppi codici: riprova tra un'ora o contatta l'assistenza"
        )
        sent = await database().fetchval(
            "SELECT count(*) FROM campaign c JOIN message m ON m.campaign = c.id"
            " WHERE m.recipient = $1",
            new,
        )
        assert sent == 5


async def test_a_bad_new_number_is_refused_and_nothing_is_sent(
    app: Litestar, make_account: MakeAccount
) -> None:
    account = await make_account()
    old = await mobile_of(account.id)
    before = await database().fetchval("SELECT count(*) FROM campaign")
    async with browser(app, account.id) as client:
        for typed, message in (
            ("0612345678", "Numero di cellulare non valido: non è un numero di cellulare"),
            ("34x", "Numero di cellulare non valido: contiene caratteri non numerici"),
        ):
            form = await profile_form(account.id, mobile=typed, first_name="Cambiato")
            response = await post_form(client, "/account/dati", form)
            assert response.status_code == 422
            assert error_of(response.text, "mobile") == message
        # Nothing pending: the confirmation form is not offered, its actions answer plainly.
        assert 'id="mobile-change"' not in (await client.get("/account")).text
        for url, data in (
            ("/account/cellulare", {"code": "123456"}),
            ("/account/cellulare/codice", {}),
        ):
            response = await post_form(client, url, data)
            assert response.status_code == 303
            page = (await client.get("/account")).text
            assert "Nessun cambio di numero da confermare" in text_of(page)
    assert await mobile_of(account.id) == old
    assert await database().fetchval("SELECT count(*) FROM campaign") == before
    profile = await account_profile_get(account.id)
    assert profile is not None and profile.first_name == "Mario"  # nothing half-saved
