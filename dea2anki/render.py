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


def plain_text(src: str) -> str:
    """The text a reader sees, markup removed and whitespace collapsed."""
    return " ".join(_text_of(_inline_tokens(src)).split())


def _text_of(tokens: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for tok in tokens:
        if "children" in tok:
            parts.append(_text_of(tok["children"]))
        elif tok["type"] in ("softbreak", "linebreak"):
            parts.append(" ")
        else:
            # inline_html included: it is shown escaped, so the reader sees it as text.
            parts.append(tok.get("raw", ""))
    return "".join(parts)


def escape(text: str) -> str:
    return html.escape(text, quote=False)
