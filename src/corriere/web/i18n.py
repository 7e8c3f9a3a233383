"""Locales and translations of the panel.

Italian is the source language: every msgid is the Italian text (as in the product manual), so
Italian needs no catalog. Other languages are `.po` files under `web/locales/<code>/LC_MESSAGES/`,
read and compiled in memory at start-up: no compiled `.mo` in git that could drift from its `.po`.

In a handler: `_ = translations(request).gettext`, then `_("Testo italiano")`. Strings defined at
import time (tables, labels) are marked with `N_()` and translated where they are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from litestar.connection import ASGIConnection

from corriere.platform.settings import Settings
from corriere.web.sessions import LOCALE_KEY, TIMEZONE_KEY, session_of

LOCALES: tuple[str, ...] = ("it", "en")
SOURCE_LOCALE = "it"
LOCALES_DIR = Path(__file__).parent / "locales"
LANG_COOKIE = "lang"
LOCALE_NAMES = {"it": "Italiano", "en": "English"}  # each in its own language, never translated

_STATE_KEY = "corriere.locale"

Connection = ASGIConnection[Any, Any, Any, Any]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (it is translated where shown)."""
    return message


def load_po(path: Path, locale: str) -> Translations:
    """A `.po` file as gettext translations; fuzzy entries are left out, as `msgfmt` does."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale, domain="messages")
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


class Catalogs:
    """The translations of every supported locale, loaded once per process."""

    def __init__(self, directory: Path = LOCALES_DIR, locales: tuple[str, ...] = LOCALES) -> None:
        self.locales = locales
        self._by_locale: dict[str, NullTranslations] = {}
        for code in locales:
            path = directory / code / "LC_MESSAGES" / "messages.po"
            # The source locale has no catalog: its msgids are already the text to show.
            self._by_locale[code] = load_po(path, code) if path.exists() else NullTranslations()

    def get(self, locale: str) -> NullTranslations:
        return self._by_locale.get(locale) or self._by_locale[SOURCE_LOCALE]


def normalise_locale(value: object, supported: tuple[str, ...] = LOCALES) -> str | None:
    """`en-GB`, `EN_us` or `en` → `en`; None when not a supported language."""
    if not isinstance(value, str) or not value.strip():
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in supported else None


def parse_accept_language(header: str, supported: tuple[str, ...] = LOCALES) -> str | None:
    """The supported language the browser prefers most (RFC 9110 quality values)."""
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(header.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = normalise_locale(tag, supported)
        if code and quality > 0:
            ranked.append((-quality, index, code))
    return min(ranked)[2] if ranked else None


def negotiate_locale(
    *,
    session_locale: object,
    cookie_locale: object,
    accept_language: str,
    default: str,
    supported: tuple[str, ...] = LOCALES,
) -> str:
    """The user's saved preference, then the switcher's cookie, then the browser, then the default."""
    return (
        normalise_locale(session_locale, supported)
        or normalise_locale(cookie_locale, supported)
        or parse_accept_language(accept_language, supported)
        or normalise_locale(default, supported)
        or SOURCE_LOCALE
    )


def safe_timezone(name: object, default: str) -> ZoneInfo:
    for candidate in (name, default, "Europe/Rome"):
        if isinstance(candidate, str) and candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class RequestLocale:
    """What a request is shown in: language, time zone and the matching translations."""

    code: str
    timezone: ZoneInfo
    translations: NullTranslations


def _settings(request: Connection) -> Settings:
    settings: Settings = request.app.state["settings"]
    return settings


def _catalogs(request: Connection) -> Catalogs:
    catalogs: Catalogs = request.app.state["catalogs"]
    return catalogs


def request_locale(request: Connection) -> RequestLocale:
    """Worked out once per request and kept in the request's scope state."""
    state = request.scope.setdefault("state", {})
    cached = state.get(_STATE_KEY)
    if isinstance(cached, RequestLocale):
        return cached
    settings = _settings(request)
    session = session_of(request)
    code = negotiate_locale(
        session_locale=session.get(LOCALE_KEY),
        cookie_locale=request.cookies.get(LANG_COOKIE),
        accept_language=request.headers.get("accept-language", ""),
        default=settings.default_locale,
        supported=_catalogs(request).locales,
    )
    resolved = RequestLocale(
        code=code,
        timezone=safe_timezone(session.get(TIMEZONE_KEY), settings.default_timezone),
        translations=_catalogs(request).get(code),
    )
    state[_STATE_KEY] = resolved
    return resolved


def use_locale(request: Connection, code: str) -> None:
    """Show the rest of this request in `code` (e.g. the flash after switching language)."""
    current = request_locale(request)
    request.scope.setdefault("state", {})[_STATE_KEY] = RequestLocale(
        code=code, timezone=current.timezone, translations=_catalogs(request).get(code)
    )


def locale_of(request: Connection) -> str:
    return request_locale(request).code


def timezone_of(request: Connection) -> ZoneInfo:
    return request_locale(request).timezone


def translations(request: Connection) -> NullTranslations:
    """gettext for this request: `_ = translations(request).gettext`."""
    return request_locale(request).translations
