"""The Jinja environment of the panel: i18n, formatting filters and the shell's globals.

Filters and `_()` find the request in the template context (Litestar puts it there) or, inside
macros imported without context, in a context variable that `render()` sets while it renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from babel.support import NullTranslations
from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemLoader,
    Template,
    pass_context,
    pass_eval_context,
    select_autoescape,
)
from jinja2.environment import TemplateModule
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, new_context
from litestar.connection import ASGIConnection
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup, escape

from corriere.web import form_html, formatting
from corriere.web.i18n import (
    LOCALE_NAMES,
    Catalogs,
    RequestLocale,
    locale_of,
    request_locale,
    safe_timezone,
)
from corriere.web.paths import path_of
from corriere.web.sessions import Flash, pop_flashes

TEMPLATES_DIR = Path(__file__).parent / "templates"
CSRF_COOKIE = "csrftoken"

Connection = ASGIConnection[Any, Any, Any, Any]

_current_request: ContextVar[Connection | None] = ContextVar("corriere_web_request", default=None)


@contextmanager
def rendering_for(request: Connection) -> Iterator[None]:
    """Make `request` visible to globals and filters called from macros while rendering."""
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def request_from_context(ctx: Context) -> Connection | None:
    request = ctx.get("request")
    if isinstance(request, ASGIConnection):
        return request
    return _current_request.get()


def _locale(ctx: Context) -> RequestLocale | None:
    request = request_from_context(ctx)
    return request_locale(request) if request is not None else None


def _code(ctx: Context, override: str | None) -> str:
    if override:
        return override
    current = _locale(ctx)
    return current.code if current else "it"


def _zone(ctx: Context, override: str | None) -> ZoneInfo:
    if override:
        return safe_timezone(override, "Europe/Rome")
    current = _locale(ctx)
    return current.timezone if current else safe_timezone(None, "Europe/Rome")


# gettext family: newstyle (`_("Ciao %(nome)s", nome=x)`, autoescaped) thanks to Jinja's wrapper.
@pass_context
def _gettext(ctx: Context, message: str) -> str:
    current = _locale(ctx)
    return current.translations.gettext(message) if current else message


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    current = _locale(ctx)
    if current:
        return current.translations.ngettext(singular, plural, n)
    return singular if n == 1 else plural


@pass_context
def _pgettext(ctx: Context, context: str, message: str) -> str:
    current = _locale(ctx)
    return str(current.translations.pgettext(context, message)) if current else message


@pass_context
def _npgettext(ctx: Context, context: str, singular: str, plural: str, n: int) -> str:
    current = _locale(ctx)
    if current:
        return str(current.translations.npgettext(context, singular, plural, n))
    return singular if n == 1 else plural


# Formatting filters: `{{ 1234.5|money }}`, `{{ units|credits }}`, `{{ sent_at|datetime("short") }}`.
@pass_context
def _number_filter(
    ctx: Context, value: Any, digits: int | None = None, locale: str | None = None
) -> str:
    return formatting.format_number(value, _code(ctx, locale), digits=digits)


@pass_context
def _money_filter(
    ctx: Context, value: Any, currency: str = "EUR", locale: str | None = None
) -> str:
    return formatting.format_money(value, _code(ctx, locale), currency)


@pass_context
def _credits_filter(
    ctx: Context, value: int | Decimal | str | None, locale: str | None = None
) -> str:
    return formatting.format_credits(value, _code(ctx, locale))


@pass_context
def _date_filter(
    ctx: Context,
    value: date | datetime | str | None,
    style: str = "medium",
    locale: str | None = None,
    tz: str | None = None,
) -> str:
    return formatting.format_date(value, _code(ctx, locale), _zone(ctx, tz), style)


@pass_context
def _datetime_filter(
    ctx: Context,
    value: datetime | str | None,
    style: str = "medium",
    locale: str | None = None,
    tz: str | None = None,
) -> str:
    return formatting.format_datetime(value, _code(ctx, locale), _zone(ctx, tz), style)


@pass_context
def _time_filter(
    ctx: Context,
    value: datetime | time | str | None,
    style: str = "short",
    locale: str | None = None,
    tz: str | None = None,
) -> str:
    return formatting.format_time(value, _code(ctx, locale), _zone(ctx, tz), style)


@pass_context
def _csrf_token(ctx: Context) -> str:
    """The request's CSRF token. Unrouted pages (404) run no CSRF middleware: the cookie then
    still holds a valid token, so the layout's forms keep working there."""
    request = request_from_context(ctx)
    if request is None:
        return ""
    token = ScopeState.from_scope(request.scope).csrf_token
    if isinstance(token, str) and token:
        return token
    return request.cookies.get(CSRF_COOKIE, "")


@pass_context
def _get_flashes(ctx: Context) -> list[Flash]:
    request = request_from_context(ctx)
    return pop_flashes(request) if request is not None else []


@pass_context
def _main_nav(ctx: Context) -> Markup:
    """The layout's navigation, rendered once per language and active section, then reused:
    it has a dozen translated labels and no per-user content."""
    section = ctx.get("current_section")
    request = request_from_context(ctx)
    on_phones = request is not None and path_of(request).startswith("/simulatore")
    phones = bool(ctx.get("phones_enabled"))
    key = (ctx.get("lang"), getattr(section, "key", None), on_phones, phones)
    cache = cast("dict[tuple[Any, ...], Markup]", ctx.environment.globals["nav_cache"])
    cached = cache.get(key)
    if cached is None:
        template = ctx.environment.get_template("_nav.html")
        values = {
            "request": request,
            "lang": ctx.get("lang"),
            "sections": ctx.get("sections"),
            "current_section": section,
            "phones_enabled": phones,
            "on_phones": on_phones,
        }
        cached = cache[key] = Markup(template.render(values))
    return cached


@lru_cache(maxsize=8)
def _language_buttons(lang: str) -> Markup:
    """The layout's language switcher (one button per language, the current one pressed),
    built once per language: as a template loop it cost a fiftieth of every page."""
    return Markup(
        "".join(
            f'<button type="submit" formaction="/lingua/{escape(code)}" lang="{escape(code)}"'
            f' aria-pressed="{"true" if code == lang else "false"}">{escape(name)}</button>\n'
            for code, name in LOCALE_NAMES.items()
        )
    )


FILTERS: dict[str, Any] = {
    "number": _number_filter,
    "money": _money_filter,
    "credits": _credits_filter,
    "date": _date_filter,
    "datetime": _datetime_filter,
    "time": _time_filter,
}


# `{{ _("literal") }}` with nothing else in the braces (no variables, no whitespace control).
_LITERAL_GETTEXT = re.compile(r"""\{\{ _\((?:"([^"\\]*)"|'([^'\\]*)')\) \}\}""")
_JINJA_SYNTAX = ("{{", "}}", "{%", "%}", "{#", "#}")
# `_("literal")` as an operand inside a tag, e.g. `{{ field("nome", _("Nome")) }}`.
_GETTEXT_OPERAND = re.compile(r"""(?<![\w.])_\((?:"([^"\\]*)"|'([^'\\]*)')\)""")
_JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def _inline_translation(gettext: Callable[[str], str], msgid: str) -> str | None:
    """What `{{ _(msgid) }}` renders (newstyle gettext: the translation is trusted markup, `%%`
    is a percent sign), or None when it has to stay a call."""
    try:
        text = str(Markup(gettext(msgid)) % {})
    except (KeyError, ValueError, TypeError):
        return None
    if any(token in text for token in _JINJA_SYNTAX):
        return None
    return text


class _TranslatedLoader(FileSystemLoader):
    """Templates of one language: every `{{ _("literal") }}` is replaced by its translation when
    the template is loaded, so a page pays for its static labels once, not per view. In HTML
    templates a `_("literal")` inside an expression (a field's label) becomes the translation as
    a safe string literal, which is what newstyle gettext returns there. Calls with variables
    and `{% trans %}` blocks stay as they are."""

    def __init__(self, directory: Path, translations: NullTranslations) -> None:
        super().__init__(directory)
        self._gettext = translations.gettext

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)

        def replace(match: re.Match[str]) -> str:
            msgid = match.group(1) if match.group(1) is not None else match.group(2)
            inlined = _inline_translation(self._gettext, msgid)
            return match.group(0) if inlined is None else inlined

        def operand(match: re.Match[str]) -> str:
            msgid = match.group(1) if match.group(1) is not None else match.group(2)
            inlined = _inline_translation(self._gettext, msgid)
            if inlined is None or any(c in inlined for c in '"\\\n'):
                return match.group(0)
            return f'("{inlined}"|safe)'

        def in_tag(match: re.Match[str]) -> str:
            return _GETTEXT_OPERAND.sub(operand, match.group(0))

        source = _LITERAL_GETTEXT.sub(replace, source)
        if template.endswith((".html", ".xml")):  # autoescaped: gettext's result is Markup
            source = _JINJA_TAG.sub(in_tag, source)
        return source, filename, uptodate


class _FlatGlobalsTemplate(Template):
    """Jinja's template, reading its globals from a plain dict. Jinja keeps them in a ChainMap
    (the template's own over the environment's), which Python walks key by key to build every
    render's context, every include's and every `{% from ... import %}`'s: a tenth of a page.
    Jinja requires globals to be set before templates load, so one copy per template is exact."""

    _flat_globals: dict[str, Any] | None = None

    def _globals(self) -> dict[str, Any]:
        flat = self._flat_globals
        if flat is None:
            flat = self._flat_globals = dict(self.globals)
        return flat

    def new_context(
        self,
        vars: dict[str, Any] | None = None,  # noqa: A002 - Jinja's parameter names
        shared: bool = False,
        locals: Mapping[str, Any] | None = None,  # noqa: A002
    ) -> Context:
        return new_context(
            self.environment, self.name, self.blocks, vars, shared, self._globals(), locals
        )

    def _get_default_module(self, ctx: Context | None = None) -> TemplateModule:
        # Jinja's own, with the dict's keys (a set difference in C) for the ChainMap's.
        if ctx is not None:
            keys = ctx.globals_keys - self._globals().keys()
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
        if self._module is None:
            self._module = self.make_module()
        return self._module


def _formatted(eval_ctx: EvalContext, text: str, variables: dict[str, Any]) -> str:
    """Newstyle gettext's result: the translation is a format string even with no variables;
    where the template autoescapes, it is trusted markup and the variables are escaped."""
    if not eval_ctx.autoescape:
        return text % variables
    return Markup(
        text % {k: v if isinstance(v, int | float) else escape(v) for k, v in variables.items()}
    )


def _catalog_callables(translations: NullTranslations) -> dict[str, Callable[..., str]]:
    """Jinja's newstyle `_`, `gettext`, `ngettext`, `pgettext` and `npgettext` for one catalog,
    with the same results. Jinja's own reach the catalog through two context calls and fill
    the variables through Markup's escaping helpers: about 60 000 instructions a call, where a
    page with three of them spent a fifth of its time."""

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        return _formatted(eval_ctx, translations.gettext(message), variables)

    @pass_eval_context
    def ngettext(
        eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        return _formatted(eval_ctx, translations.ngettext(singular, plural, num), variables)

    @pass_eval_context
    def pgettext(eval_ctx: EvalContext, context: str, message: str, /, **variables: Any) -> str:
        variables.setdefault("context", context)
        return _formatted(eval_ctx, str(translations.pgettext(context, message)), variables)

    @pass_eval_context
    def npgettext(
        eval_ctx: EvalContext,
        context: str,
        singular: str,
        plural: str,
        num: int,
        /,
        **variables: Any,
    ) -> str:
        variables.setdefault("context", context)
        variables.setdefault("num", num)
        text = translations.npgettext(context, singular, plural, num)
        return _formatted(eval_ctx, text, variables)

    return {
        "_": gettext,
        "gettext": gettext,
        "ngettext": ngettext,
        "pgettext": pgettext,
        "npgettext": npgettext,
    }


def build_environment(
    directory: Path = TEMPLATES_DIR, translations: NullTranslations | None = None
) -> Environment:
    loader: BaseLoader = (
        FileSystemLoader(directory)
        if translations is None
        else _TranslatedLoader(directory, translations)
    )
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(("html", "xml")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: no stat() of every template on every render, and a
        # plain dict for the loaded ones (Jinja's LRU cache costs a list scan per lookup).
        auto_reload=False,
        cache_size=-1,
    )
    env.template_class = _FlatGlobalsTemplate
    # Whitespace inside {% trans %} is collapsed, so msgids do not depend on indentation
    # (babel.cfg extracts with the same `trimmed` option).
    env.policies["ext.i18n.trimmed"] = True
    if translations is None:  # one environment for every language: ask the request
        env.install_gettext_callables(  # type: ignore[attr-defined]
            gettext=_gettext,
            ngettext=_ngettext,
            pgettext=_pgettext,
            npgettext=_npgettext,
            newstyle=True,
        )
    else:  # an environment of one language: its catalog, with no lookup of the request
        env.install_gettext_callables(  # type: ignore[attr-defined]
            gettext=translations.gettext,
            ngettext=translations.ngettext,
            pgettext=translations.pgettext,
            npgettext=translations.npgettext,
            newstyle=True,
        )
        # Installed above for the i18n extension's newstyle compilation; called, ours.
        env.globals.update(_catalog_callables(translations))
    env.filters.update(FILTERS)
    _add_globals(env)
    return env


def _add_globals(env: Environment) -> None:
    env.globals["csrf_token"] = _csrf_token
    env.globals["get_flashes"] = _get_flashes
    env.globals["language_buttons"] = _language_buttons
    env.globals["main_nav"] = _main_nav
    env.globals["nav_cache"] = {}  # one per environment: its app's catalogs
    env.globals["form_field"] = form_html.field  # exported by macros.html as `field`
    env.globals["form_button"] = form_html.button  # and as `button`


def template_engine(directory: Path = TEMPLATES_DIR) -> JinjaTemplateEngine:
    engine = JinjaTemplateEngine.from_environment(build_environment(directory))
    # After the engine's own registration, so ours (with the cookie fallback) wins.
    _add_globals(engine.engine)
    return engine


class LocalizedTemplates:
    """One Jinja environment per language (see `_TranslatedLoader`), built on first use."""

    def __init__(self, catalogs: Catalogs, directory: Path = TEMPLATES_DIR) -> None:
        self._catalogs = catalogs
        self._directory = directory
        self._by_locale: dict[str, Environment] = {}

    def environment(self, locale: str) -> Environment:
        env = self._by_locale.get(locale)
        if env is None:
            translations = self._catalogs.get(locale)
            env = self._by_locale[locale] = build_environment(self._directory, translations)
        return env

    def for_request(self, request: Connection) -> Environment:
        return self.environment(locale_of(request))
