"""Registration with the SMS code, sign-in, password recovery (manual: AREA ACCESSO)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from corriere.platform.auth.login import login_attempt
from corriere.platform.auth.recovery import (
    password_reset_complete,
    password_reset_request,
    password_reset_username,
)
from corriere.platform.auth.registration import (
    registration_activate,
    registration_resend,
    registration_start,
)
from corriere.platform.errors import (
    AccountInactiveError,
    AccountNotActivatedError,
    CorriereError,
    FieldErrors,
    LoginFailedError,
    TooManyAttemptsError,
    ValidationError,
)
from corriere.platform.ports import Scheduler
from corriere.platform.settings import Settings
from corriere.web.auth import signed_in, start_session
from corriere.web.client_ip import client_ip
from corriere.web.contacts_common import prefix_options
from corriere.web.errors import form_errors
from corriere.web.i18n import locale_of, translations
from corriere.web.rendering import redirect, render, safe_next
from corriere.web.sessions import flash, session_of

AnyRequest = Request[Any, Any, Any]
FormData = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PENDING_KEY = "pending_account"


def _settings(request: AnyRequest) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


async def _kick(request: AnyRequest, *, dispatch: bool = False, mail: bool = False) -> None:
    """Ask the workers to act now (the SMS with the code, the e-mail); their cron would anyway."""
    scheduler: Scheduler | None = request.app.state.get("scheduler")
    if scheduler is None:
        return
    if dispatch:
        await scheduler.dispatch_soon()
    if mail:
        await scheduler.mail_soon()


def _full_mobile(prefix: str, number: str) -> str:
    number = number.strip()
    if number.startswith(("+", "00")):
        return number
    return f"+{prefix.strip().lstrip('+')}{number}"


def _translate_errors(request: AnyRequest, errors: dict[str, str]) -> dict[str, str]:
    _ = translations(request).gettext
    return {field: _(message) for field, message in errors.items()}


class AccessController(Controller):
    @get("/registrazione", name="register")
    async def register_form(self, request: AnyRequest) -> Response[Any]:
        if await signed_in(request):
            return redirect(request, "/")
        return render(
            request,
            "access/register.html",
            {
                "form": {"prefix": "39"},
                "errors": {},
                "prefixes": prefix_options(locale_of(request)),
            },
        )

    @post("/registrazione", name="register_submit")
    async def register(self, request: AnyRequest, data: FormData) -> Response[Any]:
        form = {k: v for k, v in data.items() if k not in ("password", "_csrf_token")}
        try:
            started = await registration_start(
                settings=_settings(request),
                username=data.get("username", ""),
                password=data.get("password", ""),
                email=data.get("email", ""),
                mobile=_full_mobile(data.get("prefix", "39"), data.get("mobile", "")),
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
                accept_terms=data.get("accept_terms") == "on",
                accept_privacy=data.get("accept_privacy") == "on",
                locale=locale_of(request),
                ip=client_ip(request),
            )
        except FieldErrors as exc:
            return render(
                request,
                "access/register.html",
                {
                    "form": form,
                    "errors": _translate_errors(request, exc.errors),
                    "prefixes": prefix_options(locale_of(request)),
                },
                block="form",
                status_code=422,
            )
        except TooManyAttemptsError as exc:
            return render(
                request,
                "access/register.html",
                {
                    "form": form,
                    "errors": form_errors(request, exc),
                    "prefixes": prefix_options(locale_of(request)),
                },
                block="form",
                status_code=429,
            )
        session = session_of(request)
        session[PENDING_KEY] = started.account_id
        request.set_session(session)
        await _kick(request, dispatch=True)
        return redirect(request, "/registrazione/attiva")

    @get("/registrazione/attiva", name="activate")
    async def activate_form(self, request: AnyRequest) -> Response[Any]:
        if not isinstance(session_of(request).get(PENDING_KEY), int):
            return redirect(request, "/registrazione")
        return render(request, "access/activate.html", {"errors": {}})

    @post("/registrazione/attiva", name="activate_submit")
    async def activate(self, request: AnyRequest, data: FormData) -> Response[Any]:
        session = session_of(request)
        account_id = session.get(PENDING_KEY)
        if not isinstance(account_id, int):
            return redirect(request, "/registrazione")
        _ = translations(request).gettext
        try:
            activated = await registration_activate(
                settings=_settings(request), account_id=account_id, code=data.get("code", "")
            )
        except CorriereError as exc:
            return render(
                request,
                "access/activate.html",
                {"errors": form_errors(request, exc)},
                block="form",
                status_code=422,
            )
        session.pop(PENDING_KEY, None)
        request.set_session(session)
        await _kick(request, mail=True)
        flash(
            request,
            _("Account %(username)s attivato: accedi con username e password.")
            % {"username": activated.username},
            "success",
        )
        return redirect(request, "/accesso")

    @post("/registrazione/codice", name="activation_resend")
    async def resend(self, request: AnyRequest) -> Response[Any]:
        account_id = session_of(request).get(PENDING_KEY)
        if not isinstance(account_id, int):
            return redirect(request, "/registrazione")
        _ = translations(request).gettext
        try:
            await registration_resend(settings=_settings(request), account_id=account_id)
        except CorriereError as exc:
            return render(
                request,
                "access/activate.html",
                {"errors": form_errors(request, exc)},
                block="form",
                status_code=429 if isinstance(exc, TooManyAttemptsError) else 422,
            )
        await _kick(request, dispatch=True)
        flash(request, _("Ti abbiamo inviato un nuovo codice via SMS."), "success")
        return redirect(request, "/registrazione/attiva")

    @get("/accesso", name="login")
    async def login_form(self, request: AnyRequest, next: str = "/") -> Response[Any]:  # noqa: A002
        if await signed_in(request):
            return redirect(request, safe_next(next))
        return render(
            request, "access/login.html", {"next": safe_next(next), "form": {}, "error": None}
        )

    @post("/accesso", name="login_submit")
    async def login(self, request: AnyRequest, data: FormData) -> Response[Any]:
        _ = translations(request).gettext
        next_url = safe_next(data.get("next", "/"))
        username = data.get("username", "")
        error, help_, status = None, False, 401
        try:
            user = await login_attempt(
                username=username, password=data.get("password", ""), ip=client_ip(request)
            )
        except AccountNotActivatedError as exc:
            session = session_of(request)
            session[PENDING_KEY] = exc.account_id
            request.set_session(session)
            flash(request, _(exc.message), "warning")
            return redirect(request, "/registrazione/attiva")
        except LoginFailedError as exc:
            error, help_ = _(exc.message), True
        except (TooManyAttemptsError, AccountInactiveError) as exc:
            error, status = _(exc.message), exc.status
        else:
            start_session(request, user)
            return redirect(request, next_url)
        return render(
            request,
            "access/login.html",
            {
                "next": next_url,
                "form": {"username": username.strip()},
                "error": error,
                "help": help_,
            },
            block="form",
            status_code=status,
        )

    @get("/recupera", name="recover")
    async def recover_form(self, request: AnyRequest) -> Response[Any]:
        return render(request, "access/recover.html", {"sent": False})

    @post("/recupera", name="recover_submit")
    async def recover(self, request: AnyRequest, data: FormData) -> Response[Any]:
        await password_reset_request(
            settings=_settings(request), identifier=data.get("identifier", "")
        )
        await _kick(request, mail=True)
        # The same page whether or not an account matched: nobody learns who is registered.
        return render(request, "access/recover.html", {"sent": True})

    @get("/recupera/{token:str}", name="reset")
    async def reset_form(self, request: AnyRequest, token: str) -> Response[Any]:
        try:
            username = await password_reset_username(token)
        except ValidationError as exc:
            return render(
                request,
                "access/reset.html",
                {"invalid": translations(request).gettext(exc.message)},
                status_code=410,
            )
        return render(
            request, "access/reset.html", {"username": username, "errors": {}, "invalid": None}
        )

    @post("/recupera/{token:str}", name="reset_submit")
    async def reset(self, request: AnyRequest, token: str, data: FormData) -> Response[Any]:
        _ = translations(request).gettext
        password = data.get("password", "")
        try:
            username = await password_reset_username(token)
        except ValidationError as exc:
            return render(
                request, "access/reset.html", {"invalid": _(exc.message)}, status_code=410
            )
        errors: dict[str, str] = {}
        if password != data.get("password_confirm", ""):
            errors["password_confirm"] = _("Le due password non coincidono")
        else:
            try:
                await password_reset_complete(token=token, new_password=password)
            except ValidationError as exc:
                errors = {"password": _(exc.message)}
        if errors:
            return render(
                request,
                "access/reset.html",
                {"username": username, "errors": errors, "invalid": None},
                block="form",
                status_code=422,
            )
        flash(request, _("Password reimpostata: accedi con la nuova password."), "success")
        return redirect(request, "/accesso")

    @get("/condizioni", name="terms")
    async def terms(self, request: AnyRequest) -> Response[Any]:
        return render(request, "access/legal.html", {"page": "terms"})

    @get("/privacy", name="privacy")
    async def privacy(self, request: AnyRequest) -> Response[Any]:
        return render(request, "access/legal.html", {"page": "privacy"})
