"""How every handler answers with HTML: one template per page, HTMX gets the page's named block.

    return render(request, "rubrica.html", {"contacts": rows}, block="results")

- A normal request (or a boosted / history-restore HTMX request) gets the whole page, so every
  page works without JavaScript.
- An HTMX request gets only `block`; with no `block`, the block named like the request's target
  element (`HX-Target: contact-list` → `{% block contact_list %}`) if the template has one, else
  the whole page.
- Pending flash messages ride along with a block as an out-of-band swap of `#flashes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from jinja2 import Environment
from jinja2_fragments import render_block
from litestar import Request, Response
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.response import Redirect

from corriere.platform.settings import Settings
from corriere.web.i18n import request_locale
from corriere.web.paths import path_of, query_of
from corriere.web.sections import SECTIONS
from corriere.web.sessions import current_user, peek_flashes
from corriere.web.templating import LocalizedTemplates, rendering_for

AnyRequest = Request[Any, Any, Any]

FLASHES_TEMPLATE = "_flashes.html"
# The same URL answers differently to HTMX: caches (and the browser's back button) must know.
VARY = "HX-Request, HX-Target"


def is_htmx(request: AnyRequest) -> bool:
    """An HTMX request that wants a fragment (boosted links and history restores want pages)."""
    headers = request.headers
    return (
        headers.get("hx-request") == "true"
        and headers.get("hx-history-restore-request") != "true"
        and headers.get("hx-boosted") != "true"
    )


def environment(request: AnyRequest) -> Environment:
    """The templates in the request's language (`LocalizedTemplates`)."""
    templates = request.app.state.get("templates")
    if isinstance(templates, LocalizedTemplates):
        return templates.for_request(request)
    engine = cast("JinjaTemplateEngine", request.app.template_engine)
    return engine.engine


def safe_next(value: object, default: str = "/") -> str:
    """A local path to go back to; anything that could leave the site becomes `default`."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(c) < 32 for c in value):
        return default
    return value


def shell_context(request: AnyRequest) -> dict[str, Any]:
    """What the layout needs on every page."""
    settings: Settings = request.app.state["settings"]
    path, query = path_of(request), query_of(request)
    return {
        "request": request,
        "lang": request_locale(request).code,
        "user": current_user(request),
        "sections": SECTIONS,
        "current_section": next((s for s in SECTIONS if s.is_active(path)), None),
        "current_url": f"{path}?{query}" if query else path,
        # The demo pages exist only where `create_app` served them (see there): no link to a 404.
        "phones_enabled": bool(request.app.state.get("phones_page")),
        "outbox_enabled": bool(request.app.state.get("outbox_page")),
        "demo": settings.demo_pages_enabled and settings.uses_simulator,
    }


def _block_for(
    request: AnyRequest, env: Environment, template_name: str, block: str | None
) -> str | None:
    if not is_htmx(request):
        return None
    if block:
        return block
    target = (request.headers.get("hx-target") or "").replace("-", "_")
    if target and target in env.get_template(template_name).blocks:
        return target
    return None


def render(
    request: AnyRequest,
    template_name: str,
    context: Mapping[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    cookies: list[Cookie] | None = None,
) -> Response[str]:
    """The page `template_name`, or only its `block` for HTMX requests (see the module doc)."""
    env = environment(request)
    values = {**shell_context(request), **(context or {})}
    chosen = _block_for(request, env, template_name, block)
    with rendering_for(request):
        if chosen is None:
            body = env.get_template(template_name).render(values)
        else:
            body = render_block(env, template_name, chosen, values)
            if peek_flashes(request):
                body += env.get_template(FLASHES_TEMPLATE).render({**values, "oob": True})
    return Response(
        content=body,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={"Vary": VARY, **(headers or {})},
        cookies=cookies,
    )


def redirect(
    request: AnyRequest, url: str, *, cookies: list[Cookie] | None = None
) -> Response[Any]:
    """Go to `url` after a form: 303 for browsers, `HX-Redirect` (a full page load) for HTMX."""
    if request.headers.get("hx-request") == "true":
        return Response(content="", status_code=200, headers={"HX-Redirect": url}, cookies=cookies)
    return Redirect(path=url, status_code=303, cookies=cookies)
