"""The address book's tools: CONTROLLO NUMERI DOPPI, PULIZIA GRUPPI E RUBRICA, GESTIONE VARIABILI
and the EXTRA page that lists the tools."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body

from corriere.platform.auth.login import SessionAccount
from corriere.platform.contacts.cleanup import CleanupMode, contacts_cleanup
from corriere.platform.contacts.queries import (
    ContactFilter,
    contacts_count,
    duplicates_across_groups,
    groups_list,
    variables_list,
)
from corriere.platform.contacts.variables import (
    variable_create,
    variable_delete,
    variable_set_active,
)
from corriere.platform.errors import CorriereError
from corriere.web.account_pages import field_errors
from corriere.web.auth import ACCOUNT
from corriere.web.formatting import format_number
from corriere.web.i18n import locale_of, translations
from corriere.web.rendering import redirect, render
from corriere.web.sessions import flash

AnyRequest = Request[Any, Any, Any]
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
# The word to type to confirm a cleanup, in each language: the page asks for the one of its
# language, and only that one is accepted.
CONFIRM_WORDS = {"it": "ELIMINA", "en": "DELETE"}


def confirm_word(request: AnyRequest) -> str:
    return CONFIRM_WORDS.get(locale_of(request), CONFIRM_WORDS["it"])


class RubricaToolsController(Controller):
    path = "/rubrica"
    dependencies = ACCOUNT

    @get("/doppi", name="contacts_duplicates")
    async def duplicates(
        self, request: AnyRequest, account: SessionAccount, pagina: str = "1"
    ) -> Response[str]:
        page = int(pagina) if pagina.isdigit() and 0 < int(pagina) < 1_000_000 else 1
        result = await duplicates_across_groups(account.account_id, page=page)
        return render(request, "rubrica/duplicates.html", {"result": result})

    async def _cleanup_page(
        self,
        request: AnyRequest,
        account: SessionAccount,
        *,
        errors: dict[str, str] | None = None,
        mode: str = "ungrouped",
        status_code: int = 200,
    ) -> Response[str]:
        groups = await groups_list(account.account_id)
        ungrouped = await contacts_count(account.account_id, ContactFilter(ungrouped=True))
        return render(
            request,
            "rubrica/cleanup.html",
            {
                "contacts": await contacts_count(account.account_id),
                "groups": len(groups),
                "ungrouped": ungrouped,
                "word": confirm_word(request),
                "errors": errors or {},
                "mode": mode,
            },
            status_code=status_code,
        )

    @get("/pulizia", name="contacts_cleanup_form")
    async def cleanup_form(self, request: AnyRequest, account: SessionAccount) -> Response[str]:
        return await self._cleanup_page(request, account)

    @post("/pulizia", name="contacts_cleanup")
    async def cleanup(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        i18n = translations(request)
        _ = i18n.gettext
        mode = data.get("mode", "")
        typed = data.get("conferma", "").strip().upper()
        word = confirm_word(request)
        if mode not in ("everything", "ungrouped"):
            return await self._cleanup_page(
                request, account, errors={"mode": _("Scegli cosa eliminare.")}, status_code=422
            )
        if typed != word:
            return await self._cleanup_page(
                request,
                account,
                mode=mode,
                errors={"conferma": _("Per confermare scrivi %(word)s.") % {"word": word}},
                status_code=422,
            )
        chosen: CleanupMode = "everything" if mode == "everything" else "ungrouped"
        done = await contacts_cleanup(account_id=account.account_id, mode=chosen)
        locale = locale_of(request)
        message = i18n.ngettext(
            "%(num)s contatto eliminato.", "%(num)s contatti eliminati.", done.contacts
        ) % {"num": format_number(done.contacts, locale)}
        if chosen == "everything":
            message += " " + i18n.ngettext(
                "%(num)s gruppo eliminato.", "%(num)s gruppi eliminati.", done.groups
            ) % {"num": format_number(done.groups, locale)}
        flash(request, message, "success")
        return redirect(request, "/rubrica")


class ExtraController(Controller):
    path = "/extra"
    dependencies = ACCOUNT

    @get("/", name="extra")
    async def index(self, request: AnyRequest, account: SessionAccount) -> Response[str]:
        return render(request, "extra/index.html", {})

    async def _variables_page(
        self,
        request: AnyRequest,
        account: SessionAccount,
        *,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response[str]:
        return render(
            request,
            "extra/variables.html",
            {
                "variables": await variables_list(account.account_id),
                "form": form or {},
                "errors": errors or {},
            },
            block="variable_form" if errors else None,
            status_code=status_code,
        )

    @get("/variabili", name="variables")
    async def variables(self, request: AnyRequest, account: SessionAccount) -> Response[str]:
        return await self._variables_page(request, account)

    @post("/variabili", name="variable_create")
    async def create_variable(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        form = {"name": data.get("name", "").strip(), "description": data.get("description", "")}
        try:
            await variable_create(account_id=account.account_id, **form)
        except CorriereError as exc:
            return await self._variables_page(
                request, account, form=form, errors=field_errors(request, exc), status_code=422
            )
        flash(request, translations(request).gettext("Variabile creata e attivata."), "success")
        return redirect(request, "/extra/variabili")

    @post("/variabili/{variable_id:int}/stato", name="variable_toggle")
    async def toggle_variable(
        self, request: AnyRequest, account: SessionAccount, variable_id: int, data: FormData
    ) -> Response[Any]:
        active = data.get("attiva") == "1"
        await variable_set_active(
            account_id=account.account_id, variable_id=variable_id, active=active
        )
        _ = translations(request).gettext
        flash(
            request, _("Variabile attivata.") if active else _("Variabile disattivata."), "success"
        )
        return redirect(request, "/extra/variabili")

    @get("/variabili/{variable_id:int}/elimina", name="variable_delete_confirm")
    async def delete_variable_confirm(
        self, request: AnyRequest, account: SessionAccount, variable_id: int
    ) -> Response[str]:
        variable = next(
            (v for v in await variables_list(account.account_id) if v.id == variable_id), None
        )
        if variable is None:
            raise NotFoundException()
        return render(request, "extra/variable_delete.html", {"variable": variable})

    @post("/variabili/{variable_id:int}/elimina", name="variable_delete")
    async def delete_variable(
        self, request: AnyRequest, account: SessionAccount, variable_id: int
    ) -> Response[Any]:
        removed = await variable_delete(account_id=account.account_id, variable_id=variable_id)
        message = translations(request).ngettext(
            "Variabile eliminata, con il valore di %(num)s contatto.",
            "Variabile eliminata, con i valori di %(num)s contatti.",
            removed,
        )
        flash(request, message % {"num": removed}, "success")
        return redirect(request, "/extra/variabili")
