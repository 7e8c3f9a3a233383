"""The home page and the "coming soon" pages of sections not built yet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler

from corriere.platform.accounts.queries import AccountProfile
from corriere.platform.messaging.sms_types import RULES
from corriere.web.auth import signed_in
from corriere.web.rendering import render
from corriere.web.sections import PLACEHOLDERS, SECTIONS, section_for_path

AnyRequest = Request[Any, Any, Any]


class HomeController(Controller):
    path = "/"

    @get("/", name="home")
    async def home(self, request: AnyRequest) -> Response[str]:
        account = await signed_in(request)
        if account is not None:
            return _panel(request, account.profile)
        types = [
            {
                "code": t.value,
                "label": r.label,
                "price_units": r.price_units,
                "max_parts": r.max_parts,
                "custom_sender": r.custom_sender,
                "delivery_report": r.delivery_report,
            }
            for t, r in RULES.items()
        ]
        return render(
            request,
            "home.html",
            {"types": types, "cards": [s for s in SECTIONS if s.path != "/"]},
        )


def _panel(request: AnyRequest, profile: AccountProfile) -> Response[str]:
    """PANNELLO: username, balance (no expiry), what each SMS type costs and how many the balance
    still pays for, the API id."""
    types = [
        {
            "code": t.value,
            "label": r.label,
            "price_units": r.price_units,
            "max_parts": r.max_parts,
            "sendable": max(0, profile.balance_units) // r.price_units,
        }
        for t, r in RULES.items()
    ]
    return render(request, "pannello.html", {"profile": profile, "types": types})


async def _coming_soon(request: AnyRequest) -> Response[str]:
    section = section_for_path(request.url.path)
    if section is None:  # only reachable if a path is routed here by mistake
        raise NotFoundException()
    return render(request, "coming_soon.html", {"section": section})


def coming_soon_handler(paths: Sequence[str]) -> HTTPRouteHandler:
    """One handler for every placeholder path (`create_app` passes those still unserved)."""
    return get(list(paths), name="coming_soon")(_coming_soon)


def placeholder_paths(served: set[str]) -> list[str]:
    return [s.path for s in PLACEHOLDERS if s.path not in served]
