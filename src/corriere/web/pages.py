"""Public pages of the web server that need no login."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from corriere.platform.messaging.sms_types import RULES
from corriere.platform.money import format_credits


class HomeController(Controller):
    path = "/"

    @get("/", name="home")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        settings = request.app.state["settings"]
        types = [
            {
                "code": t.value,
                "label": r.label,
                "price": format_credits(r.price_units),
                "max_parts": r.max_parts,
            }
            for t, r in RULES.items()
        ]
        return Template(
            template_name="home.html",
            context={
                "types": types,
                "embedded": settings.uses_simulator,
                "phones": request.app.state["phones"] is not None,
            },
        )
