"""Test-only routes (never registered by the app itself) and helpers for the web tests."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar, Request, Response, get, post
from litestar.response import Template
from litestar.testing import AsyncTestClient

from corriere.platform.errors import InsufficientCreditError, PermissionDeniedError, ValidationError
from corriere.web.errors import form_errors
from corriere.web.rendering import redirect
from corriere.web.security import CSRF_EXEMPT_OPT, FRAME_ANCESTORS_OPT
from corriere.web.sessions import flash, renew_session

AnyRequest = Request[Any, Any, Any]
Client = AsyncTestClient[Litestar]
MakeApp = Callable[..., Litestar]

# 22:30 UTC on 1 June: already 2 June in Rome (UTC+2), still 1 June in New York.
MOMENT = datetime(2025, 6, 1, 22, 30, tzinfo=UTC)
FORMAT_TEMPLATE = (
    "{{ when|datetime('short') }}|{{ when|date('long') }}|{{ 1234.56|money }}"
    "|{{ 12345678|credits }}|{{ 1234567.891|number }}|{{ 3|number(digits=2) }}"
)


@get("/test/login", sync_to_thread=False)
def _login(request: AnyRequest, locale: str = "", timezone: str = "") -> Response[Any]:
    """What the account pages will do at login: a fresh session id, then the user's keys."""
    renew_session(request)
    request.session.update({"account_id": 7, "username": "mario.rossi"})
    if locale:
        request.session["locale"] = locale
    if timezone:
        request.session["timezone"] = timezone
    return redirect(request, "/")


@get("/test/flash", sync_to_thread=False)
def _flash(request: AnyRequest, level: str = "success") -> Response[Any]:
    flash(request, "Operazione riuscita <b>ok</b>", level)  # type: ignore[arg-type]
    return redirect(request, "/")


@post("/test/echo", sync_to_thread=False)
def _echo() -> str:
    return "ok"


@post("/test/webhook", opt={CSRF_EXEMPT_OPT: True}, sync_to_thread=False)
def _webhook() -> str:
    return "received"


@get("/test/embed", opt={FRAME_ANCESTORS_OPT: "*"}, sync_to_thread=False)
def _embed() -> str:
    return "embeddable"


@get("/test/format", sync_to_thread=False)
def _format() -> Template:
    # Litestar's own Template response: the filters find the request in the context.
    return Template(template_str=FORMAT_TEMPLATE, context={"when": MOMENT})


@get("/test/boom", sync_to_thread=False)
def _boom() -> str:
    raise RuntimeError("secret internals")


@get("/test/denied", sync_to_thread=False)
def _denied() -> str:
    raise PermissionDeniedError("Non hai i permessi per vedere questa pagina.")


@get("/test/no-credit", sync_to_thread=False)
def _no_credit() -> str:
    raise InsufficientCreditError("Il credito non basta per questa operazione.", field="credits")


@get("/test/form-errors", sync_to_thread=False)
def _form_errors(request: AnyRequest) -> dict[str, str]:
    return form_errors(request, ValidationError("Dati non validi", field="mobile"))


TEST_ROUTES = [
    _login,
    _flash,
    _echo,
    _webhook,
    _embed,
    _format,
    _boom,
    _denied,
    _no_credit,
    _form_errors,
]


def csrf_token_of(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert match, "the layout has no csrf-token meta"
    return match.group(1)


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', html)
    assert match
    return match.group(1)


def plain(text: str) -> str:
    """Babel uses no-break and narrow no-break spaces; compare with plain ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")
