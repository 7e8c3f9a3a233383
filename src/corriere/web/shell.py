"""The layout's own actions: the language switcher and logout.

The switcher is a POST form (CSRF-checked) rather than a GET link: besides the `lang` cookie it
updates the logged-in user's session locale, a change of server-side state that a third-party
page must not be able to trigger; a form with two buttons works without JavaScript too.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body

from corriere.platform.settings import Settings
from corriere.web.i18n import LANG_COOKIE, LOCALE_NAMES, LOCALES, translations, use_locale
from corriere.web.rendering import redirect, safe_next
from corriere.web.sessions import LOCALE_KEY, flash, renew_session, session_of

AnyRequest = Request[Any, Any, Any]
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def _secure(request: AnyRequest) -> bool:
    settings: Settings = request.app.state["settings"]
    return settings.public_base_url.startswith("https")


def _back(request: AnyRequest, next_url: str | None) -> str:
    """Where the user was: the form's `next`, else a same-site Referer, else home."""
    if next_url:
        return safe_next(next_url)
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc == request.url.netloc:
        return safe_next(f"{referer.path}?{referer.query}" if referer.query else referer.path)
    return "/"


class ShellController(Controller):
    @post("/lingua/{code:str}", name="set_language", status_code=303)
    async def set_language(self, request: AnyRequest, code: str, data: FormData) -> Response[Any]:
        if code not in LOCALES:
            raise NotFoundException()
        session = session_of(request)
        # A logged-in user's preference lives in the session (the account pages put it there at
        # login): update it, or the cookie would never win over it.
        if LOCALE_KEY in session:
            session[LOCALE_KEY] = code
        use_locale(request, code)
        cookie = Cookie(
            key=LANG_COOKIE,
            value=code,
            max_age=LANG_COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=_secure(request),
        )
        _ = translations(request).gettext
        flash(request, _("Lingua: %(name)s") % {"name": LOCALE_NAMES[code]}, "success")
        return redirect(request, _back(request, data.get("next")), cookies=[cookie])

    @post("/uscita", name="logout", status_code=303)
    async def logout(self, request: AnyRequest) -> Response[Any]:
        """Forget the user; a fresh session id keeps no trace of the old one."""
        request.set_session({})
        renew_session(request)
        flash(request, translations(request).gettext("Sei uscito dal pannello."), "success")
        return redirect(request, "/")
