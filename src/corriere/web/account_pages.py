"""ACCOUNT: personal data and preferences, password change, application passwords.

Every page needs a signed-in account (`dependencies=ACCOUNT`); every action works on that account
only (its id comes from the session, never from the form or the URL).

An application password's secret is shown once, in the answer to the POST that created it: it is
never put in the session or in a redirect URL, and the platform keeps only its hash.

A new mobile number is saved only once the code sent to it by SMS is typed here (as at
registration); until then the account keeps its number and the page shows the one waiting.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from corriere.platform.accounts.profile import (
    account_mobile_change_cancel,
    account_mobile_confirm,
    account_mobile_pending,
    account_mobile_resend,
    account_password_change,
    account_profile_update,
)
from corriere.platform.accounts.queries import AccountProfile
from corriere.platform.auth.app_passwords import (
    AppPasswordRow,
    app_password_create,
    app_password_revoke,
    app_passwords_list,
)
from corriere.platform.auth.login import SessionAccount
from corriere.platform.auth.policy import MIN_LENGTH
from corriere.platform.errors import (
    CorriereError,
    FieldErrors,
    NotFoundError,
    TooManyAttemptsError,
)
from corriere.platform.ports import Scheduler
from corriere.platform.settings import Settings
from corriere.web.auth import ACCOUNT, EPOCH_KEY, refresh_session
from corriere.web.contacts_common import prefix_options
from corriere.web.errors import FORM_ERROR_KEY, message_text
from corriere.web.i18n import LOCALE_NAMES, LOCALES, N_, locale_of, translations, use_locale
from corriere.web.rendering import redirect, render
from corriere.web.sessions import LOCALE_KEY, TIMEZONE_KEY, flash, renew_session

AnyRequest = Request[Any, Any, Any]
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]

PROFILE_FIELDS = (
    "email",
    "mobile",
    "first_name",
    "last_name",
    "default_prefix",
    "locale",
    "timezone",
)
# Offered in the time-zone select (the account's own zone is added when it is not one of them).
COMMON_TIMEZONES = (
    "Europe/Rome",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Brussels",
    "Europe/Amsterdam",
    "Europe/Zurich",
    "Europe/Berlin",
    "Europe/Vienna",
    "Europe/Ljubljana",
    "Europe/Malta",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Bucharest",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Cairo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "UTC",
)

# The platform's constant messages are marked for translation in `platform_messages.py`; these
# are the ones only the account form shows (profile.py puts the phone check's reason in them).
MOBILE_MESSAGES = (
    N_("Numero di cellulare non valido: numero vuoto"),
    N_("Numero di cellulare non valido: contiene caratteri non numerici"),
    N_("Numero di cellulare non valido: numero non valido"),
    N_("Numero di cellulare non valido: non è un numero di cellulare"),
)
# Platform messages with a value inside that no list can enumerate: the Italian pattern, and the
# msgid to show instead (with the value put back in).
PLATFORM_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Soglia non valida: (?P<value>.*) \(usa numeri positivi separati da virgola\)"),
        N_("Soglia non valida: %(value)s (usa numeri positivi separati da virgola)"),
    ),
    (
        re.compile(r"Indirizzi e-mail non validi: (?P<value>.*)"),
        N_("Indirizzi e-mail non validi: %(value)s"),
    ),
    (
        re.compile(
            r"Puoi avere al massimo (?P<value>\d+) password applicative attive: revocane una"
        ),
        N_("Puoi avere al massimo %(value)s password applicative attive: revocane una"),
    ),
)


def platform_text(request: AnyRequest, message: str) -> str:
    """A platform message (Italian) in the request's language."""
    _ = translations(request).gettext
    translated = _(message)
    if translated != message:
        return translated
    for pattern, msgid in PLATFORM_PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            return _(msgid) % match.groupdict()
    return message


def translated(request: AnyRequest, template: str, params: dict[str, str]) -> str:
    """A platform message given as template and values, in the request's language (values named
    `reason…` are messages themselves)."""
    return message_text(request, template, params) if params else platform_text(request, template)


def error_text(request: AnyRequest, exc: CorriereError) -> str:
    return translated(request, exc.template, exc.params)


def field_errors(request: AnyRequest, exc: CorriereError) -> dict[str, str]:
    """`{field: translated message}` for every field `exc` names (FieldErrors names several)."""
    if isinstance(exc, FieldErrors):
        return {
            name: translated(request, template, exc.field_params.get(name, {}))
            for name, template in exc.templates.items()
        }
    return {exc.field or FORM_ERROR_KEY: error_text(request, exc)}


def timezone_options(current: str) -> list[tuple[str, str]]:
    zones = list(COMMON_TIMEZONES)
    if current and current not in zones:
        zones.insert(0, current)
    return [(zone, zone.replace("_", " ")) for zone in zones]


def _settings(request: AnyRequest) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


async def _send_soon(request: AnyRequest) -> None:
    """Ask the workers to send the SMS with the code now (their cron would, a little later)."""
    scheduler: Scheduler | None = request.app.state.get("scheduler")
    if scheduler is not None:
        await scheduler.dispatch_soon()


def _default_prefixes(locale: str, current: str) -> tuple[tuple[str, str], ...]:
    """Every country code named in the reader's language (the account's own kept if unknown);
    a tuple, so the select's markup is remembered (`form_html`)."""
    options = prefix_options(locale)
    if current and all(code != current for code, _label in options):
        return ((current, f"+{current}"), *options)
    return options


def _profile_form(profile: AccountProfile) -> dict[str, str]:
    return {name: str(getattr(profile, name)) for name in PROFILE_FIELDS}


async def _page(
    request: AnyRequest,
    account: SessionAccount,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """The account page, with whatever form state `context` overrides (the account comes from
    the session check, which loaded it in the same query)."""
    profile = account.profile
    values: dict[str, Any] = {
        "profile": profile,
        "form": _profile_form(profile),
        "errors": {},
        "password_errors": {},
        "app_form": {},
        "app_errors": {},
        "created": None,
        "app_passwords": await app_passwords_list(account.account_id),
        "pending_mobile": await account_mobile_pending(account.account_id),
        "mobile_errors": {},
        "password_min_length": MIN_LENGTH,
        "locale_options": [(code, LOCALE_NAMES.get(code, code)) for code in LOCALES],
        **context,
    }
    values["timezone_options"] = timezone_options(profile.timezone)
    values["prefix_options"] = _default_prefixes(locale_of(request), profile.default_prefix)
    return render(
        request,
        "account/index.html",
        values,
        block=block,
        status_code=status_code,
        headers=headers,
    )


async def _owned_app_password(account: SessionAccount, app_password_id: int) -> AppPasswordRow:
    for row in await app_passwords_list(account.account_id):
        if row.id == app_password_id:
            return row
    raise NotFoundError("Password applicativa inesistente")


class AccountController(Controller):
    path = "/account"
    dependencies = ACCOUNT

    @get("/", name="account")
    async def index(self, request: AnyRequest, account: SessionAccount) -> Response[str]:
        return await _page(request, account)

    @post("/dati", name="account_profile")
    async def update_profile(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        form = {name: data.get(name, "").strip() for name in PROFILE_FIELDS}
        try:
            saved = await account_profile_update(
                settings=_settings(request), account_id=account.account_id, **form
            )
        except CorriereError as exc:
            return await _page(
                request,
                account,
                form=form,
                errors=field_errors(request, exc),
                block="profile",
                status_code=422,
            )
        # The panel follows the new language and time zone at once.
        refresh_session(request, **{LOCALE_KEY: form["locale"], TIMEZONE_KEY: form["timezone"]})
        use_locale(request, form["locale"])
        _ = translations(request).gettext
        if saved.mobile_pending is None:
            flash(request, _("Dati personali salvati."), "success")
            return redirect(request, "/account")
        if saved.campaign_id is not None:
            await _send_soon(request)
        message = _(
            "Dati personali salvati. Il nuovo numero %(mobile)s sarà usato dopo la conferma:"
            " inserisci il codice che ti abbiamo inviato via SMS."
        )
        flash(request, message % {"mobile": saved.mobile_pending}, "warning")
        return redirect(request, "/account#mobile-change")

    @post("/cellulare", name="account_mobile_confirm")
    async def confirm_mobile(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        try:
            mobile = await account_mobile_confirm(
                account_id=account.account_id, code=data.get("code", "")
            )
        except CorriereError as exc:
            return await self._mobile_error(request, account, exc)
        message = translations(request).gettext("Numero di cellulare confermato: %(mobile)s.")
        flash(request, message % {"mobile": mobile}, "success")
        return redirect(request, "/account")

    @post("/cellulare/codice", name="account_mobile_resend")
    async def resend_mobile_code(
        self, request: AnyRequest, account: SessionAccount
    ) -> Response[Any]:
        try:
            await account_mobile_resend(settings=_settings(request), account_id=account.account_id)
        except CorriereError as exc:
            return await self._mobile_error(request, account, exc)
        await _send_soon(request)
        flash(request, translations(request).gettext("Ti abbiamo inviato un nuovo codice via SMS."))
        return redirect(request, "/account#mobile-change")

    @post("/cellulare/annulla", name="account_mobile_cancel")
    async def cancel_mobile_change(
        self, request: AnyRequest, account: SessionAccount
    ) -> Response[Any]:
        if await account_mobile_change_cancel(account_id=account.account_id):
            message = translations(request).gettext(
                "Cambio di numero annullato: resta valido il numero %(mobile)s."
            )
            flash(request, message % {"mobile": account.profile.mobile})
        return redirect(request, "/account")

    async def _mobile_error(
        self, request: AnyRequest, account: SessionAccount, exc: CorriereError
    ) -> Response[Any]:
        if isinstance(exc, NotFoundError):  # nothing waits (confirmed or cancelled elsewhere)
            flash(request, error_text(request, exc), "warning")
            return redirect(request, "/account")
        return await _page(
            request,
            account,
            mobile_errors=field_errors(request, exc),
            block="mobile_change",
            status_code=429 if isinstance(exc, TooManyAttemptsError) else 422,
        )

    @post("/password", name="account_password")
    async def change_password(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[Any]:
        _ = translations(request).gettext
        old, new = data.get("old_password", ""), data.get("new_password", "")
        if new != data.get("new_password_confirm", ""):
            errors = {"new_password_confirm": _("Le due password non coincidono")}
        else:
            try:
                epoch = await account_password_change(
                    account_id=account.account_id, old_password=old, new_password=new
                )
            except CorriereError as exc:
                errors = field_errors(request, exc)
            else:
                # Every other session has ended (the epoch moved on); this one carries on, under
                # a new id.
                refresh_session(request, **{EPOCH_KEY: epoch})
                renew_session(request)
                message = _(
                    "Password cambiata. Le altre sessioni aperte con la vecchia password sono"
                    " state chiuse."
                )
                flash(request, message, "success")
                return redirect(request, "/account")
        return await _page(
            request, account, password_errors=errors, block="password", status_code=422
        )

    @post("/password-applicative", name="app_password_create")
    async def create_app_password(
        self, request: AnyRequest, account: SessionAccount, data: FormData
    ) -> Response[str]:
        label = data.get("label", "").strip()
        try:
            created = await app_password_create(account_id=account.account_id, label=label)
        except CorriereError as exc:
            return await _page(
                request,
                account,
                app_form={"label": label},
                app_errors=field_errors(request, exc),
                block="app_passwords",
                status_code=422,
            )
        # The secret travels in this answer only: not cached, not in the session, no redirect.
        return await _page(
            request,
            account,
            created=created,
            block="app_passwords",
            headers={"Cache-Control": "no-store"},
        )

    @post("/password-applicative/{app_password_id:int}/revoca", name="app_password_revoke")
    async def revoke_app_password(
        self, request: AnyRequest, account: SessionAccount, app_password_id: int, data: FormData
    ) -> Response[Any]:
        """Without `conferma`, the confirmation page; with it, the revocation."""
        if data.get("conferma") != "1":
            row = await _owned_app_password(account, app_password_id)
            return render(request, "account/revoke.html", {"app_password": row})
        await app_password_revoke(account_id=account.account_id, app_password_id=app_password_id)
        flash(request, translations(request).gettext("Password applicativa revocata."), "success")
        return redirect(request, "/account#app-passwords")
