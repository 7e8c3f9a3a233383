"""E-mail templates (Italian and English, HTML with a text alternative), rendered with Jinja2."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")
LOCALES = ("it", "en")

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text_body: str
    html_body: str


def mail_render(kind: str, locale: str, context: dict[str, Any]) -> RenderedMail:
    """`templates/<locale>/<kind>.txt` starts with the subject line, then a blank line, then text."""
    locale = locale if locale in LOCALES else "it"
    text = _env.get_template(f"{locale}/{kind}.txt").render(**context)
    subject, _, body = text.partition("\n\n")
    html = _env.get_template(f"{locale}/{kind}.html").render(subject=subject.strip(), **context)
    return RenderedMail(subject=subject.strip(), text_body=body.strip() + "\n", html_body=html)
