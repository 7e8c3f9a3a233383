"""RUBRICA: the address book list (search as you type, group filter, sort by surname, pages),
adding, editing and deleting a contact, and acting on many at once.

Everything works on the signed-in account: ids in URLs and forms are looked up with that account,
so another account's contact, group or selection answers 404.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter

from corriere.platform.auth.login import SessionAccount
from corriere.platform.contacts.queries import (
    ContactRow,
    contact_get,
    contacts_count,
    contacts_search,
    group_get,
    groups_list,
    variables_list,
)
from corriere.platform.contacts.services import (
    FORM_FIELDS,
    Selection,
    contact_create,
    contact_delete,
    contact_update,
    contact_values,
    contacts_bulk,
)
from corriere.platform.contacts.signup_records import signup_records
from corriere.platform.errors import ConflictError, CorriereError
from corriere.web.account_pages import field_errors
from corriere.web.auth import ACCOUNT
from corriere.web.contacts_common import (
    ListParams,
    list_params,
    prefix_options,
    province_options,
    split_mobile,
)
from corriere.web.i18n import N_, locale_of, translations
from corriere.web.rendering import redirect, render, safe_next
from corriere.web.sessions import flash

AnyRequest = Request[Any, Any, Any]
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
# Where to go back after saving or deleting: the list the contact was opened from (local paths
# only, `safe_next`), so a group's members with their search come back as they were.
Next = Annotated[str, Parameter(query="next")]
# How a web sign-up's form was shown (signup_records.SOURCES; "direct": older records).
SOURCE_LABELS = {
    "page": N_("pagina di iscrizione"),
    "direct": N_("pagina di iscrizione"),
    "iframe": N_("modulo nel sito (iframe)"),
    "script": N_("modulo nel sito (script)"),
}

FIELDS = ("mobile", *FORM_FIELDS)


def _values(data: dict[str, Any], name: str) -> list[str]:
    """A form field that may repeat (checkboxes): always a list."""
    value = data.get(name, [])
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _first(data: dict[str, Any], name: str) -> str:
    values = _values(data, name)
    return values[0].strip() if values else ""


def _ids(data: dict[str, Any], name: str) -> list[int]:
    return [int(v) for v in _values(data, name) if v.isdigit() and 0 < int(v) < 2**62]


async def list_page(
    request: AnyRequest,
    account: SessionAccount,
    params: ListParams,
    *,
    template: str = "rubrica/index.html",
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    """The contact list (also the member list of a group: `params.group_id` set)."""
    result = await contacts_search(
        account.account_id, params.filter, sort=params.sort, page=params.page
    )
    if result.page > result.pages:
        params = ListParams(params.text, params.group_id, params.sort, result.pages)
        result = await contacts_search(
            account.account_id, params.filter, sort=params.sort, page=params.page
        )
    groups = await groups_list(account.account_id)
    base = context.pop("base_path", "/rubrica")
    # A group's own page says which group in its path, not in the query.
    own = {"gruppo": ""} if "group" in context else {}
    query = params.query(**own)
    list_url = f"{base}?{query}" if query else base
    return render(
        request,
        template,
        {
            "result": result,
            "params": params,
            "groups": groups,
            "base_path": base,
            # Where a contact opened from the list goes back to, and what the export links
            # export: this very list (search, group, order), as the fragment swaps it.
            "list_url": list_url,
            "next_query": urlencode({"next": list_url}),
            "next_base": urlencode({"next": base}),
            "export_query": params.query(pagina=""),
            "previous_url": f"{base}?{params.query(pagina=params.page - 1, **own)}"
            if result.page > 1
            else None,
            "next_url": f"{base}?{params.query(pagina=params.page + 1, **own)}"
            if result.page < result.pages
            else None,
            "sort_url": f"{base}?{params.query(ordina='' if params.sort == 'surname' else 'cognome', pagina='', **own)}",
            **context,
        },
        block="results",
        status_code=status_code,
    )


async def _form_page(
    request: AnyRequest,
    account: SessionAccount,
    *,
    contact: ContactRow | None,
    form: dict[str, str],
    group_ids: list[int],
    variables: dict[str, str],
    errors: dict[str, str] | None = None,
    existing_id: int | None = None,
    back: str = "/rubrica",
    status_code: int = 200,
) -> Response[str]:
    _ = translations(request).gettext
    return render(
        request,
        "rubrica/form.html",
        {
            "contact": contact,
            "back": back,
            "signups": await signup_records(account.account_id, contact.id) if contact else [],
            "source_labels": SOURCE_LABELS,
            "form": form,
            "errors": errors or {},
            "group_ids": group_ids,
            "groups": await groups_list(account.account_id),
            "variables": await variables_list(account.account_id, active_only=True),
            "variable_values": variables,
            "prefixes": prefix_options(locale_of(request)),
            "provinces": province_options(_("Scegli una provincia")),
            "existing_id": existing_id,
        },
        block="contact_form",
        status_code=status_code,
    )


def _form_of(contact: ContactRow | None, default_prefix: str) -> dict[str, str]:
    if contact is None:
        return {"prefix": default_prefix}
    prefix, national = split_mobile(contact.mobile)
    return {
        "prefix": prefix,
        "mobile": national,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "gender": contact.gender,
        "address": contact.address,
        "city": contact.city,
        "province": contact.province,
        "birth_date": contact.birth_date.isoformat() if contact.birth_date else "",
        "landline": contact.landline,
        "email": contact.email,
        "notes": contact.notes,
        "birthday_sms": "1" if contact.birthday_sms else "",
    }


async def _owned_contact(account: SessionAccount, contact_id: int) -> ContactRow:
    contact = await contact_get(account.account_id, contact_id)
    if contact is None:
        raise NotFoundException()
    return contact


class RubricaController(Controller):
    path = "/rubrica"
    dependencies = ACCOUNT

    @get("/", name="rubrica")
    async def index(
        self,
        request: AnyRequest,
        account: SessionAccount,
        q: str = "",
        gruppo: str = "",
        ordina: str = "",
        pagina: str = "1",
    ) -> Response[str]:
        params = list_params(q, gruppo, ordina, pagina)
        if (
            params.group_id is not None
            and await group_get(account.account_id, params.group_id) is None
        ):
            raise NotFoundException()  # deleted, or another account's
        return await list_page(request, account, params)

    @get("/nuovo", name="contact_new")
    async def new(
        self, request: AnyRequest, account: SessionAccount, gruppo: str = "", next_: Next = ""
    ) -> Response[str]:
        preset = [int(gruppo)] if gruppo.isdigit() else []
        if preset and await group_get(account.account_id, preset[0]) is None:
            raise NotFoundException()
        return await _form_page(
            request,
            account,
            contact=None,
            form=_form_of(None, account.profile.default_prefix),
            group_ids=preset,
            variables={},
            back=safe_next(next_, "/rubrica"),
        )

    @post("/nuovo", name="contact_create")
    async def create(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        return await self._save(request, account, data, contact=None)

    @get("/{contact_id:int}", name="contact_edit")
    async def edit(
        self, request: AnyRequest, account: SessionAccount, contact_id: int, next_: Next = ""
    ) -> Response[str]:
        contact = await _owned_contact(account, contact_id)
        return await _form_page(
            request,
            account,
            contact=contact,
            form=_form_of(contact, account.profile.default_prefix),
            group_ids=[g.id for g in contact.groups],
            variables=contact.variables,
            back=safe_next(next_, "/rubrica"),
        )

    @post("/{contact_id:int}", name="contact_update")
    async def update(
        self, request: AnyRequest, account: SessionAccount, contact_id: int, data: FormData
    ) -> Response[Any]:
        contact = await _owned_contact(account, contact_id)
        return await self._save(request, account, data, contact=contact)

    async def _save(
        self,
        request: AnyRequest,
        account: SessionAccount,
        data: dict[str, Any],
        *,
        contact: ContactRow | None,
    ) -> Response[Any]:
        _ = translations(request).gettext
        back = safe_next(_first(data, "next"), "/rubrica")
        form = {name: _first(data, name) for name in (*FIELDS, "prefix", "birthday_sms")}
        group_ids = _ids(data, "groups")
        active = [v.name for v in await variables_list(account.account_id, active_only=True)]
        variables = {name: _first(data, f"var_{name}") for name in active}
        existing: int | None = None
        try:
            values = contact_values(
                form, prefix=form["prefix"], variables=variables, variable_names=active
            )
            if contact is None:
                await contact_create(
                    account_id=account.account_id, values=values, group_ids=group_ids
                )
            else:
                await contact_update(
                    account_id=account.account_id,
                    contact_id=contact.id,
                    values=values,
                    group_ids=group_ids,
                    variable_names=active,
                )
        except CorriereError as exc:
            if isinstance(exc, ConflictError):
                existing = exc.details.get("contact_id")
            return await _form_page(
                request,
                account,
                contact=contact,
                form=form,
                group_ids=group_ids,
                variables=variables,
                errors=field_errors(request, exc),
                existing_id=existing,
                back=back,
                status_code=422,
            )
        flash(
            request,
            _("Contatto aggiunto alla rubrica.") if contact is None else _("Contatto salvato."),
            "success",
        )
        if contact is None and _first(data, "altro") == "1":
            return redirect(request, f"/rubrica/nuovo?{urlencode({'next': back})}")
        return redirect(request, back)

    @get("/{contact_id:int}/elimina", name="contact_delete_confirm")
    async def delete_confirm(
        self, request: AnyRequest, account: SessionAccount, contact_id: int, next_: Next = ""
    ) -> Response[str]:
        contact = await _owned_contact(account, contact_id)
        return render(
            request,
            "rubrica/delete.html",
            {"contact": contact, "back": safe_next(next_, "/rubrica")},
        )

    @post("/{contact_id:int}/elimina", name="contact_delete")
    async def delete(
        self, request: AnyRequest, account: SessionAccount, contact_id: int, data: FormData
    ) -> Response[Any]:
        await contact_delete(account_id=account.account_id, contact_id=contact_id)
        flash(
            request, translations(request).gettext("Contatto eliminato dalla rubrica."), "success"
        )
        return redirect(request, safe_next(_first(data, "next"), "/rubrica"))

    @post("/azioni", name="contacts_bulk")
    async def bulk(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        """Add the selection to a group, remove it from one, or delete it (after a confirmation
        page that says how many). The selection: ticked rows, or every result of the search."""
        _ = translations(request).gettext
        params = list_params(_first(data, "q"), _first(data, "gruppo"), _first(data, "ordina"))
        every = _first(data, "tutti") == "1"
        selection = Selection(
            ids=tuple(_ids(data, "id")), every_result_of=params.filter if every else None
        )
        action = _first(data, "azione")
        target = _first(data, "destinazione")
        group_id = int(target) if target.isdigit() else None
        back = _first(data, "indietro") or "/rubrica"
        back = back if back.startswith(("/rubrica", "/gruppi/")) else "/rubrica"
        if not selection.ids and not every:
            flash(request, _("Seleziona almeno un contatto."), "warning")
            return redirect(request, back)
        actions = {"aggiungi": "add_to_group", "rimuovi": "remove_from_group", "elimina": "delete"}
        if action not in actions:
            flash(request, _("Scegli cosa fare dei contatti selezionati."), "warning")
            return redirect(request, back)
        if action != "elimina" and group_id is None:
            flash(request, _("Scegli il gruppo."), "warning")
            return redirect(request, back)
        if action == "elimina" and _first(data, "conferma") != "1":
            count = (
                await contacts_count(account.account_id, params.filter)
                if every
                else len(set(selection.ids))
            )
            return render(
                request,
                "rubrica/bulk_delete.html",
                {
                    "count": count,
                    "ids": sorted(set(selection.ids)),
                    "every": every,
                    "params": params,
                    "back": back,
                },
            )
        try:
            changed = await contacts_bulk(
                account_id=account.account_id,
                action=actions[action],  # type: ignore[arg-type]
                selection=selection,
                group_id=group_id,
            )
        except CorriereError as exc:
            flash(request, field_errors(request, exc).popitem()[1], "error")
            return redirect(request, back)
        if action == "elimina":
            message = translations(request).ngettext(
                "%(num)s contatto eliminato.", "%(num)s contatti eliminati.", changed
            )
        elif action == "aggiungi":
            message = translations(request).ngettext(
                "%(num)s contatto aggiunto al gruppo.",
                "%(num)s contatti aggiunti al gruppo.",
                changed,
            )
        else:
            message = translations(request).ngettext(
                "%(num)s contatto tolto dal gruppo.", "%(num)s contatti tolti dal gruppo.", changed
            )
        flash(request, message % {"num": changed}, "success")
        return redirect(request, back)
