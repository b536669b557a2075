"""Obsidian callouts (``> [!note] Title``) as titled boxes on the card. Pure.

A quote whose first line is ``[!type]`` (``[!type]-`` / ``[!type]+`` fold in Obsidian; a card
has nothing to click, so they are shown open) becomes a box of the type's colour family. Its
title is the rest of that line, else the type with a capital (``[!faq]`` -> "Faq"), as
Obsidian shows it. Unknown types are boxes too, in the colours of ``note``; ``|metadata``
after the type is ignored.
"""

from __future__ import annotations

import re
from typing import Any

import mistune
from mistune.core import BlockState

_CALLOUT = re.compile(
    r"\[!(?P<kind>[^\]\s]+)\](?P<fold>[+-]?)[ \t]*(?P<title>[^\n]*)(?:\n(?P<body>.*))?", re.S
)

FAMILIES: dict[str, tuple[str, ...]] = {
    "note": ("note", "info", "todo", "abstract", "summary", "tldr"),
    "tip": ("tip", "hint", "important", "success", "check", "done"),
    "warning": ("warning", "caution", "attention"),
    "danger": ("danger", "error", "failure", "fail", "missing", "bug"),
    "question": ("question", "help", "faq"),
    "example": ("example",),
    "quote": ("quote", "cite"),
}
"""Obsidian's types (and their aliases) by the colour their box gets (write/card.css)."""
_FAMILY = {kind: family for family, kinds in FAMILIES.items() for kind in kinds}


def family(kind: str) -> str:
    return _FAMILY.get(kind.casefold(), "note")


def default_title(kind: str) -> str:
    kind = kind.casefold()
    return kind[:1].upper() + kind[1:]


def callouts(md: mistune.Markdown) -> None:
    """mistune plugin: the quotes that are callouts become ``callout`` tokens."""
    md.before_render_hooks.append(_turn_quotes_into_callouts)


def _turn_quotes_into_callouts(md: mistune.Markdown, state: BlockState) -> None:
    _walk(state.tokens)


def _walk(tokens: list[dict[str, Any]]) -> None:
    for tok in tokens:
        children = tok.get("children")
        if not children:
            continue
        _walk(children)
        if tok["type"] != "block_quote" or children[0]["type"] != "paragraph":
            continue
        m = _CALLOUT.match(children[0].get("text", ""))
        if m is None:
            continue
        # `[!note|wide]`: Obsidian's metadata after the type is for its own CSS.
        kind = m.group("kind").split("|", 1)[0]
        title = m.group("title").strip() or default_title(kind)
        body = (m.group("body") or "").strip()
        first = [{"type": "paragraph", "text": body}] if body else []
        tok["type"] = "callout"
        tok["attrs"] = {"family": family(kind)}
        tok["children"] = [{"type": "callout_title", "text": title}, *first, *children[1:]]


def render_callout(text: str, family: str) -> str:
    return f'<div class="d2a-callout d2a-callout-{family}">\n{text}</div>\n'


def render_callout_title(text: str) -> str:
    return f'<div class="d2a-callout-title">{text}</div>\n'
