"""Server-side sessions (in a Litestar `Store`, Redis in production) and flash messages.

The browser holds only a random session id; the data lives in the store so any web instance behind
the load balancer can serve any request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal, cast

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty, Message, ScopeSession

AnyRequest = Request[Any, Any, Any]

SESSION_COOKIE = "corriere_session"
SESSION_STORE = "sessions"
FLASH_KEY = "_flashes"
# Keys the account pages write at login; the shell only reads them.
ACCOUNT_ID_KEY = "account_id"
USERNAME_KEY = "username"
LOCALE_KEY = "locale"
TIMEZONE_KEY = "timezone"

_RENEW_STATE_KEY = "corriere.renew_session"
_LOADED_STATE_KEY = "corriere.loaded_session"
_TOUCHED_KEY = "_touched"
_TOUCH_EVERY_S = 300
_NEW_ID_STATE_KEY = "corriere.new_session_id"

FlashLevel = Literal["info", "success", "warning", "error"]


class _RenewingBackend(ServerSideSessionBackend):
    """Litestar's backend with two changes:

    - an empty session is not stored: Litestar would write `{}` to the store (and set a cookie)
      for every cookie-less request, so each anonymous visitor or bot hit would add a key;
    - `renew_session()`: a fresh id at login/logout (no session fixation);
    - an unchanged session is written back (extending its life) at most every few minutes, not
      on every request: a page view then costs one Redis read, not a read and a write.
    """

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})[_LOADED_STATE_KEY] = dict(data)
        return data

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        if scope_session is Empty or not scope_session:
            if connection.cookies.get(self.config.key, "null") != "null":
                # It had data before: forget it and expire the cookie.
                await super().store_in_message(Empty, message, connection)
            return
        state = connection.scope.setdefault("state", {})
        now = int(time.time())
        if not state.get(_RENEW_STATE_KEY) and isinstance(scope_session, dict):
            loaded = state.get(_LOADED_STATE_KEY)
            if loaded == scope_session and now - int(loaded.get(_TOUCHED_KEY, 0)) < _TOUCH_EVERY_S:
                return
            scope_session[_TOUCHED_KEY] = now
        if state.pop(_RENEW_STATE_KEY, False):
            old_id = connection.cookies.get(self.config.key)
            if old_id:
                await self.delete(old_id, store=self.config.get_store_from_app(connection.app))
            state[_NEW_ID_STATE_KEY] = self.generate_session_id()
        await super().store_in_message(scope_session, message, connection)

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        new_id = connection.scope.get("state", {}).get(_NEW_ID_STATE_KEY)
        return str(new_id) if new_id else super().get_session_id(connection)


class SessionConfig(ServerSideSessionConfig):
    _backend_class = _RenewingBackend


def session_config(*, secure: bool, max_age: int = 14 * 24 * 3600) -> SessionConfig:
    """HttpOnly, SameSite=Lax (links from e-mails keep the user logged in), Secure on https."""
    return SessionConfig(
        key=SESSION_COOKIE,
        store=SESSION_STORE,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=max_age,
        # The backend writes a session back every few minutes while it is used, which renews it:
        # a page view is then one plain GET, not a script that also moves the expiry.
        renew_on_access=False,
        # Static assets need no session: no Redis round trip for each of them.
        exclude=["^/static/"],
    )


def session_of(request: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    """The session, or an empty dict where there is none (unrouted 404s run no session middleware).

    Writes to the returned dict are kept only when the request has a session.
    """
    session = request.scope.get("session")
    return session if isinstance(session, dict) else {}


def has_session(request: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return "session" in request.scope


def _writable_session(request: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any] | None:
    if not has_session(request):
        return None
    if request.scope["session"] is Empty:  # cleared earlier in this request
        request.set_session({})
    return cast("dict[str, Any]", request.scope["session"])


def renew_session(request: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Give the session a new id when this response is sent (call it at login and logout)."""
    request.scope.setdefault("state", {})[_RENEW_STATE_KEY] = True


@dataclass(frozen=True, slots=True)
class SessionUser:
    account_id: int | str
    username: str


def current_user(request: ASGIConnection[Any, Any, Any, Any]) -> SessionUser | None:
    """The logged-in user as the account pages stored it (`account_id` and `username`)."""
    session = session_of(request)
    account_id, username = session.get(ACCOUNT_ID_KEY), session.get(USERNAME_KEY)
    if account_id is None or not username:
        return None
    return SessionUser(account_id=account_id, username=str(username))


@dataclass(frozen=True, slots=True)
class Flash:
    message: str
    level: str


def flash(
    request: ASGIConnection[Any, Any, Any, Any], message: str, level: FlashLevel = "info"
) -> None:
    """Queue a message for the next page the layout renders (translate it before calling)."""
    session = _writable_session(request)
    if session is None:
        return
    session.setdefault(FLASH_KEY, []).append({"message": str(message), "level": level})


def peek_flashes(request: ASGIConnection[Any, Any, Any, Any]) -> bool:
    return bool(session_of(request).get(FLASH_KEY))


def pop_flashes(request: ASGIConnection[Any, Any, Any, Any]) -> list[Flash]:
    raw = session_of(request).pop(FLASH_KEY, None) or []
    return [Flash(message=str(f["message"]), level=str(f["level"])) for f in raw]
