"""Footnotes (``text[^1]`` and ``[^1]: note``, Obsidian's inline ``^[note]``) on cards. Pure.

A card numbers its own footnotes from 1, in the order they appear (term first, then
definition), and lists the notes at the end of the Definition field: the back of the card.
The references are plain superscripts, not links: a link to an anchor inside a card field
would scroll Anki's review screen, or leave it on some clients. A note may be written under
the concept or anywhere in the file (at its end, as Obsidian users do): ``definitions``
collects the file's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

import mistune
from mistune.core import BlockState, InlineState
from mistune.plugins.footnotes import (
    INLINE_FOOTNOTE,
    REF_FOOTNOTE,
    parse_footnote_item,
    parse_inline_footnote,
    parse_ref_footnote,
)
from mistune.util import unikey

MARKS = ("[^", "^[")
"""Text without these has no footnote: the usual case costs two substring searches."""
_LEADING_TABS = re.compile(r"(?m)^[ \t]*\t[ \t]*")
_INLINE_NOTE = r"\^\[(?P<inline_note>(?:[^\[\]\n]|\[[^\[\]\n]*\])+)\]"


def has_footnotes(*texts: str) -> bool:
    return any(mark in text for text in texts for mark in MARKS)


def footnotes(md: mistune.Markdown) -> None:
    """mistune plugin: the footnotes plugin's grammar, without its rendering of the notes
    (a field is rendered in parts; ``note_list`` renders them once, at the end)."""
    md.inline.register("footnote", INLINE_FOOTNOTE, _parse_reference, before="link")
    md.inline.register("inline_footnote", _INLINE_NOTE, _parse_inline_note, before="link")
    md.block.register("ref_footnote", REF_FOOTNOTE, parse_ref_footnote, before="ref_link")


def _parse_reference(inline: Any, m: re.Match[str], state: InlineState) -> int | None:
    # A reference to no note is not one: its text is read as any other (mistune's own
    # parser would keep it as literal text, escaping the HTML that the plain path keeps).
    if unikey(m.group("footnote_key")) not in state.env.get("ref_footnotes", {}):
        return None
    end: int = parse_inline_footnote(inline, m, state)
    return end


def _parse_inline_note(inline: Any, m: re.Match[str], state: InlineState) -> int:
    # The note is its own text, under a key no written note can have (keys hold no space),
    # numbered in the same list as parse_inline_footnote numbers the others.
    env = state.env
    notes = env.setdefault("ref_footnotes", {})
    key = f"^ {len(notes)}"
    notes[key] = m.group("inline_note")
    order = env.setdefault("footnotes", [])
    indexes = env.get("footnote_indexes") or {k: i for i, k in enumerate(order)}
    order.append(key)
    indexes[key] = len(order) - 1
    env["footnote_indexes"] = indexes
    state.append_token({"type": "footnote_ref", "raw": key, "attrs": {"index": len(order)}})
    return m.end()


@functools.cache
def _definitions_parser() -> mistune.Markdown:
    # Block grammar only: the notes' own Markdown is parsed when a card uses them.
    return mistune.Markdown(plugins=[footnotes])


def definitions(body: str) -> dict[str, str]:
    """The footnote texts a file defines, by key (as mistune keys them)."""
    if "[^" not in body:
        return {}
    parser = _definitions_parser().block
    state = parser.state_cls()
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    # A note's later lines indented by a tab (as Obsidian's editor indents) are its lines too.
    body = _LEADING_TABS.sub(lambda m: m.group(0).expandtabs(4), body)
    state.process(body + "\n")
    parser.parse(state)
    found: dict[str, str] = state.env.get("ref_footnotes") or {}
    return dict(found)


def new_env(file_notes: Mapping[str, str]) -> dict[str, Any]:
    """The parse environment one card's fields share: their references number together."""
    return {"ref_links": {}, "ref_footnotes": {}, "file_footnotes": file_notes}


def add_file_notes(env: MutableMapping[str, Any]) -> None:
    """Once the card's own blocks are parsed: a note written under the concept wins over
    one of the same key elsewhere in the file."""
    own = env["ref_footnotes"]
    for key, text in env["file_footnotes"].items():
        own.setdefault(key, text)


def note_list(md: mistune.Markdown, env: MutableMapping[str, Any]) -> str:
    """The notes referenced so far, numbered, as the renderer's ``footnotes`` block."""
    keys = env.get("footnotes")
    if not keys:
        return ""
    state = BlockState()
    state.env = env
    items = [parse_footnote_item(md.block, key, i + 1, state) for i, key in enumerate(keys)]
    state.tokens = [{"type": "footnotes", "children": items}]
    return str(md.render_state(state))


def render_ref(index: int) -> str:
    return f'<sup class="d2a-fnref">{index}</sup>'


def render_list(text: str) -> str:
    return f'<ol class="d2a-footnotes">\n{text}</ol>\n'


def render_item(text: str) -> str:
    text = text.strip()
    # A one-paragraph note (the usual one) needs no paragraph: the list stays compact.
    if text.startswith("<p>") and text.endswith("</p>") and text.count("<p>") == 1:
        text = text[3:-4]
    return f"<li>{text}</li>\n"
