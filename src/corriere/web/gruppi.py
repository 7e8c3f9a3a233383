"""GRUPPI: the list with how many contacts each holds, create / edit / delete (contacts stay in
the address book), and each group's members with the address book's search and actions."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body

from corriere.platform.auth.login import SessionAccount
from corriere.platform.contacts.groups import group_create, group_delete, group_update
from corriere.platform.contacts.queries import GroupRow, group_get, groups_list
from corriere.platform.errors import CorriereError
from corriere.web.account_pages import field_errors
from corriere.web.auth import ACCOUNT
from corriere.web.contacts_common import ListParams, list_params
from corriere.web.i18n import translations
from corriere.web.rendering import redirect, render
from corriere.web.rubrica import list_page
from corriere.web.sessions import flash

AnyRequest = Request[Any, Any, Any]
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _form(data: dict[str, str]) -> dict[str, Any]:
    return {
        "name": data.get("name", "").strip(),
        "signature": data.get("signature", "").strip(),
        "web_signup": data.get("web_signup") == "1",
    }


async def _owned(account: SessionAccount, group_id: int) -> GroupRow:
    group = await group_get(account.account_id, group_id)
    if group is None:
        raise NotFoundException()
    return group


async def _index(
    request: AnyRequest,
    account: SessionAccount,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    return render(
        request,
        "gruppi/index.html",
        {
            "groups": await groups_list(account.account_id),
            "form": form or {"name": "", "signature": "", "web_signup": False},
            "errors": errors or {},
        },
        block="group_form" if errors else None,
        status_code=status_code,
    )


class GruppiController(Controller):
    path = "/gruppi"
    dependencies = ACCOUNT

    @get("/", name="groups")
    async def index(self, request: AnyRequest, account: SessionAccount) -> Response[str]:
        return await _index(request, account)

    @post("/", name="group_create")
    async def create(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        form = _form(data)
        try:
            group_id = await group_create(account_id=account.account_id, **form)
        except CorriereError as exc:
            return await _index(
                request, account, form=form, errors=field_errors(request, exc), status_code=422
            )
        flash(request, translations(request).gettext("Gruppo creato."), "success")
        return redirect(request, f"/gruppi/{group_id}")

    @get("/{group_id:int}", name="group")
    async def members(
        self,
        request: AnyRequest,
        account: SessionAccount,
        group_id: int,
        q: str = "",
        ordina: str = "",
        pagina: str = "1",
    ) -> Response[str]:
        group = await _owned(account, group_id)
        found = list_params(q, "", ordina, pagina)
        params = ListParams(found.text, group.id, found.sort, found.page)
        return await list_page(
            request, account, params, group=group, base_path=f"/gruppi/{group.id}"
        )

    @get("/{group_id:int}/modifica", name="group_edit")
    async def edit(
        self, request: AnyRequest, account: SessionAccount, group_id: int
    ) -> Response[str]:
        group = await _owned(account, group_id)
        form = {"name": group.name, "signature": group.signature, "web_signup": group.web_signup}
        return render(request, "gruppi/edit.html", {"group": group, "form": form, "errors": {}})

    @post("/{group_id:int}/modifica", name="group_update")
    async def update(
        self, request: AnyRequest, account: SessionAccount, group_id: int, data: FormData
    ) -> Response[Any]:
        group = await _owned(account, group_id)
        form = _form(data)
        try:
            await group_update(account_id=account.account_id, group_id=group.id, **form)
        except CorriereError as exc:
            return render(
                request,
                "gruppi/edit.html",
                {"group": group, "form": form, "errors": field_errors(request, exc)},
                block="group_form",
                status_code=422,
            )
        flash(request, translations(request).gettext("Gruppo salvato."), "success")
        return redirect(request, f"/gruppi/{group.id}")

    @get("/{group_id:int}/elimina", name="group_delete_confirm")
    async def delete_confirm(
        self, request: AnyRequest, account: SessionAccount, group_id: int
    ) -> Response[str]:
        return render(request, "gruppi/delete.html", {"group": await _owned(account, group_id)})

    @post("/{group_id:int}/elimina", name="group_delete")
    async def delete(
        self, request: AnyRequest, account: SessionAccount, group_id: int
    ) -> Response[Any]:
        await group_delete(account_id=account.account_id, group_id=group_id)
        flash(
            request,
            translations(request).gettext("Gruppo eliminato: i suoi contatti restano in rubrica."),
            "success",
        )
        return redirect(request, "/gruppi")
