"""Markdown fragments -> card HTML, and -> plain text (for identity and deck names). Pure.

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
import html
import re
from collections.abc import Callable
from typing import Any

import mistune
from mistune.core import BlockState, InlineState
from mistune.plugins.math import math, math_in_list, math_in_quote
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

MediaCallback = Callable[[str], "str | None"]
"""Reference as written (``img/x.png``) -> file name inside the package, or None."""

CODE_CLASS = "d2a-code"
_FORMATTER = HtmlFormatter(cssclass=CODE_CLASS, wrapcode=True)
_IMAGE_EXT = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif"}
_WIKILINK = r"(?P<wl_embed>!?)\[\[(?P<wl_target>[^\]\[|\n]+?)(?:\|(?P<wl_alias>[^\]\[\n]*))?\]\]"
_BLOCK_ID_LINE = re.compile(r"(?m)(?:[ \t]+\^(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]+)[ \t]*$")
_BLOCK_ID_ALONE = re.compile(r"(?m)^[ \t]*\^(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]+[ \t]*\n?")
_TRAIL = " \u203a "
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)


class _CardHTML(mistune.HTMLRenderer):
    def __init__(self, escape: bool, media: MediaCallback | None) -> None:
        super().__init__(escape=escape)
        self.media = media

    def image(self, text: str, url: str, title: str | None = None) -> str:
        return self._image(text, url, title, None)

    def _image(self, alt: str, url: str, title: str | None, size: str | None) -> str:
        if _EXTERNAL.match(url):
            src: str | None = url
        else:
            src = self.media(url) if self.media else None
        if src is None:
            # Missing or refused (the build reports it): keep the alt text, not a broken box.
            return html.escape(f"[{alt or url}]", quote=False)
        attrs: dict[str, object] = {
            "src": self.sanitize_url(src),
            "alt": mistune.util.striptags(alt),
        }
        if title:
            attrs["title"] = title
        if size:
            w, _, h = size.partition("x")
            if w.isdigit():
                attrs["width"] = w
            if h.isdigit():
                attrs["height"] = h
        return "<img" + self.render_attrs(attrs) + ">"

    def block_code(self, code: str, info: str | None = None) -> str:
        lang = (info or "").strip().split(None, 1)[0] if (info or "").strip() else ""
        try:
            lexer = get_lexer_by_name(lang) if lang else None
        except ClassNotFound:
            lexer = None
        if lexer is None:
            escaped = html.escape(code, quote=False)
            return f'<div class="{CODE_CLASS}"><pre><code>{escaped}</code></pre></div>\n'
        return str(highlight(code, lexer, _FORMATTER))

    def wikilink(self, target: str, alias: str | None, embed: str) -> str:
        page, _, heading = target.partition("#")
        if embed:
            ext = page.strip().rsplit(".", 1)[-1].lower() if "." in page else ""
            if f".{ext}" in _IMAGE_EXT:
                size = (
                    alias.strip() if alias and re.fullmatch(r"\d+(x\d+)?", alias.strip()) else None
                )
                alt = alias if alias and not size else page.strip()
                return self._image(alt, page.strip(), None, size)
        if alias:
            label = alias
        elif heading and page:
            label = f"{page}{_TRAIL}{heading}"
        else:
            label = page or heading
        return html.escape(label.strip(), quote=False)


def _render_inline_math(renderer: Any, text: str) -> str:
    return r"\(" + html.escape(text, quote=False) + r"\)"


def _render_block_math(renderer: Any, text: str) -> str:
    return r"\[" + html.escape(text.strip(), quote=False) + "\\]\n"


def _parse_wikilink(inline: Any, m: re.Match[str], state: InlineState) -> int:
    state.append_token(
        {
            "type": "wikilink",
            "attrs": {
                "target": m.group("wl_target"),
                "alias": m.group("wl_alias"),
                "embed": m.group("wl_embed"),
            },
        }
    )
    return m.end()


def _obsidian(md: mistune.Markdown) -> None:
    md.inline.register("wikilink", _WIKILINK, _parse_wikilink, before="link")


def _markdown(escape: bool, media: MediaCallback | None) -> tuple[mistune.Markdown, _CardHTML]:
    renderer = _CardHTML(escape, media)
    md = mistune.create_markdown(
        renderer=renderer,
        plugins=["strikethrough", "mark", "table", math, math_in_list, math_in_quote, _obsidian],
    )
    renderer.register("inline_math", _render_inline_math)
    renderer.register("block_math", _render_block_math)
    return md, renderer


class CardRenderer:
    """Renders one file's concepts (its media callback and ``allow-html`` setting)."""

    def __init__(self, *, media: MediaCallback | None = None, allow_html: bool = False) -> None:
        self._escape = not allow_html
        self._media = media

    @functools.cached_property
    def _mistune(self) -> tuple[mistune.Markdown, _CardHTML]:
        # Made on first use: a file of plain prose never needs it (0.26 ms a file).
        return _markdown(self._escape, self._media)

    def inline(self, src: str) -> str:
        if not src:
            return ""
        if _is_plain(src):
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


_default = CardRenderer()


def render_block(src: str) -> str:
    """Block Markdown to safe HTML, without media (images show their alt text)."""
    return _default.block(src)


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


# Characters that can start any inline Markdown our renderer knows (emphasis, code, links,
# images, HTML, entities, maths, marks, block ids, escapes). A line without them renders as
# itself (mistune only turns `"` into &quot;), so mistune need not run: most definitions are
# plain prose, and this is the larger part of rendering a big vault. test_render checks the
# shortcut against mistune.
_NOT_PLAIN = re.compile(r"[\\`*_~\[\]()<>!&$=^|:\n]|  ")


def _is_plain(src: str) -> bool:
    return _NOT_PLAIN.search(src) is None


def plain_text(src: str, *, keep_html: bool = True) -> str:
    """The text a reader sees, markup removed and whitespace collapsed.

    Raw HTML is shown escaped on cards, so by default it is part of that text; a heading
    (``keep_html=False``) drops it, as Obsidian's rendering of the heading would.
    """
    if _is_plain(src):
        return " ".join(src.split())
    return " ".join(_text_of(list(_default._mistune[0].inline(src, {})), keep_html).split())


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
