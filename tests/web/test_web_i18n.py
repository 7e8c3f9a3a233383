"""Locale negotiation, Babel formatting, and the English catalog kept complete."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from web_helpers import plain

from corriere.web import formatting
from corriere.web.i18n import (
    LOCALES,
    LOCALES_DIR,
    Catalogs,
    negotiate_locale,
    normalise_locale,
    parse_accept_language,
    safe_timezone,
)

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "corriere" / "web"
ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", None),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("it-IT,it;q=0.9,en;q=0.8", "it"),
        ("de-DE,de;q=0.9,en;q=0.5,it;q=0.4", "en"),
        ("en;q=0.2,it;q=0.8", "it"),
        ("fr, *;q=0.5", None),
        ("en;q=0, it;q=0.1", "it"),
        ("en;q=bogus,it", "it"),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert parse_accept_language(header) == expected


def test_negotiation_order() -> None:
    def pick(session: object, cookie: object, header: str, default: str = "it") -> str:
        return negotiate_locale(
            session_locale=session, cookie_locale=cookie, accept_language=header, default=default
        )

    assert pick("en", "it", "it") == "en"  # the user's saved preference first
    assert pick(None, "en", "it") == "en"  # then the switcher's cookie
    assert pick("xx", "bogus", "en-GB") == "en"  # unknown values are skipped
    assert pick(None, None, "") == "it"
    assert pick(None, None, "", default="en") == "en"
    assert pick(None, None, "", default="de") == "it"  # unsupported default → source language
    assert normalise_locale("EN_us") == "en"
    assert normalise_locale(42) is None


def test_bad_time_zone_falls_back() -> None:
    assert safe_timezone("Mars/Olympus", "Europe/Rome") == ROME
    assert safe_timezone(None, "America/New_York") == ZoneInfo("America/New_York")


def test_money_credits_numbers() -> None:
    assert plain(formatting.format_money(Decimal("1234.56"), "it")) == "1.234,56 €"
    assert formatting.format_money(Decimal("1234.56"), "en") == "€1,234.56"
    assert formatting.format_money(None, "it") == ""
    # integers are units of 1/10000 credit; Decimals and strings are amounts of credits
    assert formatting.format_credits(6250, "it") == "0,6250"
    assert formatting.format_credits(12_345_678, "en") == "1,234.5678"
    assert formatting.format_credits(Decimal("10"), "it") == "10,0000"
    assert formatting.format_credits("0.625", "en") == "0.6250"
    with pytest.raises(TypeError):
        formatting.format_credits(True, "it")
    assert formatting.format_number(1234567.891, "it") == "1.234.567,891"
    assert formatting.format_number(1234.5, "en", digits=2) == "1,234.50"
    assert formatting.format_number(7, "it", digits=0) == "7"


def test_dates_in_the_user_time_zone() -> None:
    moment = datetime(2025, 1, 15, 23, 30, tzinfo=UTC)  # 00:30 on the 16th in Rome (UTC+1)
    assert formatting.format_datetime(moment, "it", ROME, "short") == "16/01/25, 00:30"
    assert plain(formatting.format_datetime(moment, "en", ROME, "short")) == "1/16/25, 12:30 AM"
    assert formatting.format_date(moment, "it", ROME, "long") == "16 gennaio 2025"
    assert formatting.format_date(moment, "en", ZoneInfo("UTC"), "long") == "January 15, 2025"
    assert formatting.format_date(date(2025, 3, 1), "it", ROME) == "1 mar 2025"
    assert formatting.format_time(moment, "it", ROME) == "00:30"
    # naive datetimes and ISO strings without offset are UTC (as stored by the platform)
    naive = datetime(2025, 1, 15, 23, 30)
    assert formatting.format_datetime(naive, "it", ROME, "short") == "16/01/25, 00:30"
    assert formatting.format_datetime("2025-01-15T23:30:00+00:00", "it", ROME, "short") == (
        "16/01/25, 00:30"
    )
    assert formatting.format_date("2025-03-01", "en", ROME) == "Mar 1, 2025"
    assert formatting.format_datetime(None, "it", ROME) == ""


def test_catalogs_load_po_files() -> None:
    catalogs = Catalogs()
    assert catalogs.get("en").gettext("Pagina non trovata") == "Page not found"
    assert catalogs.get("it").gettext("Pagina non trovata") == "Pagina non trovata"
    assert catalogs.get("xx").gettext("Pagina non trovata") == "Pagina non trovata"
    en = catalogs.get("en")
    assert en.ngettext("%(num)s messaggio", "%(num)s messaggi", 1) == "%(num)s message"
    assert en.ngettext("%(num)s messaggio", "%(num)s messaggi", 2) == "%(num)s messages"


def _source_msgids() -> set[str]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    ids: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("locale", [code for code in LOCALES if code != "it"])
def test_catalog_covers_every_string(locale: str) -> None:
    """Every wrapped string of the web panel has a translation, and no stale ones linger.

    When this fails: `just i18n-update`, translate the new entries, run the tests again."""
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    translated: dict[str, object] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else message.string
        if all(strings):
            translated[key] = message.string
    source = _source_msgids()
    assert len(source) > 50
    assert sorted(source - set(translated)) == [], "untranslated"
    assert sorted(set(translated) - source) == [], "stale (no longer in the source)"


def test_inlined_labels_render_as_the_gettext_calls_did(tmp_path: Path) -> None:
    """Templates of a language get their static labels inlined at load time: the page must
    read exactly as with the calls (percent signs, quotes and markup in translations)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    from corriere.web.templating import build_environment

    catalog = Catalog(locale="en")
    catalog.add("Ciao", "Hello")
    catalog.add("Sconto del 10%%", "10%% off")
    catalog.add("L'utente", "The <b>user</b>'s")
    catalog.add("Graffe", "{{ not jinja }}")
    buffer = __import__("io").BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = Translations(fp=buffer)
    (tmp_path / "page.html").write_text(
        '<p>{{ _("Ciao") }}</p><p>{{ _("Sconto del 10%%") }}</p>'
        "<p title=\"{{ _('L\\'utente') if false else _('Graffe') }}\">{{ _(\"L'utente\") }}</p>"
        '<p>{{ _("Graffe") }}</p><p>{{ _("Non tradotto") }}</p>'
        # Operands inside tags: inlined as safe literals, as newstyle gettext returns Markup.
        '{% set offer = _("Sconto del 10%%") %}<p>{{ offer }} {{ "<i>" ~ _("Ciao") }}</p>'
        "<p>{{ [_(\"L'utente\"), _('Ciao'), _(\"Non tradotto\")]|join(' & ') }}</p>"
    )
    inlined = build_environment(tmp_path, translations)
    called = build_environment(tmp_path)
    # Outside a request the calls left in either template translate with the catalog directly.
    for env in (inlined, called):
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    source = inlined.loader.get_source(inlined, "page.html")[0]  # type: ignore[union-attr]
    assert '_("Ciao")' not in source and "Hello" in source
    assert '_("Graffe")' in source  # kept as a call: its translation looks like Jinja
    assert '("Hello"|safe)' in source and '("10% off"|safe)' in source
    assert "_('L\\'utente')" in source  # kept: an escaped quote is left to Jinja
    assert inlined.get_template("page.html").render() == called.get_template("page.html").render()


def test_template_gettext_keeps_jinja_newstyle_results():
    """The catalog's `_`/`ngettext` in templates (our lighter callables) give what Jinja's own
    newstyle gettext gives: variables escaped where the template autoescapes and only there,
    the translation trusted, `%%` a percent sign even without variables, `num` for plurals."""
    from jinja2 import Environment

    from corriere.web.templating import build_environment

    source = (
        '{{ _("Pagina %(page)s di %(pages)s", page="<b>", pages=3) }}|'
        '{{ ngettext("%(num)s movimento", "%(num)s movimenti", n) }}|'
        '{{ _(msg) }}|{{ _("100%%") }}|'
        '{% autoescape false %}{{ _("Pagina %(page)s di %(pages)s", page="<b>", pages=1) }}'
        "{% endautoescape %}|"
        "{% trans count=n %}{{ count }} movimento{% pluralize %}{{ count }} movimenti{% endtrans %}"
    )
    catalog = Catalogs().get("en")
    jinja = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    jinja.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    ours = build_environment(translations=catalog).from_string(source)
    for n in (1, 2):
        expected = jinja.from_string(source).render(n=n, msg="Bacheca")
        assert ours.render(n=n, msg="Bacheca") == expected
    assert ours.render(n=2, msg="Bacheca") == (
        "Page &lt;b&gt; of 3|2 movements|Board|100%|Page <b> of 1|2 movimenti"
    )
