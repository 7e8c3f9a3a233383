"""E-mail templates (Italian and English, HTML with a text alternative), rendered with Jinja2.

Amounts and dates go through filters that format them in the recipient's language and time
zone: `{{ balance|credits }}`, `{{ threshold|amount }}`, `{{ written_at|datetime }}`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from corriere.platform.mail.formatting import (
    Credits,
    mail_amount,
    mail_credits,
    mail_datetime,
    mail_timezone,
)

TEMPLATES = Path(__file__).with_name("templates")
LOCALES = ("it", "en")
# The names under which the language and the zone reach the filters.
LOCALE_VAR = "mail_locale"
TIMEZONE_VAR = "mail_timezone"


@pass_context
def _credits(ctx: Context, value: Credits) -> str:
    return mail_credits(value, ctx[LOCALE_VAR])


@pass_context
def _amount(ctx: Context, value: Credits) -> str:
    return mail_amount(value, ctx[LOCALE_VAR])


@pass_context
def _datetime(ctx: Context, value: datetime) -> str:
    return mail_datetime(value, ctx[LOCALE_VAR], mail_timezone(ctx[TIMEZONE_VAR]))


_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_env.filters.update(credits=_credits, amount=_amount, datetime=_datetime)


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text_body: str
    html_body: str


def mail_render(
    kind: str, locale: str, context: dict[str, Any], *, timezone: str = "Europe/Rome"
) -> RenderedMail:
    """`templates/<locale>/<kind>.txt` starts with the subject line, then a blank line, then text."""
    locale = locale if locale in LOCALES else "it"
    context = {**context, LOCALE_VAR: locale, TIMEZONE_VAR: timezone}
    text = _env.get_template(f"{locale}/{kind}.txt").render(**context)
    subject, _, body = text.partition("\n\n")
    html = _env.get_template(f"{locale}/{kind}.html").render(subject=subject.strip(), **context)
    return RenderedMail(subject=subject.strip(), text_body=body.strip() + "\n", html_body=html)
