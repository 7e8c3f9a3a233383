"""ISCRIZIONE VIA WEB: the owner's settings page (EXTRA › Iscrizione via web) and the public
sign-up page that visitors open directly or inside an iframe on the owner's site.

The owner page works on the signed-in account only (its id comes from the session). The public
pages need no sign-in; they are found by the page's random token, may be framed by any site, and
work without JavaScript (the widget script only inserts the iframe).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import phonenumbers
from babel import Locale
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict

from corriere.platform.auth.login import SessionAccount
from corriere.platform.contacts.fields import provinces
from corriere.platform.contacts.signup import (
    signup_submit,
    signup_unsubscribe,
)
from corriere.platform.contacts.signup_form import (
    DEFAULT_PREFIX,
    SIGNUP_FIELDS,
    SignupFormSettings,
    SignupPage,
    signup_form_get,
    signup_form_update,
    signup_page_get,
    signup_time_token,
)
from corriere.platform.contacts.signup_records import DEFAULT_SOURCE, signup_source
from corriere.platform.errors import CorriereError, NotFoundError, TooManyAttemptsError
from corriere.platform.settings import Settings
from corriere.web.account_pages import field_errors
from corriere.web.auth import ACCOUNT
from corriere.web.client_ip import client_ip
from corriere.web.formatting import collation_key
from corriere.web.i18n import N_, locale_of, translations
from corriere.web.rendering import redirect, render
from corriere.web.security import CSRF_EXEMPT_OPT, FRAME_ANCESTORS_OPT
from corriere.web.sessions import flash
from corriere.web.signup_embed import (
    frame_height,
    iframe_snippet,
    script_snippet,
    widget_js,
    with_source,
)

AnyRequest = Request[Any, Any, Any]

# The optional fields, labelled as the manual's form has them (Italian msgids).
FIELD_LABELS = {
    "first_name": N_("Nome"),
    "last_name": N_("Cognome"),
    "gender": N_("Sesso"),
    "address": N_("Indirizzo"),
    "city": N_("Città"),
    "province": N_("Provincia"),
    "birth_date": N_("Data di nascita"),
    "landline": N_("Telefono fisso"),
    "email": N_("Email"),
    "notes": N_("Note"),
}
DEFAULT_TITLE = N_("Servizio SMS")
# The page's first consent text, in the owner's language (the platform's DEFAULT_CONSENT, which
# a test keeps equal).
CONSENT_MSGID = N_(
    "Acconsento a ricevere SMS informativi da %(name)s e al trattamento del mio numero per questo"
    " scopo. Posso cancellarmi in ogni momento da questa pagina."
)
# Country codes offered next to the number (Italy first; the neighbours, then the usual others).
PREFIX_CODES = ("39", "378", "41", "33", "49", "43", "34", "44", "356", "386", "385", "40", "1")
HONEYPOT = "sito_web"  # people never see it; bots fill it in
OUTCOMES = ("iscritto", "cancellato")
# Embedding pages: the visitor's browser loads the iframe anywhere.
PUBLIC = {FRAME_ANCESTORS_OPT: "*"}
# The public POSTs skip the CSRF check: its cookie is SameSite=Strict, which a browser never sends
# from inside a third-party iframe, so the check would refuse every embedded form. There is no
# session to ride on here anyway; what protects these forms instead is the signed time token
# (issued when the page was rendered), the honeypot field and the rate limits per IP and per
# account (platform/contacts/signup.py).
PUBLIC_FORM = {**PUBLIC, CSRF_EXEMPT_OPT: True}


def _settings(request: AnyRequest) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


def public_url(request: AnyRequest, token: str) -> str:
    return f"{_settings(request).public_base_url.rstrip('/')}/iscrizione/{token}"


@lru_cache(maxsize=8)
def prefix_options(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    options = []
    for code in PREFIX_CODES:
        region = phonenumbers.region_code_for_country_code(int(code))
        options.append((code, f"{names.get(region, region)} (+{code})"))
    # Italy first, the others by name in the reader's language.
    return (options[0], *sorted(options[1:], key=lambda o: collation_key(o[1])))


def province_options(placeholder: str) -> list[tuple[str, str]]:
    return [("", placeholder), *((code, f"{name} ({code})") for code, name in provinces().items())]


# ---------------------------------------------------------------------------- owner page


def _settings_form(saved: SignupFormSettings) -> dict[str, Any]:
    return {
        "fields": list(saved.fields),
        "title": saved.title,
        "consent_text": saved.consent_text,
        "enabled": saved.enabled,
    }


def _owner_page(
    request: AnyRequest,
    saved: SignupFormSettings,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    block: str | None = None,
) -> Response[str]:
    _ = translations(request).gettext
    url = public_url(request, saved.token)
    title = saved.title or _(DEFAULT_TITLE)
    height = frame_height(saved.fields, len(saved.groups))
    return render(
        request,
        "signup/settings.html",
        {
            "saved": saved,
            "form": form or _settings_form(saved),
            "errors": errors or {},
            "field_choices": [(name, _(FIELD_LABELS[name])) for name in SIGNUP_FIELDS],
            "url": url,
            "iframe_snippet": iframe_snippet(url, title, height),
            "script_snippet": script_snippet(url),
        },
        block=block,
        status_code=status_code,
    )


class SignupSettingsController(Controller):
    """EXTRA › Iscrizione via web: what the page asks, its texts, and how to embed it."""

    path = "/extra/iscrizione"
    dependencies = ACCOUNT

    @get("/", name="signup_settings")
    async def index(self, request: AnyRequest, account: SessionAccount) -> Response[str]:
        # The first visit creates the page: its consent text in the owner's language.
        consent = translations(request).gettext(CONSENT_MSGID)
        return _owner_page(
            request, await signup_form_get(account.account_id, consent_template=consent)
        )

    @post("/", name="signup_settings_update")
    async def update(self, request: AnyRequest, account: SessionAccount) -> Response[Any]:
        data: FormMultiDict = await request.form()
        fields = [str(v) for v in data.getall("fields", [])]
        title = str(data.get("title", ""))
        consent_text = str(data.get("consent_text", ""))
        enabled = data.get("enabled") == "1"
        form = {
            "fields": fields,
            "title": title,
            "consent_text": consent_text,
            "enabled": enabled,
        }
        try:
            await signup_form_update(
                account_id=account.account_id,
                fields=fields,
                title=title,
                consent_text=consent_text,
                enabled=enabled,
            )
        except CorriereError as exc:
            saved = await signup_form_get(account.account_id)
            return _owner_page(
                request,
                saved,
                form=form,
                errors=field_errors(request, exc),
                status_code=422,
                block="settings",
            )
        flash(request, translations(request).gettext("Impostazioni salvate."), "success")
        return redirect(request, "/extra/iscrizione")


# ---------------------------------------------------------------------------- public pages


def _public_page(
    request: AnyRequest,
    page: SignupPage,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    cancel_form: dict[str, str] | None = None,
    cancel_errors: dict[str, str] | None = None,
    outcome: str = "",
    source: str = DEFAULT_SOURCE,
    status_code: int = 200,
) -> Response[str]:
    _ = translations(request).gettext
    return render(
        request,
        "signup/page.html",
        {
            "page": page,
            "title": page.title or _(DEFAULT_TITLE),
            "form": form or {"prefix": DEFAULT_PREFIX, "groups": []},
            "errors": errors or {},
            "cancel_form": cancel_form or {"prefix": DEFAULT_PREFIX},
            "cancel_errors": cancel_errors or {},
            "outcome": outcome,
            "action": f"/iscrizione/{page.token}",
            "page_url": with_source(f"/iscrizione/{page.token}", source),
            "started": signup_time_token(page),
            "cancel_started": signup_time_token(page, purpose="unsubscribe"),
            "source": source,
            "honeypot": HONEYPOT,
            "labels": FIELD_LABELS,
            "prefixes": prefix_options(locale_of(request)),
            "provinces": province_options(_("Scegli una provincia")),
        },
        status_code=status_code,
    )


def _outcome_url(token: str, outcome: str, source: str) -> str:
    url = f"/iscrizione/{token}?esito={outcome}"
    return url if source == DEFAULT_SOURCE else f"{url}&origine={source}"


def _missing(request: AnyRequest) -> Response[str]:
    return render(request, "signup/missing.html", {}, status_code=404)


def _error_status(exc: CorriereError) -> int:
    return 429 if isinstance(exc, TooManyAttemptsError) else 422


class SignupPublicController(Controller):
    """The public page, its two forms and the embedding script; no sign-in."""

    path = "/iscrizione"

    @get("/{token:str}", name="signup_page", opt=PUBLIC)
    async def page(
        self, request: AnyRequest, token: str, esito: str = "", origine: str = ""
    ) -> Response[str]:
        page = await signup_page_get(token)
        if page is None:
            return _missing(request)
        # How the page is shown (the owner's snippets add ?origine=iframe / script), carried by
        # the forms to the POST: the evidence of where the subscription came from.
        outcome = esito if esito in OUTCOMES else ""
        return _public_page(request, page, outcome=outcome, source=signup_source(origine))

    @post("/{token:str}", name="signup_subscribe", opt=PUBLIC_FORM)
    async def subscribe(self, request: AnyRequest, token: str) -> Response[Any]:
        data: FormMultiDict = await request.form()
        form: dict[str, Any] = {
            name: str(data.get(name, "")) for name in ("mobile", "prefix", *SIGNUP_FIELDS)
        }
        chosen = [str(v) for v in data.getall("groups", [])]
        form["groups"] = chosen
        form["consent"] = data.get("consent") == "1"
        source = signup_source(data.get("origine"))
        try:
            await signup_submit(
                token=token,
                form={k: v for k, v in form.items() if isinstance(v, str)},
                group_ids=[int(v) if v.isdigit() and len(v) < 19 else -1 for v in chosen],
                consent=bool(form["consent"]),
                ip=client_ip(request),
                source=source,
                user_agent=request.headers.get("user-agent", ""),
                started_at_token=str(data.get("started", "")),
                honeypot=str(data.get(HONEYPOT, "")),
            )
        except NotFoundError:
            return _missing(request)
        except CorriereError as exc:
            page = await signup_page_get(token)
            if page is None:
                return _missing(request)
            return _public_page(
                request,
                page,
                form=form,
                errors=field_errors(request, exc),
                source=source,
                status_code=_error_status(exc),
            )
        return redirect(request, _outcome_url(token, "iscritto", source))

    @post("/{token:str}/cancella", name="signup_unsubscribe", opt=PUBLIC_FORM)
    async def unsubscribe(self, request: AnyRequest, token: str) -> Response[Any]:
        data: FormMultiDict = await request.form()
        cancel_form = {
            "mobile": str(data.get("cancel_mobile", "")),
            "prefix": str(data.get("cancel_prefix", "")),
        }
        source = signup_source(data.get("origine"))
        try:
            await signup_unsubscribe(
                token=token,
                mobile=cancel_form["mobile"],
                prefix=cancel_form["prefix"],
                ip=client_ip(request),
                source=source,
                user_agent=request.headers.get("user-agent", ""),
                started_at_token=str(data.get("started", "")),
                honeypot=str(data.get(HONEYPOT, "")),
            )
        except NotFoundError:
            return _missing(request)
        except CorriereError as exc:
            page = await signup_page_get(token)
            if page is None:
                return _missing(request)
            errors = field_errors(request, exc)
            return _public_page(
                request,
                page,
                cancel_form=cancel_form,
                cancel_errors={
                    (f"cancel_{k}" if k in ("mobile", "prefix") else k): v
                    for k, v in errors.items()
                },
                source=source,
                status_code=_error_status(exc),
            )
        return redirect(request, _outcome_url(token, "cancellato", source))

    @get("/{token:str}/widget.js", name="signup_widget", opt={"skip_session": True})
    async def widget(self, request: AnyRequest, token: str) -> Response[str]:
        """A script for the owner's site: it puts the page's iframe right after itself."""
        page = await signup_page_get(token)
        if page is None:
            return Response(
                content="/* Corriere: no sign-up form at this address. */\n",
                status_code=404,
                media_type="text/javascript",
            )
        _ = translations(request).gettext
        return Response(
            content=widget_js(
                with_source(public_url(request, page.token), "script"),
                page.title or _(DEFAULT_TITLE),
                frame_height(page.fields, len(page.groups)),
            ),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600", "Vary": "Accept-Language"},
        )
