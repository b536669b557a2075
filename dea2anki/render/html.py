"""Markdown fragments -> card HTML. Pure.

- Raw HTML is escaped (``<script>`` shows as text) unless a file opts in with
  ``allow-html``; links with unsafe schemes (``javascript:``) are neutralised by mistune.
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

import mistune
from mistune.core import BlockState
from pygments.formatters import HtmlFormatter

from ..naming import BLOCK_ID
from .markdown import CODE_CLASS, CardHTML, MediaCallback, markdown
from .text import is_plain

_BLOCK_ID_LINE = re.compile(rf"(?m)(?:[ \t]+{BLOCK_ID})[ \t]*$")
_BLOCK_ID_ALONE = re.compile(rf"(?m)^[ \t]*{BLOCK_ID}[ \t]*\n?")


class CardRenderer:
    """Renders one file's concepts (its media callback and ``allow-html`` setting)."""

    def __init__(self, *, media: MediaCallback | None = None, allow_html: bool = False) -> None:
        self._escape = not allow_html
        self._media = media

    @functools.cached_property
    def _mistune(self) -> tuple[mistune.Markdown, CardHTML]:
        # Made on first use: a file of plain prose never needs it (0.26 ms a file).
        return markdown(self._escape, self._media)

    def inline(self, src: str) -> str:
        if not src:
            return ""
        if is_plain(src):
            return src.strip().replace('"', "&quot;")
        src = _strip_block_ids(src)
        md, renderer = self._mistune
        return str(renderer(md.inline(src, {}), BlockState())).strip()

    def block(self, src: str) -> str:
        if not src.strip():
            return ""
        md, _renderer = self._mistune
        return str(md(_strip_block_ids(src))).strip()

    def definition(self, definition: str, details: str) -> str:
        """The Definition field: the concept line's definition, then the rest of its item."""
        first = self.inline(definition)
        rest = self.block(details)
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
