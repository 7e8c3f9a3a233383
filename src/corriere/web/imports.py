"""IMPORTARE I CONTATTI and ESPORTARE: the import form (file or pasted numbers), the import's
progress and report (it runs in the background; the page polls and survives a reload), the
rejected rows as a file, the manual's example sheet, and exports of the book, a group or a search.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Stream

from corriere.platform.auth.login import SessionAccount
from corriere.platform.contacts.exporting import (
    export_csv,
    export_filename,
    export_xlsx,
    file_chunks,
)
from corriere.platform.contacts.fields import FIELDS
from corriere.platform.contacts.importing.queries import (
    ImportRow,
    ReportLine,
    import_get,
    import_report,
    imports_list,
)
from corriere.platform.contacts.importing.report import rejected_rows_csv
from corriere.platform.contacts.importing.services import (
    ImportTarget,
    contact_import_enqueue,
    contact_import_start,
)
from corriere.platform.contacts.queries import group_get, groups_list, variables_list
from corriere.platform.errors import CorriereError
from corriere.platform.ports import Scheduler
from corriere.platform.settings import Settings
from corriere.web.account_pages import field_errors
from corriere.web.auth import ACCOUNT
from corriere.web.contacts_common import list_params, prefix_options
from corriere.web.errors import message_text
from corriere.web.formatting import format_number
from corriere.web.i18n import locale_of, translations
from corriere.web.rendering import redirect, render

AnyRequest = Request[Any, Any, Any]
UPLOAD_LIMIT = 512 * 1024 * 1024  # the route's hard cap; the configured limit is checked below
REPORT_PAGE = 100

KIND_LABELS = {
    "xlsx": "Excel (.xlsx)",
    "xls": "Excel 97-2003 (.xls)",
    "ods": "OpenDocument (.ods)",
    "csv": "CSV",
    "paste": "",
}


def _settings(request: AnyRequest) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


def reason_text(request: AnyRequest, line: ReportLine) -> str:
    return message_text(request, line.reason, line.reason_params)


async def _form_page(
    request: AnyRequest,
    account: SessionAccount,
    *,
    form: dict[str, str],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    groups = await groups_list(account.account_id)
    locale = locale_of(request)
    return render(
        request,
        "rubrica/import.html",
        {
            "form": form,
            "errors": errors or {},
            "groups": groups,
            "group_options": [
                ("", "—"),
                *((str(g.id), f"{g.name} ({format_number(g.members, locale)})") for g in groups),
            ],
            "variables": await variables_list(account.account_id),
            "prefixes": prefix_options(locale),
            "headers": [h for _, h in FIELDS],
            "max_mb": _settings(request).import_max_bytes // (1024 * 1024),
            "max_rows": _settings(request).import_max_rows,
        },
        block="import_form" if errors else None,
        status_code=status_code,
    )


async def _owned_import(account: SessionAccount, import_id: int) -> ImportRow:
    job = await import_get(account.account_id, import_id)
    if job is None:
        raise NotFoundException()
    return job


class ImportController(Controller):
    path = "/rubrica"
    dependencies = ACCOUNT

    @get("/importa", name="contacts_import_form")
    async def form(
        self, request: AnyRequest, account: SessionAccount, gruppo: str = ""
    ) -> Response[str]:
        group = await group_get(account.account_id, int(gruppo)) if gruppo.isdigit() else None
        if gruppo.isdigit() and group is None:
            raise NotFoundException()  # deleted, or another account's
        form = {
            "mode": "prefix",
            "prefix": account.profile.default_prefix,
            "target": "group" if group else "book",
            "group": str(group.id) if group else "",
        }
        return await _form_page(request, account, form=form)

    @post("/importa", name="contacts_import", request_max_body_size=UPLOAD_LIMIT)
    async def start(
        self,
        request: AnyRequest,
        account: SessionAccount,
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Response[Any]:
        _ = translations(request).gettext
        settings = _settings(request)
        text = {k: v.strip() for k, v in data.items() if isinstance(v, str)}
        form = {
            "mode": text.get("mode", "complete"),
            "prefix": text.get("prefix", ""),
            "target": text.get("target", "book"),
            "group": text.get("group", ""),
            "new_group": text.get("new_group", ""),
            "pasted": text.get("pasted", ""),
        }
        upload = data.get("file")
        content = b""
        filename = ""
        if isinstance(upload, UploadFile) and upload.filename:
            filename = upload.filename
            content = await upload.read(settings.import_max_bytes + 1)
            await upload.close()
        errors: dict[str, str] = {}
        if content and form["pasted"]:
            errors["pasted"] = _("Scegli un file oppure incolla i numeri, non entrambi.")
        elif not content and not form["pasted"]:
            errors["file"] = (
                _("Il file è vuoto")
                if filename
                else _("Scegli un file da importare o incolla i numeri.")
            )
        if form["target"] == "group" and not form["group"].isdigit():
            errors["group"] = _("Scegli il gruppo.")
        if form["target"] == "new" and not form["new_group"]:
            errors["new_group"] = _("Indicare il nome del gruppo")
        if errors:
            return await _form_page(request, account, form=form, errors=errors, status_code=422)
        target = ImportTarget(
            group_id=int(form["group"]) if form["target"] == "group" else None,
            new_group=form["new_group"] if form["target"] == "new" else "",
        )
        try:
            import_id = await contact_import_start(
                account_id=account.account_id,
                filename=filename,
                data=content if content else None,
                pasted=form["pasted"] or None,
                target=target,
                prefix=form["prefix"] if form["mode"] == "prefix" else "",
                settings=settings,
            )
        except CorriereError as exc:
            return await _form_page(
                request, account, form=form, errors=field_errors(request, exc), status_code=422
            )
        scheduler: Scheduler | None = request.app.state.get("scheduler")
        if scheduler is not None:
            try:
                await contact_import_enqueue(import_id=import_id, scheduler=scheduler)
            except CorriereError as exc:  # the queue is unreachable: the import is marked failed
                return await _form_page(
                    request, account, form=form, errors=field_errors(request, exc), status_code=503
                )
        return redirect(request, f"/rubrica/importa/{import_id}")

    @get("/importa/{import_id:int}", name="contacts_import_status")
    async def status(
        self, request: AnyRequest, account: SessionAccount, import_id: int, pagina: str = "1"
    ) -> Response[str]:
        job = await _owned_import(account, import_id)
        page = int(pagina) if pagina.isdigit() and int(pagina) > 0 else 1
        rejected: list[ReportLine] = []
        warnings: list[ReportLine] = []
        total_rejected = total_warnings = 0
        if job.status == "done":
            rejected, total_rejected = await import_report(
                account.account_id, job.id, rejected=True, page=page, per_page=REPORT_PAGE
            )
            warnings, total_warnings = await import_report(
                account.account_id, job.id, rejected=False, page=1, per_page=REPORT_PAGE
            )
        return render(
            request,
            "rubrica/import_status.html",
            {
                "job": job,
                "kind_label": KIND_LABELS.get(job.kind, job.kind),
                "error": message_text(request, job.error, job.error_params) if job.error else "",
                "rejected": [(line, reason_text(request, line)) for line in rejected],
                "warnings": warnings,
                "total_rejected": total_rejected,
                "total_warnings": total_warnings,
                "page": page,
                "pages": max(1, -(-total_rejected // REPORT_PAGE)),
            },
            block="import_status",
        )

    @get("/importa/{import_id:int}/scartati.csv", name="contacts_import_rejected")
    async def rejected_file(
        self, request: AnyRequest, account: SessionAccount, import_id: int
    ) -> Stream:
        job = await _owned_import(account, import_id)
        _ = translations(request).gettext
        chunks = rejected_rows_csv(
            job,
            describe=lambda line: reason_text(request, line),
            row_label=_("Riga"),
            reason_label=_("Motivo"),
        )
        return Stream(
            chunks,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="scartati-importazione-{job.id}.csv"'
            },
        )

    @get("/importazioni", name="contacts_imports")
    async def recent(self, request: AnyRequest, account: SessionAccount) -> Response[str]:
        return render(
            request,
            "rubrica/imports.html",
            {"imports": await imports_list(account.account_id, limit=50), "kinds": KIND_LABELS},
        )

    @get("/importa/esempio.xlsx", name="contacts_import_example")
    async def example(self, request: AnyRequest, account: SessionAccount) -> Response[bytes]:
        """The manual's example sheet, with the account's active variables as extra columns."""
        from openpyxl import Workbook

        names = [v.name for v in await variables_list(account.account_id, active_only=True)]
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "Rubrica"
        sheet.append([h for _, h in FIELDS] + names)
        examples: list[list[Any]] = [
            [
                "Primo",
                "Contatto",
                "39345678910",
                "M",
                "Via non so quale, Bologna",
                "Bologna",
                "BO",
                date(1978, 4, 21),
                "051234567",
                "esempio@example.com",
                "Nota 1",
                "X",
            ],
            [
                "Secondo",
                "Riferimento",
                "39345678911",
                "M",
                "Via come prima, Roma",
                "Roma",
                "RM",
                date(1968, 12, 6),
                "0612345678",
                "esempio2@example.com",
                "Nota 2",
                "",
            ],
            [
                "Terza",
                "Persona",
                "39345678912",
                "F",
                "Viale dell'sms, 34 Venezia",
                "Venezia",
                "VE",
                date(1912, 12, 12),
                "0412345678",
                "esempio3@example.com",
                "Nota 3",
                "",
            ],
            ["", "", "39345678913"],
            ["Antonio", "", "39345678914"],
            ["Gustavo", "", "39345678915", "M"],
        ]
        for row in examples:
            sheet.append(row)
        for cell in sheet["H"][1:]:
            cell.number_format = "DD/MM/YYYY"
        buffer = io.BytesIO()
        workbook.save(buffer)
        return Response(
            buffer.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="esempio-rubrica.xlsx"'},
        )

    @get("/esporta", name="contacts_export")
    async def export(
        self,
        request: AnyRequest,
        account: SessionAccount,
        formato: str = "xlsx",
        q: str = "",
        gruppo: str = "",
        ordina: str = "",
    ) -> Stream:
        """The address book, a group (`gruppo`) or the current search (`q`), in the list's order
        (`ordina`), same headers as the import."""
        params = list_params(q, gruppo, ordina)
        name = "rubrica"
        if params.group_id is not None:
            group = await group_get(account.account_id, params.group_id)
            if group is None:
                raise NotFoundException()
            name = f"gruppo-{group.name}"
        names = [v.name for v in await variables_list(account.account_id, active_only=True)]
        stamp = date.today().isoformat()
        if formato == "csv":
            chunks: AsyncIterator[bytes] = export_csv(
                account.account_id, params.filter, names, sort=params.sort
            )
            media = "text/csv; charset=utf-8"
            filename = export_filename(f"{name}-{stamp}", "csv")
        else:
            handle = await export_xlsx(account.account_id, params.filter, names, sort=params.sort)
            chunks = file_chunks(handle)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            filename = export_filename(f"{name}-{stamp}", "xlsx")
        return Stream(
            chunks,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
