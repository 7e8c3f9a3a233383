"""REST API v1: JSON in and out, HTTP Basic with an application password, errors as
`{"code", "message"}` in the caller's language (Accept-Language; Italian by default).

No session and no CSRF here: every call carries its credentials, and no cookie is ever set.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from litestar import Controller, Request, Response, get, route
from litestar.enums import HttpMethod
from litestar.exceptions import HTTPException
from litestar.types import ExceptionHandlersMap

from corriere.platform.errors import CorriereError, NotFoundError
from corriere.platform.money import format_credits
from corriere.web.api.auth import REALM, api_caller
from corriere.web.errors import message_text
from corriere.web.i18n import N_, translations
from corriere.web.security import CSRF_EXEMPT_OPT

AnyRequest = Request[Any, Any, Any]
SKIP_SESSION_OPT = "skip_session"  # Litestar's session middleware `exclude_opt_key`
RETRY_AFTER_S = 15 * 60  # the login throttle's window

logger = logging.getLogger(__name__)

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
_OTHER_METHODS = [HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE]


class MethodNotAllowedError(CorriereError):
    code = "method_not_allowed"
    status = 405


def _not_allowed(request: AnyRequest, allowed: str) -> MethodNotAllowedError:
    return MethodNotAllowedError(
        "Metodo %(method)s non consentito su %(path)s: usa %(allowed)s",
        params={"method": request.method, "path": request.url.path, "allowed": allowed},
    )


def _json_error(code: str, message: str, status: int) -> Response[Any]:
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = REALM
    elif status == 429:
        headers["Retry-After"] = str(RETRY_AFTER_S)
    return Response(content={"code": code, "message": message}, status_code=status, headers=headers)


def _corriere_error(request: AnyRequest, exc: CorriereError) -> Response[Any]:
    return _json_error(exc.code, message_text(request, exc.template, exc.params), exc.status)


def _http_error(request: AnyRequest, exc: HTTPException) -> Response[Any]:
    code = _HTTP_CODES.get(exc.status_code, "invalid" if exc.status_code < 500 else "internal")
    return _json_error(code, str(exc.detail), exc.status_code)


def _internal_error(request: AnyRequest, exc: Exception) -> Response[Any]:
    logger.error("unhandled API error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json_error("internal", translations(request).gettext(N_("Errore interno")), 500)


API_EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    CorriereError: _corriere_error,
    HTTPException: _http_error,
    Exception: _internal_error,
}


class ApiV1Controller(Controller):
    path = "/api/v1"
    opt: Mapping[str, Any] | None = MappingProxyType(
        {CSRF_EXEMPT_OPT: True, SKIP_SESSION_OPT: True}
    )
    exception_handlers = API_EXCEPTION_HANDLERS

    @get("/account", name="api_v1_account")
    async def account(self, request: AnyRequest) -> dict[str, str]:
        caller = await api_caller(request)
        return {
            "username": caller.username,
            "api_id": caller.api_id,
            "balance": format_credits(caller.balance_units),
            "currency": "credits",
        }

    @route("/account", http_method=_OTHER_METHODS, name="api_v1_account_other")
    async def account_other(self, request: AnyRequest) -> None:
        # Routing's own 405 would come before this controller's handlers, as an HTML page.
        raise _not_allowed(request, "GET")

    @route(
        "/{rest:path}",
        http_method=[HttpMethod.GET, *_OTHER_METHODS],
        name="api_v1_unknown",
        include_in_schema=False,
    )
    async def unknown(self, rest: str) -> None:
        # Without this an unknown API path would get the panel's HTML 404 page.
        raise NotFoundError("Risorsa API inesistente: %(path)s", params={"path": f"/api/v1{rest}"})
