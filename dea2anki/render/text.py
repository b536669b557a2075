"""Markdown fragments -> the plain text a reader sees (for identity and deck names). Pure."""

from __future__ import annotations

import functools
import html
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import mistune

# Characters that can start any inline Markdown our renderer knows (emphasis, code, links,
# images, HTML, entities, maths, marks, block ids, escapes). A line without them renders as
# itself (mistune only turns `"` into &quot;), so mistune need not run: most definitions are
# plain prose, and this is the larger part of rendering a big vault. test_render checks the
# shortcut against mistune.
_MARKUP = re.compile(r"[\\`*_~\[\]()<>!&$=^|:\n]|  ")


def is_plain(src: str) -> bool:
    return _MARKUP.search(src) is None


def plain_html(src: str) -> str:
    """The HTML of a plain line (``is_plain``): what mistune makes of it."""
    return src.strip().replace('"', "&quot;")


@functools.cache
def _inline_parser() -> mistune.Markdown:
    # The card renderer's inline grammar (wikilinks, maths, marks), made once; without
    # footnotes, so that identity stays what it was before cards showed them. Imported here:
    # most terms and headings are plain, and mistune is a tenth of the start-up.
    from .markdown import markdown

    return markdown(True, None, cards=False)[0]


def plain_text(src: str, *, keep_html: bool = True) -> str:
    """The text a reader sees, markup removed and whitespace collapsed.

    Raw HTML is part of that text by default (identities made when cards showed it escaped
    must not change); a heading (``keep_html=False``) drops it, as Obsidian's rendering of
    the heading would.
    """
    if is_plain(src):
        return " ".join(src.split())
    return " ".join(_text_of(list(_inline_parser().inline(src, {})), keep_html).split())


def _text_of(tokens: list[dict[str, Any]], keep_html: bool) -> str:
    parts: list[str] = []
    for tok in tokens:
        if "children" in tok:
            parts.append(_text_of(tok["children"], keep_html))
        elif tok["type"] in ("softbreak", "linebreak"):
            parts.append(" ")
        elif tok["type"] == "wikilink":
            a = tok["attrs"]
            parts.append(a["alias"] or a["target"])
        elif tok["type"] != "inline_html" or keep_html:
            parts.append(tok.get("raw", ""))
    return "".join(parts)


def escape(text: str) -> str:
    return html.escape(text, quote=False)
