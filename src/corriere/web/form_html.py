"""The form controls of `macros.html` (`field`, `button`), written in Python.

Templates use them exactly as macros (`{% from "macros.html" import field, button %}`; the
macros file exports these functions). As Jinja macros they cost about 25 µs a field, a
tenth of a page like the credit history with its three filters; here they cost a few, and
a field drawn with the same plain arguments as a recent one costs a cache lookup.
Every value is escaped as `{{ }}` would; the output is the macros' markup, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import Any, ParamSpec

from markupsafe import Markup, escape

P = ParamSpec("P")


# Types whose equal values print the same; the cache keys on the type too (Markup vs str).
_PLAIN_TYPES = frozenset({str, Markup, int, bool, type(None)})


def _plain(value: object) -> bool:
    kind = type(value)
    return kind in _PLAIN_TYPES or (kind is tuple and all(map(_plain, value)))  # type: ignore[call-overload]


def _remembered(
    *, maxsize: int, unless: Callable[[tuple[object, ...], dict[str, object]], bool] | None = None
) -> Callable[[Callable[P, Markup]], Callable[P, Markup]]:
    """Remember a control's markup for the last `maxsize` argument combinations (a page draws
    the same filters on every view) when every argument is a string, a number, None or a tuple
    of them: values of other types may be equal and print differently (Decimal("1.0"),
    Decimal("1.00")), and lists are not hashable. `unless` keeps some calls out."""

    def decorate(draw: Callable[P, Markup]) -> Callable[P, Markup]:
        cached = lru_cache(maxsize=maxsize, typed=True)(draw)

        @wraps(draw)
        def call(*args: P.args, **kwargs: P.kwargs) -> Markup:
            if (unless is None or not unless(args, kwargs)) and _plain((args, *kwargs.values())):
                return cached(*args, **kwargs)  # type: ignore[arg-type]  # hashable: checked
            return draw(*args, **kwargs)

        return call

    return decorate


def _is_password(args: tuple[object, ...], kwargs: dict[str, object]) -> bool:
    """Password fields are never kept, not even as cache keys."""
    kind = kwargs["type"] if "type" in kwargs else args[4] if len(args) > 4 else "text"
    return kind == "password"


def _attribute(name: str, value: object) -> str:
    return f' {name}="{escape(value)}"'


@_remembered(maxsize=512, unless=_is_password)
def field(
    name: str,
    label: object,
    value: object = None,
    error: object = None,
    type: str = "text",  # noqa: A002 - the macro's parameter name
    required: object = False,
    hint: object = None,
    autocomplete: object = None,
    placeholder: object = None,
    options: Iterable[tuple[Any, Any]] = (),
    rows: object = 4,
    inputmode: object = None,
) -> Markup:
    """One labelled control with its hint and its error, linked for screen readers.
    `type`: any <input> type, or "textarea" / "select" (`options`: (value, label) pairs).
    Passwords are never echoed back. A Jinja `Undefined` value reads as "" (as in `{{ }}`)."""
    fid = f"f-{escape(name)}"
    described = ([f"{fid}-hint"] if hint else []) + ([f"{fid}-error"] if error else [])
    common = f' id="{fid}" name="{escape(name)}"'
    if required:
        common += " required"
    if error:
        common += ' aria-invalid="true"'
    if described:
        common += f' aria-describedby="{" ".join(described)}"'
    if autocomplete:
        common += _attribute("autocomplete", autocomplete)
    if placeholder:
        common += _attribute("placeholder", placeholder)
    if inputmode:
        common += _attribute("inputmode", inputmode)
    parts = [
        f'<div class="field{" field-invalid" if error else ""}">\n',
        f'  <label for="{fid}">{escape(label)}',
        ' <span class="required" aria-hidden="true">*</span>' if required else "",
        "</label>\n",
    ]
    if type == "textarea":
        text = escape(value) if value is not None else ""
        parts.append(f'  <textarea{common} rows="{escape(rows)}">{text}</textarea>\n')
    elif type == "select":
        parts.append(f"  <select{common}>\n")
        chosen = str(value) if value is not None else None
        for opt_value, opt_label in options:
            selected = " selected" if chosen is not None and str(opt_value) == chosen else ""
            parts.append(
                f'    <option value="{escape(opt_value)}"{selected}>{escape(opt_label)}</option>\n'
            )
        parts.append("  </select>\n")
    else:
        shown = _attribute("value", value) if type != "password" and value is not None else ""
        parts.append(f'  <input type="{escape(type)}"{common}{shown}>\n')
    if hint:
        parts.append(f'<p class="field-hint" id="{fid}-hint">{escape(hint)}</p>')
    if error:
        parts.append(f'<p class="field-error" id="{fid}-error">{escape(error)}</p>')
    parts.append("</div>")
    return Markup("".join(parts))


@_remembered(maxsize=256)
def button(
    label: object,
    kind: str = "primary",
    type: str = "submit",  # noqa: A002 - the macro's parameter name
    name: object = None,
    value: object = None,
) -> Markup:
    """A button; `kind`: "primary" (default), "quiet" or "danger"."""
    style = f" button-{escape(kind)}" if kind != "primary" else ""
    named = _attribute("name", name) if name else ""
    valued = _attribute("value", value) if value is not None else ""
    return Markup(
        f'<button type="{escape(type)}" class="button{style}"{named}{valued}>{escape(label)}</button>'
    )
