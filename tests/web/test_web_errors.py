"""Error pages (404, 403, 405, 500) and the mapping of platform errors, for pages, HTMX and JSON."""

from __future__ import annotations

from web_helpers import Client, csrf_token_of, html_lang


async def test_404_page_is_styled_and_translated(client: Client) -> None:
    response = await client.get("/non-esiste")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert html_lang(html) == "it"
    assert "<h1>Pagina non trovata</h1>" in html
    assert "Errore 404" in html
    assert '<link rel="stylesheet" href="/static/corriere.css">' in html
    assert 'class="site-header"' in html and ">Invio SMS</a>" in html

    response = await client.get("/non-esiste", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert html_lang(response.text) == "en"
    assert "<h1>Page not found</h1>" in response.text
    assert "Error 404" in response.text
    assert ">Back to the dashboard</a>" in response.text


async def test_404_page_keeps_the_layout_forms_working(client: Client) -> None:
    """Unrouted pages run no CSRF middleware: the token comes from the cookie."""
    await client.get("/")
    page = await client.get("/non-esiste")
    token = csrf_token_of(page.text)
    assert token == client.cookies.get("csrftoken")
    response = await client.post("/lingua/en", data={"_csrf_token": token, "next": "/"})
    assert response.status_code == 200
    assert html_lang(response.text) == "en"


async def test_404_for_json_clients(client: Client) -> None:
    response = await client.get("/non-esiste", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["status_code"] == 404


async def test_404_for_htmx_is_an_alert_in_the_flash_area(client: Client) -> None:
    response = await client.get(
        "/non-esiste", headers={"HX-Request": "true", "Accept-Language": "en"}
    )
    assert response.status_code == 404
    assert response.headers["hx-retarget"] == "#flashes"
    assert response.headers["hx-reswap"] == "innerHTML"
    text = response.text.strip()
    assert text.startswith('<div class="alert alert-error" role="alert">')
    assert "Page not found" in text and "<html" not in text


async def test_405_page(client: Client) -> None:
    response = await client.get("/uscita")
    assert response.status_code == 405
    assert "<h1>Operazione non consentita</h1>" in response.text
    assert "POST" in response.headers.get("allow", "")


async def test_500_page_hides_details(client: Client) -> None:
    response = await client.get("/test/boom")
    assert response.status_code == 500
    assert "<h1>Errore interno</h1>" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text

    response = await client.get("/test/boom", headers={"Accept-Language": "en"})
    assert "<h1>Internal error</h1>" in response.text
    response = await client.get("/test/boom", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json() == {"code": "internal", "message": "Errore interno"}


async def test_platform_error_becomes_a_translated_page(client: Client) -> None:
    response = await client.get("/test/denied")
    assert response.status_code == 403
    assert "<h1>Accesso negato</h1>" in response.text
    assert "Non hai i permessi per vedere questa pagina." in response.text

    response = await client.get("/test/no-credit", headers={"Accept-Language": "en"})
    assert response.status_code == 402
    assert "<h1>Insufficient credit</h1>" in response.text
    assert "Your credit is not enough for this operation." in response.text


async def test_platform_error_for_htmx_and_json(client: Client) -> None:
    response = await client.get("/test/no-credit", headers={"HX-Request": "true"})
    assert response.status_code == 402
    assert response.headers["hx-retarget"] == "#flashes"
    assert "Il credito non basta per questa operazione." in response.text
    assert "<html" not in response.text

    response = await client.get(
        "/test/no-credit", headers={"Accept": "application/json", "Accept-Language": "en"}
    )
    assert response.status_code == 402
    assert response.json() == {
        "code": "insufficient_credit",
        "message": "Your credit is not enough for this operation.",
        "field": "credits",
    }


async def test_form_errors_helper(client: Client) -> None:
    assert (await client.get("/test/form-errors")).json() == {"mobile": "Dati non validi"}
    response = await client.get("/test/form-errors", headers={"Accept-Language": "en"})
    assert response.json() == {"mobile": "Invalid data"}


async def test_csrf_failure_for_htmx_is_an_alert(client: Client) -> None:
    await client.get("/")
    response = await client.post(
        "/test/echo", headers={"HX-Request": "true", "Accept-Language": "en"}
    )
    assert response.status_code == 403
    assert response.headers["hx-retarget"] == "#flashes"
    assert "Form expired" in response.text
