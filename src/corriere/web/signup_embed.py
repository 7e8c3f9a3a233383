"""ISCRIZIONE VIA WEB on the owner's site: the two snippets the owner copies (an iframe, or a
script that inserts one) and the script itself. Each tells the page how it is shown
(`?origine=iframe` / `script`), the evidence a subscription records."""

from __future__ import annotations

import json
from html import escape

from corriere.platform.contacts.signup_records import DEFAULT_SOURCE


def with_source(url: str, source: str) -> str:
    """The page's address telling how it is shown (`?origine=iframe`): the evidence a
    subscription records. The page itself needs nothing."""
    return url if source == DEFAULT_SOURCE else f"{url}?origine={source}"


def frame_height(fields: tuple[str, ...], groups: int) -> int:
    """About how tall the page is inside its iframe (it scrolls if the guess is short)."""
    height = 640 + 80 * len(fields) + (36 * groups if groups > 1 else 0)
    return height + (60 if "notes" in fields else 0)


def iframe_snippet(url: str, title: str, height: int) -> str:
    # Text for the owner's site, shown in a textarea: our CSP's ban on inline styles covers our
    # pages, not this markup.
    return (
        f'<iframe src="{escape(with_source(url, "iframe"))}" title="{escape(title)}"'
        ' loading="lazy" width="100%"'
        f' height="{height}" style="border:0;max-width:36rem"></iframe>'
    )


def script_snippet(url: str) -> str:
    return f'<script src="{escape(url)}/widget.js" async></script>'


def widget_js(url: str, title: str, height: int) -> str:
    """The embedding script: no inline markup or styles, only DOM calls (which the host page's
    own CSP allows for scripts it loads)."""
    return WIDGET_JS % {
        "url": json.dumps(url),
        "title": json.dumps(title),
        "height": json.dumps(str(height)),
    }


WIDGET_JS = """\
/* Corriere: the web sign-up form, inserted where this script tag is. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.parentNode) {
    return;
  }
  var frame = document.createElement("iframe");
  frame.src = %(url)s;
  frame.title = %(title)s;
  frame.setAttribute("loading", "lazy");
  frame.width = "100%%";
  frame.height = %(height)s;
  frame.style.border = "0";
  frame.style.maxWidth = "36rem";
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
"""
