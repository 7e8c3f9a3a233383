"""The "simulated phones" page: what each number received from the SMSC simulator."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from corriere.platform.phones import InvalidNumber, normalise_mobile
from corriere.platform.ports import SimulatedPhones
from corriere.web.i18n import translations
from corriere.web.rendering import redirect, render

AnyRequest = Request[Any, Any, Any]


def _phones(request: AnyRequest) -> SimulatedPhones:
    phones: SimulatedPhones = request.app.state["phones"]
    return phones


class SimulatedPhonesController(Controller):
    path = "/simulatore"

    @get("/", name="phones")
    async def index(self, request: AnyRequest, numero: str = "") -> Response[str]:
        _ = translations(request).gettext
        error = None
        phones: list[dict[str, object]] = []
        messages: list[dict[str, object]] = []
        try:
            phones = await _phones(request).phones()
            if numero:
                messages = await _phones(request).messages(numero)
        except httpx.HTTPError:
            error = _("Il simulatore SMSC non risponde: è avviato? (corriere smsc-sim)")
        # The panel polls itself every 2 s: HTMX gets just the panel.
        return render(
            request,
            "phones.html",
            {"phones": phones, "messages": messages, "selected": numero, "error": error},
            block="phones_panel",
        )

    @post("/mo", name="phones_mo")
    async def send_mo(
        self,
        request: AnyRequest,
        data: Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> Response[Any]:
        _ = translations(request).gettext
        form = {k: data.get(k, "").strip() for k in ("sender", "recipient", "text")}
        try:
            sender = normalise_mobile(form["sender"]).e164
        except InvalidNumber as exc:
            phones: list[dict[str, object]] = []
            try:
                phones = await _phones(request).phones()
            except httpx.HTTPError:
                pass
            return render(
                request,
                "phones.html",
                {
                    "phones": phones,
                    "messages": [],
                    "selected": "",
                    "error": None,
                    "form": form,
                    "errors": {
                        "sender": _("Numero del telefono non valido: %(reason)s")
                        % {"reason": _(str(exc))}
                    },
                },
                block="mo_form",
                status_code=422,
            )
        await _phones(request).send_from_phone(
            sender=sender, recipient=form["recipient"], text=form["text"]
        )
        return redirect(request, f"/simulatore?numero={sender.lstrip('+')}")
