"""Markdown fragments -> card HTML, through mistune: every field with markup. Pure.

Imported only when a field has markup (html.CardRenderer passes plain prose by): mistune,
pygments and nh3 cost a build of plain notes a tenth of its start-up.

- Raw HTML keeps a safe subset (sanitize.py: ``<br>``, ``<sub>``, ``<kbd>``, ``<img src>``...,
  never scripts, event handlers or ``javascript:``), all of it with ``allow-html: true``, none
  (shown as text, entities too) with ``allow-html: false``. A field without raw HTML never
  goes through the sanitiser. Links with unsafe schemes are neutralised by mistune.
- Obsidian callouts are titled boxes (callouts.py); footnotes are numbered per card and
  listed at the end of the Definition (footnotes.py).
- The concept line is rendered as *inline* Markdown: a definition such as ``1. step`` stays
  text instead of turning into a list. The rest of the list item is rendered as blocks.
- ``$…$`` / ``$$…$$`` become Anki's MathJax ``\\(…\\)`` / ``\\[…\\]``, escaped once
  (``$5 and $10`` stays text); fenced code is highlighted by pygments with CSS classes whose
  styles ship in the note type (no network); Obsidian ``[[Page|alias]]`` shows its text,
  ``==mark==`` is highlighted, ``^block-ids`` at line ends are never shown.
- Images (``![](x.png)``, ``![[x.png|300]]``) are handed to a media callback that returns the
  name the file has in the package (or None when it cannot be used).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

import mistune
from mistune.core import BlockState
from pygments.formatters import HtmlFormatter

from ..naming import BLOCK_ID
from ..read.media import MediaCallback
from . import footnotes
from .markdown import CODE_CLASS, CardHTML, footnoted, markdown
from .sanitize import clean
from .text import is_plain, plain_html

_BLOCK_ID_LINE = re.compile(rf"(?m)(?:[ \t]+{BLOCK_ID})[ \t]*$")
_BLOCK_ID_ALONE = re.compile(rf"(?m)^[ \t]*{BLOCK_ID}[ \t]*\n?")


class RichRenderer:
    """Renders one file's concepts: its media callback, its ``allow-html`` setting (None:
    the safe subset, True: all, False: none) and the footnotes the file defines."""

    def __init__(
        self,
        *,
        media: MediaCallback | None = None,
        allow_html: bool | None = None,
        footnotes: Mapping[str, str] | None = None,
    ) -> None:
        self._escape = allow_html is False
        self._clean = allow_html is None
        self._media = media
        self._notes: Mapping[str, str] = footnotes or {}

    @functools.cached_property
    def _mistune(self) -> tuple[mistune.Markdown, CardHTML]:
        # Made on first use: a file of plain prose never needs it (0.26 ms a file).
        return markdown(self._escape, self._media)

    @functools.cached_property
    def _footnoted(self) -> mistune.Markdown:
        return footnoted(self._mistune[1])

    def fields(self, term_md: str, definition: str, details: str) -> tuple[str, str]:
        """The Term and Definition fields of one card. A side written on one line (a concept
        line) is rendered inline, so `1. step` stays text; one written over several lines (a
        cloze paragraph, a `?` card's list, a heading card's code) is rendered as blocks."""
        # "^" first: most concepts have none, and this runs for every one of them.
        caret = "^" in term_md or "^" in definition or "^" in details
        if caret and footnotes.has_footnotes(term_md, definition, details):
            return self._with_footnotes(term_md, definition, details)
        term = self.block(term_md) if _several_lines(term_md) else self.inline(term_md)
        if _several_lines(definition):
            return term, _joined(self.block(definition), self.block(details))
        first = self.inline(definition)
        return term, _back(first, self.block(details) if details else "")

    def inline(self, src: str) -> str:
        return self._inline(src, None)

    def _inline(self, src: str, env: dict[str, Any] | None) -> str:
        """``env``: the footnotes' parse environment, on the footnoted grammar."""
        if not src:
            return ""
        if is_plain(src):
            return plain_html(src)
        src = _strip_block_ids(src)
        md, renderer = self._mistune
        if env is None:
            env = {}
        else:
            md = self._footnoted
        return self._cleaned(lambda: renderer(md.inline(src, env), BlockState()))

    def block(self, src: str) -> str:
        if not src.strip():
            return ""
        md = self._mistune[0]
        return self._cleaned(lambda: md(_strip_block_ids(src)))

    def definition(self, definition: str, details: str) -> str:
        """The Definition field: the concept line's definition, then the rest of its item."""
        return self.fields("", definition, details)[1]

    def _with_footnotes(self, term_md: str, definition: str, details: str) -> tuple[str, str]:
        md = self._footnoted
        env = footnotes.new_env(self._notes)
        # Every block is parsed before any line is: the notes written under the concept are
        # known before the first reference to them is numbered.
        term_state = self._parse_blocks(term_md, env) if _several_lines(term_md) else None
        lines = self._parse_blocks(definition, env) if _several_lines(definition) else None
        details_state = self._parse_blocks(details, env)
        footnotes.add_file_notes(env)
        # Rendered in reading order: the notes are numbered as their references are met.
        term = self._render(term_state) if term_state else self._inline(term_md, env)
        if lines is not None:
            body = _joined(self._render(lines), self._render(details_state))
        else:
            body = _back(self._inline(definition, env), self._render(details_state))
        notes = self._cleaned(lambda: footnotes.note_list(md, env))
        return term, _joined(body, notes)

    def _render(self, state: BlockState) -> str:
        return self._cleaned(lambda: self._footnoted.render_state(state))

    def _parse_blocks(self, src: str, env: dict[str, Any]) -> BlockState:
        md = self._footnoted
        state = BlockState()
        state.env = env
        src = _strip_block_ids(src).replace("\r\n", "\n").replace("\r", "\n")
        state.process(src if src.endswith("\n") else src + "\n")
        md.block.parse(state)
        for hook in md.before_render_hooks:
            hook(md, state)
        return state

    def _cleaned(self, render: Callable[[], object]) -> str:
        """What ``render`` makes, through the sanitiser when it rendered raw HTML: the
        renderer's flag is cleared first, so it tells of this fragment alone."""
        renderer = self._mistune[1]
        renderer.raw_html = False
        html = str(render()).strip()
        if self._clean and renderer.raw_html and html:
            return clean(html).strip()
        return html


def _several_lines(src: str) -> bool:
    # The first test alone decides for nearly every concept line, without a copy.
    return "\n" in src and "\n" in src.strip()


def _joined(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def _back(first: str, rest: str) -> str:
    """A one-line definition and the blocks under it: the line as a paragraph of its own."""
    if not rest:
        return first
    return f"<p>{first}</p>\n{rest}" if first else rest


def _strip_block_ids(src: str) -> str:
    # Fenced code keeps its lines untouched: `x ^abc` may be code.
    out, fence = [], ""
    for line in src.split("\n"):
        m = re.match(r"^\s*(`{3,}|~{3,})", line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            continue
        if m:
            fence = m.group(1)
            out.append(line)
            continue
        if _BLOCK_ID_ALONE.fullmatch(line + "\n"):
            continue
        out.append(_BLOCK_ID_LINE.sub("", line))
    return "\n".join(out)


def code_css() -> str:
    """Pygments styles for code blocks: a light theme, and a dark one under night mode."""

    def rules(style: str, scopes: tuple[str, ...]) -> str:
        out = []
        defs: str = HtmlFormatter(style=style).get_style_defs(f".{CODE_CLASS}")  # type: ignore[no-untyped-call]
        for line in defs.splitlines():
            selector, brace, body = line.partition("{")
            # Only rules under our class: pygments also emits bare `pre` and `td.linenos`
            # rules that would restyle every card.
            if brace and selector.startswith(f".{CODE_CLASS}"):
                scoped = ", ".join(f"{scope}{selector.strip()}" for scope in scopes)
                out.append(f"{scoped} {{{body}")
        return "\n".join(out)

    day = rules("default", ("",))
    night = rules("monokai", (".nightMode ", ".night_mode "))
    return f"/* pygments: default (day), monokai (night) */\n{day}\n{night}\n"
