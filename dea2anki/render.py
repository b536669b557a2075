"""Markdown fragments -> card HTML, and -> plain text (for identity and deck names).

Fragments are rendered as *inline* Markdown: a definition such as ``1. step`` or ``- x``
stays text instead of turning into a list. Raw HTML is escaped (``<script>`` shows as text)
and links with unsafe schemes (``javascript:``) are neutralised by mistune.
"""

from __future__ import annotations

import html
from typing import Any

import mistune
from mistune.core import BlockState

_renderer = mistune.HTMLRenderer(escape=True)
_md = mistune.create_markdown(renderer=_renderer, plugins=["strikethrough", "mark"])


def _inline_tokens(src: str) -> list[dict[str, Any]]:
    return list(_md.inline(src, {}))


def render_inline(src: str) -> str:
    """Inline Markdown (bold, italics, code, links, ~~strike~~, ==mark==) to safe HTML."""
    if not src:
        return ""
    return str(_renderer(_inline_tokens(src), BlockState()))


def render_block(src: str) -> str:
    """Block Markdown (paragraphs, lists, code blocks, quotes) to safe HTML."""
    if not src.strip():
        return ""
    return str(_md(src)).strip()


def render_definition(definition: str, details: str) -> str:
    """The Definition field: the concept line's definition, then the rest of its list item."""
    first = render_inline(definition)
    rest = render_block(details)
    if not rest:
        return first
    return f"<p>{first}</p>\n{rest}" if first else rest


def plain_text(src: str, *, keep_html: bool = True) -> str:
    """The text a reader sees, markup removed and whitespace collapsed.

    Raw HTML is shown escaped on cards, so by default it is part of that text; a heading
    (``keep_html=False``) drops it, as Obsidian's rendering of the heading would.
    """
    return " ".join(_text_of(_inline_tokens(src), keep_html).split())


def _text_of(tokens: list[dict[str, Any]], keep_html: bool) -> str:
    parts: list[str] = []
    for tok in tokens:
        if "children" in tok:
            parts.append(_text_of(tok["children"], keep_html))
        elif tok["type"] in ("softbreak", "linebreak"):
            parts.append(" ")
        elif tok["type"] != "inline_html" or keep_html:
            parts.append(tok.get("raw", ""))
    return "".join(parts)


def escape(text: str) -> str:
    return html.escape(text, quote=False)
