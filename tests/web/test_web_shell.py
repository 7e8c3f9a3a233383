"""The panel's shell: pages, languages, sessions in Redis, CSRF, HTMX blocks, security headers."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest
from litestar import get
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from web_helpers import Client, MakeApp, csrf_token_of, html_lang, plain

from corriere.platform.settings import Settings
from corriere.web.sections import PLACEHOLDERS

COMING_SOON = [
    ("/invio", "Invio SMS", "Send SMS"),
    ("/sms20", "SMS 2.0", "SMS 2.0"),
    ("/ricezione", "Ricezione Free", "Free Inbound"),
    ("/risposte", "Risposte Free", "Free Replies"),
    ("/archivio", "Archivio", "Archive"),
    ("/statistiche", "Statistiche", "Statistics"),
]
NAV_IT = ["Pannello", "Invio SMS", "Ricezione Free", "Risposte Free", "Rubrica", "Archivio"]
NAV_EN = ["Dashboard", "Send SMS", "Free Inbound", "Free Replies", "Address book", "Archive"]


def set_cookies(response_headers: list[str], name: str) -> str:
    """The raw Set-Cookie header for `name` (flags included)."""
    for header in response_headers:
        if header.split("=", 1)[0].strip() == name:
            return header
    raise AssertionError(f"no Set-Cookie for {name}: {response_headers}")


async def test_home_in_italian_by_default(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    assert html_lang(html) == "it"
    assert "Corriere, la console SMS per le aziende" in html
    assert "Tipologie SMS" in html
    for label in NAV_IT:
        assert f">{label}</a>" in html
    # credits in Italian notation, from integer units
    assert "0,6250 crediti" in html
    assert 'href="/accesso"' in html and 'href="/registrazione"' in html
    assert 'formaction="/lingua/it"' in html and 'formaction="/lingua/en"' in html


async def test_home_in_english_from_accept_language(client: Client) -> None:
    response = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,it;q=0.5"})
    html = response.text
    assert html_lang(html) == "en"
    assert "Corriere, the SMS console for businesses" in html
    assert "SMS types" in html and "Tipologie SMS" not in html
    for label in NAV_EN:
        assert f">{label}</a>" in html
    assert "0.6250 credits" in html
    assert ">Log in</a>" in html and ">Sign up</a>" in html


async def test_unsupported_browser_language_falls_back_to_default(client: Client) -> None:
    response = await client.get("/", headers={"Accept-Language": "de-DE,fr;q=0.8"})
    assert html_lang(response.text) == "it"
    response = await client.get("/", headers={"Accept-Language": "de-DE,en;q=0.3"})
    assert html_lang(response.text) == "en"


async def test_default_locale_from_settings(make_app: MakeApp, settings: Settings) -> None:
    english = settings.model_copy(update={"default_locale": "en"})
    async with AsyncTestClient(make_app(english)) as client:
        response = await client.get("/")
        assert html_lang(response.text) == "en"


@pytest.mark.parametrize(("path", "italian", "english"), COMING_SOON)
async def test_coming_soon_pages(client: Client, path: str, italian: str, english: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert html_lang(response.text) == "it"
    assert f"<h1>{italian}</h1>" in response.text
    assert "In arrivo" in response.text
    assert "Questa sezione è in preparazione" in response.text

    response = await client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert html_lang(response.text) == "en"
    assert f"<h1>{english}</h1>" in response.text
    assert "Coming soon" in response.text
    assert "This section is being prepared" in response.text


async def test_coming_soon_marks_current_section(client: Client) -> None:
    html = (await client.get("/archivio")).text
    assert '<a href="/archivio" aria-current="page">Archivio</a>' in html
    assert '<a href="/" aria-current="page">' not in html


async def test_real_handler_replaces_placeholder(make_app: MakeApp) -> None:
    @get("/archivio", sync_to_thread=False)
    def archive() -> str:
        return "the real archive"

    async with AsyncTestClient(make_app(route_handlers=[archive])) as client:
        assert (await client.get("/archivio")).text == "the real archive"
        assert "In arrivo" in (await client.get("/statistiche")).text


def test_every_placeholder_is_distinct() -> None:
    paths = [s.path for s in PLACEHOLDERS]
    assert len(paths) == len(set(paths))
    assert {p for p, _, _ in COMING_SOON} <= set(paths)


async def test_language_switcher_sets_cookie_and_goes_back(client: Client) -> None:
    page = await client.get("/archivio")
    token = csrf_token_of(page.text)
    response = await client.post(
        "/lingua/en", data={"_csrf_token": token, "next": "/archivio"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/archivio"
    cookie = set_cookies(response.headers.get_list("set-cookie"), "lang")
    assert "lang=en" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie

    page = await client.get("/archivio")
    assert html_lang(page.text) == "en"
    assert "<h1>Archive</h1>" in page.text
    assert "Language: English" in page.text  # the flash, in the new language
    # the cookie wins over the browser's language
    page = await client.get("/", headers={"Accept-Language": "it"})
    assert html_lang(page.text) == "en"

    token = csrf_token_of(page.text)
    await client.post("/lingua/it", data={"_csrf_token": token, "next": "/"})
    assert html_lang((await client.get("/")).text) == "it"


async def test_language_switcher_refuses_offsite_next(client: Client) -> None:
    token = csrf_token_of((await client.get("/")).text)
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = await client.post(
            "/lingua/en", data={"_csrf_token": token, "next": evil}, follow_redirects=False
        )
        assert response.headers["location"] == "/"


async def test_language_switcher_needs_csrf_token(client: Client) -> None:
    await client.get("/")
    response = await client.post("/lingua/en", data={"next": "/"}, follow_redirects=False)
    assert response.status_code == 403
    assert "lang=" not in (response.headers.get("set-cookie") or "")


async def test_unknown_language_is_404(client: Client) -> None:
    token = csrf_token_of((await client.get("/")).text)
    response = await client.post("/lingua/de", data={"_csrf_token": token})
    assert response.status_code == 404


async def test_session_locale_wins_and_switcher_updates_it(client: Client) -> None:
    await client.get("/test/login?locale=en")
    page = await client.get("/", headers={"Accept-Language": "it"})
    assert html_lang(page.text) == "en"
    assert "mario.rossi" in page.text
    assert "Hello mario.rossi" in page.text
    assert 'action="/uscita"' in page.text and ">Log out</button>" in page.text

    # the switcher changes the logged-in user's session preference, not only the cookie
    response = await client.post(
        "/lingua/it", data={"_csrf_token": csrf_token_of(page.text), "next": "/"}
    )
    assert html_lang(response.text) == "it"
    client.cookies.delete("lang")
    assert html_lang((await client.get("/", headers={"Accept-Language": "en"})).text) == "it"


async def test_anonymous_visits_store_no_session(
    client: Client, redis_client: Redis, session_namespace: str
) -> None:
    for path in ("/", "/invio", "/static/corriere.css", "/non-esiste"):
        response = await client.get(path)
        assert "corriere_session" not in (response.headers.get("set-cookie") or ""), path
    assert await redis_client.keys(f"{session_namespace}:*") == []


async def test_sessions_live_in_redis(
    client: Client, redis_client: Redis, session_namespace: str
) -> None:
    response = await client.get("/test/login", follow_redirects=False)
    session_id = SimpleCookie(
        set_cookies(response.headers.get_list("set-cookie"), "corriere_session")
    )["corriere_session"].value
    stored = await redis_client.get(f"{session_namespace}:{session_id}")
    assert stored is not None and b"mario.rossi" in stored


async def test_login_and_logout_renew_the_session_id(
    client: Client, redis_client: Redis, session_namespace: str
) -> None:
    await client.get("/test/flash", follow_redirects=False)  # an anonymous session first
    before = client.cookies.get("corriere_session")
    assert before and before != "null"
    assert await redis_client.get(f"{session_namespace}:{before}") is not None
    await client.get("/test/login")
    after_login = client.cookies.get("corriere_session")
    assert after_login and after_login != before
    assert await redis_client.get(f"{session_namespace}:{before}") is None

    page = await client.get("/")
    response = await client.post("/uscita", data={"_csrf_token": csrf_token_of(page.text)})
    assert response.status_code == 200
    assert "Sei uscito dal pannello." in response.text
    assert "mario.rossi" not in response.text
    assert 'href="/accesso"' in response.text
    assert client.cookies.get("corriere_session") != after_login
    assert await redis_client.get(f"{session_namespace}:{after_login}") is None


async def test_session_cookie_flags(client: Client) -> None:
    response = await client.get("/test/login", follow_redirects=False)
    cookie = set_cookies(response.headers.get_list("set-cookie"), "corriere_session")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # served over http in this configuration

    csrf = set_cookies(response.headers.get_list("set-cookie"), "csrftoken")
    assert "HttpOnly" in csrf and "SameSite=strict" in csrf


async def test_cookies_are_secure_behind_https(make_app: MakeApp, settings: Settings) -> None:
    https = settings.model_copy(update={"public_base_url": "https://sms.example.com"})
    async with AsyncTestClient(make_app(https), base_url="https://testserver.local") as client:
        response = await client.get("/test/login", follow_redirects=False)
        set_cookie = response.headers.get_list("set-cookie")
        assert "Secure" in set_cookies(set_cookie, "corriere_session")
        assert "Secure" in set_cookies(set_cookie, "csrftoken")
        page = await client.get("/")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        response = await client.post(
            "/lingua/en",
            data={"_csrf_token": csrf_token_of(page.text), "next": "/"},
            follow_redirects=False,
        )
        assert "Secure" in set_cookies(response.headers.get_list("set-cookie"), "lang")


async def test_flash_shown_once_and_escaped(client: Client) -> None:
    page = await client.get("/test/flash")
    assert page.status_code == 200
    assert 'class="alert alert-success" role="status"' in page.text
    assert "Operazione riuscita &lt;b&gt;ok&lt;/b&gt;" in page.text
    assert "Operazione riuscita" not in (await client.get("/")).text


async def test_post_without_csrf_token_is_refused(client: Client) -> None:
    await client.get("/")  # has the cookie, but sends no token
    response = await client.post("/test/echo", data={"x": "1"})
    assert response.status_code == 403
    assert html_lang(response.text) == "it"
    assert "<h1>Modulo scaduto</h1>" in response.text
    assert 'class="site-header"' in response.text  # in the panel's layout

    response = await client.post("/test/echo", data={"x": "1"}, headers={"Accept-Language": "en"})
    assert response.status_code == 403
    assert "<h1>Form expired</h1>" in response.text
    assert "Reload the page and try again" in response.text


async def test_post_with_a_wrong_token_is_refused(client: Client) -> None:
    await client.get("/")
    response = await client.post("/test/echo", data={"_csrf_token": "0" * 128})
    assert response.status_code == 403


async def test_post_with_csrf_token_works(client: Client) -> None:
    token = csrf_token_of((await client.get("/")).text)
    assert (await client.post("/test/echo", data={"_csrf_token": token})).text == "ok"
    # HTMX sends it as a header (static/corriere.js)
    response = await client.post("/test/echo", headers={"x-csrftoken": token, "HX-Request": "true"})
    assert response.text == "ok"


async def test_csrf_exempt_route(client: Client) -> None:
    response = await client.post("/test/webhook", content=b"{}")
    assert response.status_code == 201
    assert response.text == "received"


async def test_htmx_gets_only_the_targeted_block(client: Client) -> None:
    full = await client.get("/", headers={"HX-Request": "true"})
    assert "<html" in full.text  # no block named, no matching target: the page
    assert "HX-Request" in full.headers["vary"]

    fragment = await client.get("/", headers={"HX-Request": "true", "HX-Target": "sms-types"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section class="card" id="sms-types">')
    assert "<html" not in fragment.text and "site-header" not in fragment.text
    assert "0,6250 crediti" in fragment.text

    # boosted navigation and history restores want whole pages
    boosted = await client.get(
        "/", headers={"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "sms-types"}
    )
    assert "<html" in boosted.text
    restore = await client.get(
        "/",
        headers={
            "HX-Request": "true",
            "HX-History-Restore-Request": "true",
            "HX-Target": "sms-types",
        },
    )
    assert "<html" in restore.text


async def test_htmx_block_carries_pending_flashes_out_of_band(client: Client) -> None:
    await client.get("/test/flash", follow_redirects=False)
    fragment = await client.get("/", headers={"HX-Request": "true", "HX-Target": "sms-types"})
    assert '<div id="flashes" class="flashes" aria-live="polite" hx-swap-oob="true">' in (
        fragment.text
    )
    assert "Operazione riuscita" in fragment.text


async def test_htmx_redirect_uses_hx_redirect(client: Client) -> None:
    token = csrf_token_of((await client.get("/")).text)
    response = await client.post(
        "/lingua/en",
        data={"_csrf_token": token, "next": "/gruppi"},
        headers={"HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/gruppi"


async def test_security_headers(client: Client) -> None:
    for path in ("/", "/invio", "/static/corriere.css", "/does-not-exist"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'", path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert directives["frame-ancestors"] == "'none'"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain http here


async def test_no_api_viewer_pages(client: Client) -> None:
    # Litestar's schema viewers would load their scripts from CDNs.
    for path in ("/schema", "/schema/swagger", "/schema/openapi.json"):
        assert (await client.get(path)).status_code == 404, path


async def test_route_can_opt_in_to_embedding(client: Client) -> None:
    response = await client.get("/test/embed")
    assert "x-frame-options" not in response.headers
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/", "/invio", "/does-not-exist", "/test/boom"])
async def test_pages_have_no_inline_scripts_or_styles(client: Client, path: str) -> None:
    html = (await client.get(path)).text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all(" src=" in tag for tag in scripts)
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None  # no inline body
    assert " style=" not in html and "<style" not in html
    assert re.search(r"\son[a-z]+=", html) is None  # no inline event handlers


async def test_formatting_per_locale_and_time_zone(client: Client) -> None:
    italian = plain((await client.get("/test/format")).text).split("|")
    assert italian == [
        "02/06/25, 00:30",
        "2 giugno 2025",
        "1.234,56 €",
        "1.234,5678",
        "1.234.567,891",
        "3,00",
    ]
    english = plain((await client.get("/test/format", headers={"Accept-Language": "en"})).text)
    assert english.split("|") == [
        "6/2/25, 12:30 AM",
        "June 2, 2025",
        "€1,234.56",
        "1,234.5678",
        "1,234,567.891",
        "3.00",
    ]
    # the user's time zone from the session: still 1 June in New York
    await client.get("/test/login?timezone=America/New_York")
    italian = plain((await client.get("/test/format")).text).split("|")
    assert italian[:2] == ["01/06/25, 18:30", "1 giugno 2025"]


async def test_static_assets(client: Client) -> None:
    js = await client.get("/static/corriere.js")
    assert js.status_code == 200
    assert "htmx:configRequest" in js.text and "X-CSRFToken" in js.text
    assert (await client.get("/static/htmx.min.js")).status_code == 200
    page = (await client.get("/")).text
    assert '<script src="/static/corriere.js" defer></script>' in page
