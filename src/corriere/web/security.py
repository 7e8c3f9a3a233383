"""Security headers on every response, including errors and unrouted 404s.

A `before_send` hook rather than `after_request`: the latter runs only for responses returned by a
handler, not for the pages made by exception handlers.

Per-route opt-ins, set with the route's `opt`:
- `@get(..., opt={FRAME_ANCESTORS_OPT: "*"})`: the page may be framed by the listed origins
  (CSP `frame-ancestors` value, e.g. `"*"` or `"https://shop.example"`); no `X-Frame-Options`.
- `@post(..., opt={CSRF_EXEMPT_OPT: True})`: machine callbacks (payment/DLR webhooks) skip
  the CSRF check; they must authenticate otherwise (signature, token).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.types import Message, Scope

FRAME_ANCESTORS_OPT = "frame_ancestors"
CSRF_EXEMPT_OPT = "exclude_from_csrf"  # Litestar's CSRFConfig.exclude_from_csrf_key

CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    # No 'unsafe-inline' and no 'unsafe-eval': scripts are files under /static only.
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy(frame_ancestors: str | None = None) -> str:
    directives = dict(CSP_DIRECTIVES)
    if frame_ancestors:
        directives["frame-ancestors"] = frame_ancestors
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _route_opt(scope: Scope) -> dict[str, Any]:
    handler = scope.get("route_handler")
    opt = getattr(handler, "opt", None)
    return opt if isinstance(opt, dict) else {}


def security_headers(*, hsts: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """The hook for `Litestar(before_send=[...])`; `hsts` when the panel is served over https.
    It works on the message's list of encoded headers: through `MutableScopeHeaders`, whose
    every lookup decodes and scans the list, it cost a fortieth of a page."""
    default_csp = content_security_policy().encode()
    fixed = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
    if hsts:
        fixed.append((b"strict-transport-security", b"max-age=31536000"))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = message.get("headers")
        if not isinstance(headers, list):
            headers = message["headers"] = list(headers or ())
        present = {name.lower() for name, _ in headers}
        frame_ancestors = _route_opt(scope).get(FRAME_ANCESTORS_OPT)
        if frame_ancestors:
            csp = content_security_policy(str(frame_ancestors)).encode()
        else:
            csp = default_csp
            if b"x-frame-options" not in present:
                headers.append((b"x-frame-options", b"DENY"))
        if b"content-security-policy" not in present:
            headers.append((b"content-security-policy", csp))
        headers.extend(header for header in fixed if header[0] not in present)

    return add_headers
