"""Who is signed in: the session names an account, the database confirms it on every request.

A session ends by itself when its account is blocked or its password changes (the account's
`session_epoch` moves on); pages that need an account get it through `require_account`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.di import Provide
from litestar.exceptions import HTTPException

from corriere.platform.auth.login import SessionAccount, SignedIn, session_account
from corriere.web.rendering import redirect
from corriere.web.sessions import (
    ACCOUNT_ID_KEY,
    LOCALE_KEY,
    TIMEZONE_KEY,
    USERNAME_KEY,
    renew_session,
    session_of,
)

AnyRequest = Request[Any, Any, Any]
EPOCH_KEY = "epoch"


class LoginRequired(HTTPException):
    status_code = 401


_STATE_KEY = "corriere.account"


async def signed_in(request: AnyRequest) -> SessionAccount | None:
    """The request's account (looked up once per request)."""
    state = request.scope.setdefault("state", {})
    if _STATE_KEY in state:
        cached: SessionAccount | None = state[_STATE_KEY]
        return cached
    account = await _lookup(request)
    state[_STATE_KEY] = account
    return account


async def _lookup(request: AnyRequest) -> SessionAccount | None:
    session = session_of(request)
    account_id, epoch = session.get(ACCOUNT_ID_KEY), session.get(EPOCH_KEY)
    if not isinstance(account_id, int) or not isinstance(epoch, int):
        return None
    account = await session_account(account_id, epoch)
    if account is None:
        request.set_session({})  # blocked, or the password changed elsewhere: sign out
        renew_session(request)
    return account


async def require_account(request: AnyRequest) -> SessionAccount:
    account = await signed_in(request)
    if account is None:
        raise LoginRequired()
    return account


def login_required_handler(request: AnyRequest, exc: LoginRequired) -> Response[Any]:
    if request.method != "GET":
        return redirect(request, "/accesso")  # a form cannot be replayed after signing in
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, f"/accesso?next={quote(target, safe='/')}")


ACCOUNT = {"account": Provide(require_account)}


def start_session(request: AnyRequest, user: SignedIn) -> None:
    """Sign `user` in: a fresh session id (no fixation), the keys the shell reads."""
    request.set_session(
        {
            ACCOUNT_ID_KEY: user.account_id,
            USERNAME_KEY: user.username,
            LOCALE_KEY: user.locale,
            TIMEZONE_KEY: user.timezone,
            EPOCH_KEY: user.session_epoch,
        }
    )
    renew_session(request)


def refresh_session(request: AnyRequest, **values: Any) -> None:
    """Update keys of the current session (after a password change, a new locale…)."""
    session = session_of(request)
    session.update(values)
    request.set_session(session)
