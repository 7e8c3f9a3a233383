"""Errors, mapped once for the whole web front end.

- `HTTPException` (404, 405, the CSRF 403, …) and `CorriereError` become the panel's error page,
  translated; for an HTMX request, an alert swapped into the layout's `#flashes`; for a client
  that asks for JSON, `{"code", "message", "field"?}` (Litestar's own JSON for HTTP errors).
- Any other exception is logged and becomes the 500 page, without details.

Form pages usually do better than the error page: catch the error and show it next to its field,

    try:
        await contact_create(...)
    except ValidationError as exc:
        return render(request, "rubrica.html", {"errors": form_errors(request, exc), ...},
                      block="form", status_code=422)

(the HTMX configuration in the layout swaps 422 answers like 200 ones).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.exceptions.responses import create_exception_response
from litestar.types import ExceptionHandlersMap

from corriere.platform.errors import CorriereError
from corriere.web.i18n import N_, translations
from corriere.web.platform_messages import PLURALS
from corriere.web.rendering import is_htmx, render

logger = logging.getLogger(__name__)

AnyRequest = Request[Any, Any, Any]

FORM_ERROR_KEY = "__all__"  # errors about the whole form rather than one field
CSRF_FAILURE_DETAIL = "CSRF token verification failed"  # Litestar's CSRFMiddleware message

_PAGES: dict[int, tuple[str, str]] = {
    400: (
        N_("Richiesta non valida"),
        N_("La richiesta non è corretta. Controlla i dati inseriti e riprova."),
    ),
    401: (N_("Accesso richiesto"), N_("Per vedere questa pagina devi accedere al pannello.")),
    402: (N_("Credito insufficiente"), N_("Il credito non basta per questa operazione.")),
    403: (N_("Accesso negato"), N_("Non hai i permessi per vedere questa pagina.")),
    404: (
        N_("Pagina non trovata"),
        N_("La pagina che cerchi non esiste o è stata spostata."),
    ),
    405: (
        N_("Operazione non consentita"),
        N_("Questa pagina non accetta questo tipo di richiesta."),
    ),
    409: (N_("Conflitto"), N_("L'operazione è in conflitto con lo stato attuale dei dati.")),
    413: (N_("Richiesta troppo grande"), N_("I dati inviati superano la dimensione massima.")),
    422: (N_("Dati non validi"), N_("Alcuni dati non sono validi: correggili e riprova.")),
    429: (
        N_("Troppe richieste"),
        N_("Hai fatto troppe richieste in poco tempo. Attendi qualche istante e riprova."),
    ),
    500: (
        N_("Errore interno"),
        N_(
            "Qualcosa è andato storto da parte nostra. Riprova tra poco; se il problema"
            " continua, contatta l'assistenza."
        ),
    ),
    503: (
        N_("Servizio non disponibile"),
        N_("Il servizio è momentaneamente non disponibile. Riprova tra poco."),
    ),
}
_GENERIC = (N_("Si è verificato un errore"), N_("Non è stato possibile completare la richiesta."))
_CSRF = (
    N_("Modulo scaduto"),
    N_(
        "Il modulo è scaduto o non proviene da questo sito. Ricarica la pagina e riprova:"
        " i dati non sono stati inviati."
    ),
)


def wants_json(request: AnyRequest) -> bool:
    best = request.accept.best_match(["text/html", "application/json"], default="text/html")
    return best == "application/json"


def is_csrf_failure(exc: Exception) -> bool:
    return isinstance(exc, PermissionDeniedException) and exc.detail == CSRF_FAILURE_DETAIL


def error_page(
    request: AnyRequest,
    status: int,
    *,
    title: str | None = None,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """The translated error page (or HTMX alert) for `status`; title/message are Italian msgids."""
    _ = translations(request).gettext
    default_title, default_message = _PAGES.get(status, _GENERIC)
    context = {
        "status": status,
        "title": _(title or default_title),
        "message": _(message or default_message),
    }
    extra = dict(headers or {})
    if is_htmx(request):
        # The alert replaces the flash area instead of whatever the request targeted.
        extra.update({"HX-Retarget": "#flashes", "HX-Reswap": "innerHTML"})
    try:
        return render(
            request, "error.html", context, block="alert", status_code=status, headers=extra
        )
    except Exception:  # the error page itself must never fail: fall back to plain text
        logger.exception("cannot render the error page for %s", status)
        return Response(
            content=f"{status} {context['title']}\n{context['message']}\n",
            status_code=status,
            media_type=MediaType.TEXT,
        )


def http_exception_handler(request: AnyRequest, exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        logger.error(
            "HTTP %s on %s %s: %s", exc.status_code, request.method, request.url.path, exc.detail
        )
    if wants_json(request):
        return create_exception_response(request, exc)
    if is_csrf_failure(exc):
        title, message = _CSRF
        return error_page(request, exc.status_code, title=title, message=message)
    return error_page(request, exc.status_code, headers=exc.headers)


def message_text(request: AnyRequest, template: str, params: dict[str, str]) -> str:
    """A platform message (an Italian template and its values) in the request's language;
    values named `reason…` are messages themselves."""
    _ = translations(request).gettext
    if not params:
        return _(template)
    values = {k: (_(v) if k.startswith("reason") else v) for k, v in params.items()}
    try:
        if (plural := PLURALS.get(template)) is not None:
            return plural(translations(request), int(params["num"])) % values
        return _(template) % values
    except (KeyError, ValueError, TypeError):  # a catalog entry with other placeholders
        return template % params


def corriere_error_handler(request: AnyRequest, exc: CorriereError) -> Response[Any]:
    if exc.status >= 500:
        logger.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
    message = message_text(request, exc.template, exc.params)
    if wants_json(request):
        return Response(content={**exc.as_dict(), "message": message}, status_code=exc.status)
    # The message is already translated; gettext on it again is harmless (not a msgid).
    return error_page(request, exc.status, message=message)


def internal_error_handler(request: AnyRequest, exc: Exception) -> Response[Any]:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if wants_json(request):
        return Response(
            content={"code": "internal", "message": translations(request).gettext(_PAGES[500][0])},
            status_code=500,
        )
    return error_page(request, 500)


def form_errors(request: AnyRequest, exc: CorriereError) -> dict[str, str]:
    """`{field: translated message}` for re-rendering a form (`FORM_ERROR_KEY` without a field)."""
    return {exc.field or FORM_ERROR_KEY: message_text(request, exc.template, exc.params)}


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    HTTPException: http_exception_handler,
    CorriereError: corriere_error_handler,
    Exception: internal_error_handler,
}
