"""The "simulated phones" page: what each number received from the SMSC simulator."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.platform.ports import SimulatedPhones


def _phones(request: Request[Any, Any, Any]) -> SimulatedPhones:
    phones: SimulatedPhones = request.app.state["phones"]
    return phones


class SimulatedPhonesController(Controller):
    path = "/simulatore"

    @get("/", name="phones")
    async def index(self, request: Request[Any, Any, Any], numero: str = "") -> Template:
        error = None
        phones: list[dict[str, object]] = []
        messages: list[dict[str, object]] = []
        try:
            phones = await _phones(request).phones()
            if numero:
                messages = await _phones(request).messages(numero)
        except httpx.HTTPError:
            error = "Il simulatore SMSC non risponde: è avviato? (corriere smsc-sim)"
        block = "phones_panel" if request.headers.get("hx-request") else None
        return Template(
            template_name="phones.html",
            context={
                "phones": phones,
                "messages": messages,
                "selected": numero,
                "error": error,
                "block": block,
            },
        )

    @post("/mo", name="phones_mo")
    async def send_mo(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Redirect | Template:
        sender, recipient, text = (data.get(k, "").strip() for k in ("sender", "recipient", "text"))
        try:
            sender = normalise_mobile(sender).e164
        except InvalidNumber as exc:
            return Template(
                template_name="phones.html",
                context={
                    "phones": await _phones(request).phones(),
                    "messages": [],
                    "selected": "",
                    "error": f"Numero del telefono non valido: {exc}",
                    "block": None,
                },
                status_code=422,
            )
        await _phones(request).send_from_phone(sender=sender, recipient=recipient, text=text)
        return Redirect(f"/simulatore?numero={sender.lstrip('+')}")
